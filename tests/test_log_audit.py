"""Audit of submitted Inspect logs, on a real log made with mockllm and edited copies."""

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.log import EvalLog, EvalError, read_eval_log, write_eval_log

from checks.report import EntryReport, FileReport, ItemScore, Report, Reproduction
from checks.reproduce.hashing import input_hash
from checks.reproduce.log_audit import (
    LogClaim,
    audit_log,
    claim_matches,
    model_matches,
    task_problem,
)
from checks.reproduce.log_scores import (
    Agreement,
    add_agreement_findings,
    agreement_finding,
    epoch_reducer,
    headline_item_scores,
    log_item_scores,
    pair_scores,
    reduced_scores,
    reducer_by_name,
)
from log_helpers import (
    ACCURACY,
    BENCHMARK,
    MODEL_ID,
    QUESTIONS,
    TASK_ID,
    TASK_IDS,
    build_dict_scorer_log,
    build_log,
)

Edit = Callable[[EvalLog], None]


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_log(tmp_path_factory.mktemp("logs"))


@pytest.fixture
def claim() -> LogClaim:
    return LogClaim(
        dataset_id=BENCHMARK,
        task_id=TASK_ID,
        value=100 * ACCURACY,
        task_ids=TASK_IDS,
        model_id=MODEL_ID,
        file=".eval_results/gpqa.yaml",
        line=3,
    )


def edited(log_path: Path, tmp_path: Path, edit: Edit) -> EvalLog:
    """Edit a copy of the log, write it with Inspect and read it back."""
    log = read_eval_log(str(log_path))
    edit(log)
    copy = tmp_path / "edited.eval"
    write_eval_log(log, str(copy))
    return read_eval_log(str(copy))


def codes(log: EvalLog, claim: LogClaim) -> list[str]:
    return [f.code for f in audit_log(log, claim)]


# The unedited log is the baseline: every other test changes one thing.


def test_unedited_log_passes(log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(log_path))
    assert codes(log, claim) == []


def test_unedited_log_has_expected_accuracy(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    assert log.results is not None
    assert log.results.scores[0].metrics["accuracy"].value == ACCURACY


def _set_error(log: EvalLog) -> None:
    log.status = "error"
    log.error = EvalError(message="RateLimitError", traceback="", traceback_ansi="")


def _invalidated(log: EvalLog) -> None:
    log.invalidated = True


def _drained(log: EvalLog) -> None:
    assert log.results is not None
    log.results.logged_samples = 7


def _set_limit(log: EvalLog) -> None:
    log.eval.config.limit = 3


def _set_sample_id(log: EvalLog) -> None:
    log.eval.config.sample_id = ["s0", "s2"]


def _fewer_completed(log: EvalLog) -> None:
    assert log.results is not None
    log.results.completed_samples = 8


def _fewer_planned(log: EvalLog) -> None:
    assert log.results is not None
    log.results.total_samples = 6
    log.results.completed_samples = 6


def _other_model(log: EvalLog) -> None:
    log.eval.model = "hf-inference-providers/Qwen/Qwen3-8B"


def _other_task_id(log: EvalLog) -> None:
    log.eval.task = f"hf/{BENCHMARK}/main"


def _other_benchmark(log: EvalLog) -> None:
    log.eval.task = "hf/cais/hle"


def _other_dataset_location(log: EvalLog) -> None:
    log.eval.dataset.location = "cais/hle"


def _other_dataset_name(log: EvalLog) -> None:
    log.eval.dataset.name = "cais/hle"


def _changed_metric(log: EvalLog) -> None:
    assert log.results is not None
    log.results.scores[0].metrics["accuracy"].value = 0.7


def _removed_samples(log: EvalLog) -> None:
    assert log.samples is not None
    log.samples = [sample for sample in log.samples if sample.id != "s3"]


def _flipped_sample_score(log: EvalLog) -> None:
    assert log.samples is not None
    for sample in log.samples:
        if sample.id == "s4" and sample.scores:
            sample.scores["includes"].value = "C"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_set_error, ["log.status"]),
        (_invalidated, ["log.status"]),
        (_drained, ["log.subset"]),
        (_set_limit, ["log.subset"]),
        (_set_sample_id, ["log.subset"]),
        (_fewer_completed, ["log.subset"]),
        (_fewer_planned, ["log.subset"]),
        (_other_model, ["log.model-mismatch"]),
        (_other_task_id, ["log.task-mismatch"]),
        (_other_benchmark, ["log.task-mismatch"]),
        (_other_dataset_location, ["log.task-mismatch"]),
        (_other_dataset_name, ["log.task-mismatch"]),
        (_changed_metric, ["log.metric-mismatch", "log.recomputed-mismatch"]),
        (_removed_samples, ["log.recomputed-mismatch"]),
        (_flipped_sample_score, ["log.recomputed-mismatch"]),
    ],
    ids=lambda value: getattr(value, "__name__", "")[1:] or None,
)
def test_edited_log_codes(
    log_path: Path, tmp_path: Path, claim: LogClaim, edit: Edit, expected: list[str]
) -> None:
    log = edited(log_path, tmp_path, edit)
    assert codes(log, claim) == expected


def test_other_claim_is_metric_mismatch(log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(log_path))
    assert codes(log, claim.model_copy(update={"value": 55.0})) == ["log.metric-mismatch"]


def test_metric_with_arguments_skips_recompute(log_path: Path, tmp_path: Path, claim: LogClaim) -> None:
    def custom_metric(log: EvalLog) -> None:
        _flipped_sample_score(log)
        assert log.results is not None
        log.results.scores[0].metrics["accuracy"].params = {"to_float": "custom_to_float"}

    assert codes(edited(log_path, tmp_path, custom_metric), claim) == []


def test_header_only_log_skips_recompute(log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(log_path), header_only=True)
    assert codes(log, claim) == []


def test_local_check_skips_model(log_path: Path, tmp_path: Path, claim: LogClaim) -> None:
    log = edited(log_path, tmp_path, _other_model)
    assert codes(log, claim.model_copy(update={"model_id": None})) == []


def test_known_split_size_catches_smaller_dataset(log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(log_path))
    assert codes(log, claim.model_copy(update={"dataset_size": 198})) == ["log.subset"]


def test_findings_carry_entry_location(log_path: Path, tmp_path: Path, claim: LogClaim) -> None:
    [found] = audit_log(edited(log_path, tmp_path, _set_limit), claim)
    assert (found.file, found.line, found.field) == (".eval_results/gpqa.yaml", 3, "source.url")


def test_subset_message_names_limit(log_path: Path, tmp_path: Path, claim: LogClaim) -> None:
    [found] = audit_log(edited(log_path, tmp_path, _set_limit), claim)
    assert found.message == "The linked Inspect log ran a subset of the items: limit '3'."


def test_recompute_message_gives_both_values(
    log_path: Path, tmp_path: Path, claim: LogClaim
) -> None:
    [found] = audit_log(edited(log_path, tmp_path, _flipped_sample_score), claim)
    assert found.message == (
        "The linked Inspect log's metrics do not follow from its samples: the 5 samples' "
        "scores, reduced with 'mean', give accuracy 0.7 but the log stores 0.5."
    )


def test_model_message_names_both_models(log_path: Path, tmp_path: Path, claim: LogClaim) -> None:
    [found] = audit_log(edited(log_path, tmp_path, _other_model), claim)
    assert found.message == (
        "The linked Inspect log ran model 'hf-inference-providers/Qwen/Qwen3-8B', not this "
        "repo 'google/gemma-4-12B-it' (the model's last path segments, without a provider "
        "prefix or ':provider' suffix, are compared case-insensitively)."
    )


# Inspect model strings put a provider before the repo id.


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("hf-inference-providers/google/gemma-4-12B-it", True),
        ("hf-inference-providers/google/gemma-4-12B-it:together", True),
        ("hf/Google/GEMMA-4-12b-it", True),
        ("vllm/google/gemma-4-12B-it", True),
        ("openai-api/nebius/google/gemma-4-12B-it", True),
        ("google/gemma-4-12B-it", True),
        ("mockllm/model", False),
        ("hf/google/gemma-4-12B-it-qat", False),
        ("hf/evil/gemma-4-12B-it", False),
        ("gemma-4-12B-it", False),
        ("", False),
    ],
)
def test_model_matches(model: str, expected: bool) -> None:
    assert model_matches(model, MODEL_ID) is expected


# Inspect names hf/ tasks after the command line, plus the task id for multi-task specs.


@pytest.mark.parametrize(
    ("task", "task_ids", "revision", "expected_ok"),
    [
        ("hf/Idavidrein/gpqa/diamond", TASK_IDS, None, True),
        ("hf/idavidrein/GPQA/diamond", TASK_IDS, None, True),
        ("hf/Idavidrein/gpqa/diamond/diamond", TASK_IDS, None, True),
        ("hf/Idavidrein/gpqa@5503434d/diamond", TASK_IDS, "5503434ddd753f426f4b38109466949a1217c2bb", True),
        ("hf/Idavidrein/gpqa@0000000/diamond", TASK_IDS, "5503434ddd753f426f4b38109466949a1217c2bb", False),
        ("hf/Idavidrein/gpqa", ["diamond"], None, True),
        ("hf/Idavidrein/gpqa", TASK_IDS, None, False),
        ("hf/Idavidrein/gpqa/main", TASK_IDS, None, False),
        ("hf/Idavidrein/gpqa/diamond/main", TASK_IDS, None, False),
        ("hf/Idavidrein/gpqa-copy/diamond", TASK_IDS, None, False),
        ("gpqa_diamond", TASK_IDS, None, True),
        ("hf/", TASK_IDS, None, False),
    ],
)
def test_task_names(
    log_path: Path, claim: LogClaim, task: str, task_ids: list[str], revision: str | None, expected_ok: bool
) -> None:
    log = read_eval_log(str(log_path), header_only=True)
    log.eval.task = task
    claim = claim.model_copy(update={"task_ids": task_ids, "revision": revision})
    assert (task_problem(log, claim) is None) is expected_ok


def test_non_hf_task_needs_benchmark_dataset(log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(log_path), header_only=True)
    log.eval.task = "inspect_evals/gpqa_diamond"
    log.eval.dataset.location = "/home/user/gpqa.csv"
    log.eval.dataset.name = "gpqa"
    assert task_problem(log, claim) == (
        "its task 'inspect_evals/gpqa_diamond' is not an hf/ task and its dataset "
        "'/home/user/gpqa.csv' is not the benchmark"
    )


def test_non_hf_task_matches_by_dataset_name(log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(log_path), header_only=True)
    log.eval.task = "inspect_evals/gpqa_diamond"
    log.eval.dataset.location = "/home/user/gpqa.csv"
    assert task_problem(log, claim) is None


# The claim's scale is not fixed, and it shows the metric rounded or truncated.


@pytest.mark.parametrize(
    ("value", "metric", "expected"),
    [
        (78.8, 0.7876, True),
        (78.7, 0.7876, True),
        (79, 0.7876, True),
        (78.76, 0.7876, True),
        (0.788, 0.7876, True),
        (0.7876, 0.7876, True),
        (78.75, 0.7875, True),
        (78.8, 78.76, True),
        (100, 1.0, True),
        (0.0, 0.0, True),
        (78.9, 0.7876, False),
        (78.77, 0.7876, False),
        (0.78, 0.7876, True),
        (0.77, 0.7876, False),
        (7.9, 0.7876, False),
        (42.1, 0.4, False),
        (78.8, 1e30, False),
        (78.8, math.inf, False),
        (50.0, math.nan, False),
    ],
)
def test_claim_matches(value: float, metric: float, expected: bool) -> None:
    assert claim_matches(value, metric) is expected


# Recomputing follows Inspect: epochs reduced per sample, then value_to_float.


def test_reduced_scores_apply_mean_over_epochs(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    assert reduced_scores(log, "includes") == {"s0": 1.0, "s1": 0.5, "s2": 1.0, "s3": 0.0, "s4": 0.0}


def test_reduced_scores_with_pass_at_one(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    scores = reduced_scores(log, "includes", reducer="pass_at_1")
    assert scores is not None
    assert scores["s1"] == 0.5


def test_reduced_scores_with_max(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    scores = reduced_scores(log, "includes", reducer="max")
    assert scores is not None
    assert scores["s1"] == 1.0


def test_reduced_scores_unknown_reducer(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    assert reduced_scores(log, "includes", reducer="my_reducer") is None


def test_reduced_scores_without_samples(log_path: Path) -> None:
    log = read_eval_log(str(log_path), header_only=True)
    assert reduced_scores(log, "includes") is None


@pytest.mark.parametrize(
    ("name", "known"),
    [("mean", True), ("median", True), ("mode", True), ("max", True), ("pass_at_4", True),
     ("at_least_2", True), ("pass_at_", False), ("at_least_x", False), ("custom", False), ("", False)],
)
def test_reducer_by_name(name: str, known: bool) -> None:
    assert (reducer_by_name(name) is not None) is known


# Per-item scores are keyed by input hash, so the re-run can pair its items.


def test_log_item_scores_keyed_by_input_hash(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    scores = log_item_scores(log, "includes")
    assert scores == {input_hash(question): score for question, score in zip(QUESTIONS, [1.0, 0.5, 1.0, 0.0, 0.0])}


def test_headline_item_scores(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    assert headline_item_scores(log) == log_item_scores(log, "includes")


def test_headline_item_scores_without_results(log_path: Path) -> None:
    log = read_eval_log(str(log_path))
    log.results = None
    assert headline_item_scores(log) == {}


@pytest.mark.parametrize(
    ("recorded", "configured", "expected"),
    [("pass_at_1", ["mean"], "pass_at_1"), (None, ["max", "mean"], "max"), (None, None, "mean"), ("", None, "mean")],
)
def test_epoch_reducer(log_path: Path, recorded: str | None, configured: list[str] | None, expected: str) -> None:
    log = read_eval_log(str(log_path), header_only=True)
    log.eval.config.epochs_reducer = configured
    assert epoch_reducer(log, recorded) == expected


def test_pair_scores_counts_agreement() -> None:
    log_scores = {input_hash("Q0"): 1.0, input_hash("Q1"): 0.5, input_hash("Q2"): 1.0}
    rerun = [
        ItemScore(id="a", input_hash=input_hash("Q0"), score=1.0),
        ItemScore(id="b", input_hash=input_hash("Q1"), score=0.0),
        ItemScore(id="c", input_hash=input_hash("Q2"), score=1.0),
        ItemScore(id="d", input_hash=input_hash("Q9"), score=1.0),
    ]
    agreement = pair_scores(log_scores, rerun)
    assert agreement.paired == 3
    assert agreement.agreement_rate == pytest.approx(2 / 3)
    assert agreement.mean_difference == pytest.approx(-0.5 / 3)
    assert agreement.unpaired == 1


def test_pair_scores_with_nothing_shared() -> None:
    rerun = [ItemScore(id="a", input_hash=input_hash("Q0"), score=1.0)]
    assert pair_scores({}, rerun) == Agreement(paired=0, unpaired=1)


def test_agreement_finding_message() -> None:
    found = agreement_finding(
        Agreement(paired=40, agreement_rate=0.9, mean_difference=-0.025, unpaired=2),
        file="a.yaml",
        line=4,
    )
    assert (found.code, found.severity) == ("log.agreement", "info")
    assert found.message == (
        "The linked Inspect log and the re-run agree on 90% of 40 shared items. "
        "The re-run scores -2.5 points on average."
    )


def test_agreement_finding_without_pairs() -> None:
    found = agreement_finding(Agreement(paired=0, unpaired=20))
    assert found.message == (
        "None of the 20 re-run items occur in the linked Inspect log, "
        "so the log and the re-run could not be compared item by item."
    )


# A dict-valued scorer logs one score per key, each recomputed from its own key.


@pytest.fixture(scope="module")
def dict_log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dict_scorer_log(tmp_path_factory.mktemp("dict_logs"))


def test_dict_scorer_log_passes(dict_log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(dict_log_path))
    assert codes(log, claim.model_copy(update={"value": 75.0})) == []


def test_dict_scorer_key_is_recomputed(dict_log_path: Path, claim: LogClaim) -> None:
    log = read_eval_log(str(dict_log_path))
    assert log.results is not None
    log.results.scores[0].metrics["accuracy"].value = 0.5
    assert codes(log, claim.model_copy(update={"value": 50.0})) == ["log.recomputed-mismatch"]


def test_dict_scorer_second_key(dict_log_path: Path) -> None:
    log = read_eval_log(str(dict_log_path))
    assert reduced_scores(log, "_two_part_scorer", "partial") == {"s0": 0.25, "s1": 0.25, "s2": 0.25, "s3": 0.0}


# Inspect leaves unscored samples (NaN) out of its metrics, and so does the recompute.


def _unscored_s3(log: EvalLog) -> None:
    assert log.samples is not None and log.results is not None
    for sample in log.samples:
        if sample.id == "s3" and sample.scores:
            sample.scores["includes"].value = math.nan
    log.results.scores[0].scored_samples = 4
    log.results.scores[0].metrics["accuracy"].value = 2.5 / 4


def test_unscored_samples_left_out(log_path: Path, tmp_path: Path, claim: LogClaim) -> None:
    log = edited(log_path, tmp_path, _unscored_s3)
    assert codes(log, claim.model_copy(update={"value": 62.5})) == []


def _rerun_entry(index: int, scores: dict[str, float] | None) -> EntryReport:
    reproduction = None
    if scores is not None:
        items = [ItemScore(id=question, input_hash=input_hash(question), score=score) for question, score in scores.items()]
        reproduction = Reproduction(verdict="consistent", reason="decided", item_scores=items)
    return EntryReport(index=index, line=2 + 8 * index, reproduction=reproduction)


def test_add_agreement_findings_pairs_rerun_entries() -> None:
    log_scores = {input_hash("Q0"): 1.0, input_hash("Q1"): 0.5}
    report = Report(
        files=[
            FileReport(
                path="a.yaml",
                entries=[_rerun_entry(0, {"Q0": 1.0, "Q1": 1.0}), _rerun_entry(1, None), _rerun_entry(2, {"Q0": 1.0})],
            )
        ]
    )
    add_agreement_findings(report, {("a.yaml", 0): log_scores, ("a.yaml", 1): log_scores})
    first, second, third = report.files[0].entries
    assert [(f.code, f.line) for f in first.findings] == [("log.agreement", 2)]
    assert first.findings[0].message == (
        "The linked Inspect log and the re-run agree on 50% of 2 shared items. "
        "The re-run scores +25.0 points on average."
    )
    assert second.findings == []
    assert third.findings == []
