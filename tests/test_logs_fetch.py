"""Fetching linked Inspect logs: URL parsing, downloads from the fake Hub, failures."""

import datetime
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log, write_eval_log

from bot.log_urls import HubFile, UnfetchableLog, parse_log_url
from bot.logs import LogAuditContext, audit_entry_log, audit_submitted_logs, read_log_file
from checks.inputs import ChangedFile, CheckInput
from checks.reproduce.hashing import input_hash
from checks.reproduce.log_audit import LogClaim
from checks.validate import ValidationResult, validate
from fakehub import FakeHub
from log_helpers import BENCHMARK, IMAGE_INPUT, MODEL_ID, TASK_ID, TASK_IDS, build_image_log, build_log

ENDPOINT = "http://127.0.0.1:8080"
GPQA_SPEC = (Path(__file__).parent / "fixtures" / "eval_yaml" / "Idavidrein__gpqa.yaml").read_bytes()
RESULTS_PATH = ".eval_results/gpqa.yaml"


def model_file(path: str, revision: str = "main", repo_id: str = "google/gemma") -> HubFile:
    return HubFile(repo_id=repo_id, repo_type="model", revision=revision, path=path)


# Only links into a repo on the configured endpoint become downloads. The download is
# rebuilt from the parsed parts, so nothing else in the URL is ever requested.


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{ENDPOINT}/google/gemma/resolve/main/logs/x.eval", model_file("logs/x.eval")),
        (f"{ENDPOINT}/google/gemma/blob/main/logs/x.eval", model_file("logs/x.eval")),
        (f"{ENDPOINT}/google/gemma/raw/main/logs/x.json", model_file("logs/x.json")),
        (f"{ENDPOINT}/google/gemma/resolve/main/logs/x.eval?download=true", model_file("logs/x.eval")),
        (f"{ENDPOINT}/google/gemma/resolve/main/logs/x.eval#L1", model_file("logs/x.eval")),
        (f"{ENDPOINT}/google/gemma/resolve/main/my%20log.eval", model_file("my log.eval")),
        (f"{ENDPOINT}/google/gemma/resolve/refs%2Fpr%2F3/x.eval", model_file("x.eval", "refs/pr/3")),
        (f"{ENDPOINT}/gpt2/resolve/main/x.eval", model_file("x.eval", repo_id="gpt2")),
        (
            f"{ENDPOINT}/datasets/org/evals/resolve/abc123/logs/x.JSON",
            HubFile(repo_id="org/evals", repo_type="dataset", revision="abc123", path="logs/x.JSON"),
        ),
        (
            f"{ENDPOINT}/spaces/org/app/blob/main/x.eval",
            HubFile(repo_id="org/app", repo_type="space", revision="main", path="x.eval"),
        ),
    ],
)
def test_parse_log_url_accepts(url: str, expected: HubFile) -> None:
    assert parse_log_url(url, ENDPOINT) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/google/gemma/resolve/main/x.eval",
        "https://huggingface.co/google/gemma/resolve/main/x.eval",
        "http://127.0.0.1:8081/google/gemma/resolve/main/x.eval",
        "http://127.0.0.1/google/gemma/resolve/main/x.eval",
        "http://localhost:8080/google/gemma/resolve/main/x.eval",
        "http://127.0.0.1.:8080/google/gemma/resolve/main/x.eval",
        "http://[::1]:8080/google/gemma/resolve/main/x.eval",
        "http://user@127.0.0.1:8080/google/gemma/resolve/main/x.eval",
        "http://127.0.0.1:8080@evil.example/google/gemma/resolve/main/x.eval",
        "http://user:pass@127.0.0.1:8080/google/gemma/resolve/main/x.eval",
        "http://127.0.0.1:80:8080/google/gemma/resolve/main/x.eval",
        "http://127.0.0.1:99999/google/gemma/resolve/main/x.eval",
        "ftp://127.0.0.1:8080/google/gemma/resolve/main/x.eval",
        "file:///etc/google/gemma/resolve/main/x.eval",
        "//127.0.0.1:8080/google/gemma/resolve/main/x.eval",
        "/google/gemma/resolve/main/x.eval",
        f"{ENDPOINT}/google/gemma/resolve/main/../../../other/x.eval",
        f"{ENDPOINT}/google/gemma/resolve/main/logs/%2e%2e/x.eval",
        f"{ENDPOINT}/google/gemma/resolve/main/logs%2F..%2Fx.eval",
        f"{ENDPOINT}/google/gemma/resolve/main//x.eval",
        f"{ENDPOINT}/google/gemma/resolve/main/logs%5C..%5Cx.eval",
        f"{ENDPOINT}/google/gemma/resolve/..%2F..%2Fmain/x.eval",
        f"{ENDPOINT}/google/gemma/resolve/main.eval",
        f"{ENDPOINT}/google/gemma/tree/main/logs/x.eval",
        f"{ENDPOINT}/google/gemma/x.eval",
        f"{ENDPOINT}/datasets/evals/resolve/main/x.eval",
        f"{ENDPOINT}/google/bad..name/resolve/main/x.eval",
        f"{ENDPOINT}/google/gemma/resolve/main/x y.eval",
        f"{ENDPOINT}/google/gemma/resolve/main/x.eval\n",
        f"{ENDPOINT}/google/gemma/resolve/main/" + "a" * 3000 + ".eval",
    ],
)
def test_parse_log_url_rejects(url: str) -> None:
    assert isinstance(parse_log_url(url, ENDPOINT), UnfetchableLog)


@pytest.mark.parametrize(
    "url",
    [
        f"{ENDPOINT}/google/gemma",
        f"{ENDPOINT}/google/gemma/resolve/main/README.md",
        f"{ENDPOINT}/google/gemma/resolve/main/x.eval.exe",
        f"{ENDPOINT}/google/gemma/resolve/main/x.yaml?file=x.eval",
        f"{ENDPOINT}/datasets/Idavidrein/gpqa",
        "https://evil.example/page",
        "not a url",
        "",
    ],
)
def test_parse_log_url_ignores_non_logs(url: str) -> None:
    assert parse_log_url(url, ENDPOINT) is None


def test_parse_log_url_under_endpoint_path() -> None:
    endpoint = "http://127.0.0.1:8080/hub"
    url = f"{endpoint}/google/gemma/resolve/main/x.eval"
    assert parse_log_url(url, endpoint) == model_file("x.eval")


def test_parse_log_url_outside_endpoint_path() -> None:
    url = f"{ENDPOINT}/google/gemma/resolve/main/x.eval"
    assert isinstance(parse_log_url(url, f"{ENDPOINT}/hub"), UnfetchableLog)


# Downloads go through huggingface_hub to the fake Hub on 127.0.0.1.


@pytest.fixture(scope="module")
def log_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_log(tmp_path_factory.mktemp("logs")).read_bytes()


@pytest.fixture(scope="module")
def json_log_bytes(log_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("json_logs")
    (folder / "run.eval").write_bytes(log_bytes)
    write_eval_log(read_eval_log(str(folder / "run.eval")), str(folder / "run.json"), format="json")
    return (folder / "run.json").read_bytes()


@pytest.fixture
def hub(fake_hub: FakeHub, log_bytes: bytes, json_log_bytes: bytes) -> FakeHub:
    fake_hub.add_repo(
        MODEL_ID,
        files={
            "logs/gpqa.eval": log_bytes,
            "logs/broken.json": b"{\"version\": ",
            "logs/results.json": b'{"version": 1, "results": {"gpqa_diamond": 0.5}}',
            "logs/list.json": b"[0.5, 0.6]",
            "logs/eval-not-mapping.json": b'{"version": 2, "eval": "gpqa"}',
            "logs/log-shaped.json": b'{"version": 2, "eval": {"task": "gpqa"}}',
            "logs/not-a-zip.eval": b"plain text",
        },
    )
    fake_hub.add_repo(
        "example-user/evals",
        repo_type="dataset",
        files={"gpqa/run.eval": log_bytes, "gpqa/RUN.EVAL": log_bytes, "gpqa/run.json": json_log_bytes},
    )
    return fake_hub


@pytest.fixture
def context(hub: FakeHub) -> LogAuditContext:
    return LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID)


@pytest.fixture
def claim() -> LogClaim:
    return LogClaim(
        dataset_id=BENCHMARK, task_id=TASK_ID, value=50.0, task_ids=TASK_IDS, model_id=MODEL_ID,
        file=RESULTS_PATH, line=7, index=0,
    )


def test_linked_log_is_audited_clean(hub: FakeHub, context: LogAuditContext, claim: LogClaim) -> None:
    findings, error = audit_entry_log(f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval", claim, context)
    assert findings == []
    assert error is None
    assert hub.count("GET", "logs/gpqa.eval") == 1


def test_dataset_blob_link_is_audited(hub: FakeHub, context: LogAuditContext, claim: LogClaim) -> None:
    url = f"{hub.url}/datasets/example-user/evals/blob/main/gpqa/run.eval"
    assert audit_entry_log(url, claim, context) == ([], None)


@pytest.mark.parametrize("path", ["gpqa/run.json", "gpqa/RUN.EVAL"])
def test_other_log_formats_are_audited(
    hub: FakeHub, context: LogAuditContext, claim: LogClaim, path: str
) -> None:
    url = f"{hub.url}/datasets/example-user/evals/resolve/main/{path}"
    assert audit_entry_log(url, claim, context) == ([], None)


def test_upper_case_suffix_still_checks_archive(
    hub: FakeHub, context: LogAuditContext, claim: LogClaim
) -> None:
    small = context.model_copy(update={"max_uncompressed_bytes": 1000})
    findings, _ = audit_entry_log(f"{hub.url}/datasets/example-user/evals/resolve/main/gpqa/RUN.EVAL", claim, small)
    assert [f.code for f in findings] == ["log.unreadable"]


def test_wrong_claim_is_found_through_fetch(hub: FakeHub, context: LogAuditContext, claim: LogClaim) -> None:
    url = f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval"
    findings, _ = audit_entry_log(url, claim.model_copy(update={"value": 61.0}), context)
    assert [f.code for f in findings] == ["log.metric-mismatch"]


def test_edited_log_on_pr_revision(
    hub: FakeHub, context: LogAuditContext, claim: LogClaim, log_bytes: bytes, tmp_path: Path
) -> None:
    original = tmp_path / "original.eval"
    original.write_bytes(log_bytes)
    log = read_eval_log(str(original))
    log.eval.config.limit = 2
    write_eval_log(log, str(tmp_path / "limited.eval"))
    num = hub.open_pull_request(MODEL_ID, {"logs/limited.eval": (tmp_path / "limited.eval").read_bytes()})
    url = f"{hub.url}/{MODEL_ID}/resolve/refs%2Fpr%2F{num}/logs/limited.eval"
    findings, _ = audit_entry_log(url, claim, context)
    assert [f.code for f in findings] == ["log.subset"]


@pytest.mark.parametrize(
    ("path", "reason_start"),
    [
        ("google/gemma-4-12B-it/resolve/main/logs/missing.eval", "the file 'logs/missing.eval' in model"),
        ("google/no-such-repo/resolve/main/logs/gpqa.eval", "the file 'logs/gpqa.eval' in model"),
        ("google/gemma-4-12B-it/resolve/no-such-branch/logs/gpqa.eval", "the file 'logs/gpqa.eval' in model"),
        ("google/gemma-4-12B-it/resolve/main/logs/broken.json", "the file is not a readable Inspect log"),
        ("google/gemma-4-12B-it/resolve/main/logs/not-a-zip.eval", "the .eval file is not a zip archive"),
        ("google/gemma-4-12B-it/resolve/main/logs/log-shaped.json", "the file is not a readable Inspect log"),
    ],
)
def test_unreadable_log_is_warning(
    hub: FakeHub, context: LogAuditContext, claim: LogClaim, path: str, reason_start: str
) -> None:
    findings, error = audit_entry_log(f"{hub.url}/{path}", claim, context)
    assert error is None
    assert [f.code for f in findings] == ["log.unreadable"]
    assert findings[0].message.startswith(f"The linked Inspect log could not be audited: {reason_start}")


# A .json link may be a plain results file rather than an Inspect log: that is no finding.


@pytest.mark.parametrize("path", ["logs/results.json", "logs/list.json", "logs/eval-not-mapping.json"])
def test_json_without_log_shape_is_not_a_log(
    hub: FakeHub, context: LogAuditContext, claim: LogClaim, path: str
) -> None:
    findings, error = audit_entry_log(f"{hub.url}/{MODEL_ID}/resolve/main/{path}", claim, context)
    assert findings == []
    assert error is None
    assert hub.count("GET", path) == 1


def test_oversized_log_is_not_downloaded(hub: FakeHub, context: LogAuditContext, claim: LogClaim) -> None:
    small = context.model_copy(update={"max_bytes": 1000})
    findings, _ = audit_entry_log(f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval", claim, small)
    assert [f.code for f in findings] == ["log.unreadable"]
    assert hub.count("GET", "logs/gpqa.eval") == 0


def test_archive_expanding_past_limit(hub: FakeHub, context: LogAuditContext, claim: LogClaim) -> None:
    small = context.model_copy(update={"max_uncompressed_bytes": 1000})
    findings, _ = audit_entry_log(f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval", claim, small)
    assert [f.code for f in findings] == ["log.unreadable"]
    assert "expands to" in findings[0].message


def test_hub_outage_is_bot_error(hub: FakeHub, context: LogAuditContext, claim: LogClaim) -> None:
    hub.fail_next(500, method="HEAD", path_prefix=f"/{MODEL_ID}/resolve")
    findings, error = audit_entry_log(f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval", claim, context)
    assert findings == []
    assert error is not None
    assert error.file == RESULTS_PATH


def test_slow_hub_is_bot_error(hub: FakeHub, context: LogAuditContext, claim: LogClaim) -> None:
    hub.fail_next(200, method="HEAD", path_prefix=f"/{MODEL_ID}/resolve", delay=1.0)
    impatient = context.model_copy(update={"timeout": 0.2})
    findings, error = audit_entry_log(f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval", claim, impatient)
    assert findings == []
    assert error is not None
    assert "ReadTimeout" in error.message


def test_refused_connection_is_bot_error(claim: LogClaim) -> None:
    closed = LogAuditContext(endpoint="http://127.0.0.1:9", repo_id=MODEL_ID)
    url = f"http://127.0.0.1:9/{MODEL_ID}/resolve/main/logs/gpqa.eval"
    findings, error = audit_entry_log(url, claim, closed)
    assert findings == []
    assert error is not None


# A log link on another host is reported and never requested.


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def other_host() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_CountingHandler,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_other_host_is_never_requested(
    hub: FakeHub, context: LogAuditContext, claim: LogClaim, other_host: tuple[str, list[str]]
) -> None:
    other_url, hits = other_host
    findings, error = audit_entry_log(f"{other_url}/{MODEL_ID}/resolve/main/logs/gpqa.eval", claim, context)
    assert [f.code for f in findings] == ["log.unreadable"]
    assert error is None
    assert hits == []
    assert hub.count() == 0


def test_other_host_message_names_both_hosts(
    hub: FakeHub, context: LogAuditContext, claim: LogClaim, other_host: tuple[str, list[str]]
) -> None:
    other_url, _ = other_host
    findings, _ = audit_entry_log(f"{other_url}/x/y/resolve/main/run.eval", claim, context)
    other_netloc = other_url.removeprefix("http://")
    hub_netloc = hub.url.removeprefix("http://")
    assert findings[0].message == (
        "The linked Inspect log could not be audited: it was not downloaded because its host "
        f"'{other_netloc}' is not the Hub endpoint '{hub_netloc}'."
    )


# The service entry point works on a real validation result.


def _results_yaml(url: str, value: float = 50.0) -> bytes:
    entry = f"""\
- dataset:
    id: {BENCHMARK}
    task_id: {TASK_ID}
  value: {value}
  date: "2026-05-01"
  source:
    url: {url}
    name: Inspect log
"""
    return entry.encode()


def _validated(content: bytes) -> ValidationResult:
    inputs = CheckInput(
        changed=[ChangedFile(path=RESULTS_PATH, status="added", content=content)],
        today=datetime.date(2026, 6, 1),
        model_id=MODEL_ID,
    )
    return validate(inputs, lambda dataset_id, revision: GPQA_SPEC if dataset_id == BENCHMARK else None)


def test_submitted_logs_add_findings(hub: FakeHub) -> None:
    url = f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval"
    content = _results_yaml(url, value=61.0) + _results_yaml(url, value=50.0)
    result = _validated(content)
    context = LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID, files={RESULTS_PATH: content})
    audit_submitted_logs(result, context)
    [first, second] = result.report.files[0].entries
    assert [f.code for f in first.findings if f.code.startswith("log.")] == ["log.metric-mismatch"]
    assert [f.code for f in second.findings if f.code.startswith("log.")] == []
    assert result.report.bot_errors == []


def test_submitted_logs_finding_line_is_source_url(hub: FakeHub) -> None:
    url = f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval"
    content = _results_yaml(url, value=61.0)
    result = _validated(content)
    audit_submitted_logs(result, LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID, files={RESULTS_PATH: content}))
    [found] = [f for f in result.report.files[0].entries[0].findings if f.code.startswith("log.")]
    assert (found.file, found.line, found.field) == (RESULTS_PATH, 7, "source.url")


def test_submitted_logs_return_item_scores(hub: FakeHub) -> None:
    url = f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval"
    content = _results_yaml(url) + _results_yaml(f"{hub.url}/{MODEL_ID}")
    result = _validated(content)
    scores = audit_submitted_logs(
        result, LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID, files={RESULTS_PATH: content})
    )
    assert list(scores) == [(RESULTS_PATH, 0)]
    assert scores[(RESULTS_PATH, 0)][input_hash("Q1")] == 0.5


def test_submitted_logs_download_shared_link_once(hub: FakeHub) -> None:
    url = f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval"
    content = _results_yaml(url) + _results_yaml(url)
    result = _validated(content)
    audit_submitted_logs(result, LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID, files={RESULTS_PATH: content}))
    assert hub.count("GET", "logs/gpqa.eval") == 1


def test_submitted_logs_outage_once_per_entry(hub: FakeHub) -> None:
    url = f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval"
    content = _results_yaml(url) + _results_yaml(url)
    result = _validated(content)
    hub.fail_next(503, method="HEAD", path_prefix=f"/{MODEL_ID}/resolve")
    audit_submitted_logs(result, LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID, files={RESULTS_PATH: content}))
    assert [error.entry_index for error in result.report.bot_errors] == [0, 1]


def test_submitted_logs_skip_non_log_sources(hub: FakeHub) -> None:
    content = _results_yaml(f"{hub.url}/{MODEL_ID}")
    result = _validated(content)
    before = result.report.model_dump()
    audit_submitted_logs(result, LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID, files={RESULTS_PATH: content}))
    assert result.report.model_dump() == before
    assert hub.count() == 0


def test_submitted_logs_without_files_change_nothing(hub: FakeHub) -> None:
    content = _results_yaml(f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval", value=61.0)
    result = _validated(content)
    before = result.report.model_dump()
    audit_submitted_logs(result, LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID))
    assert result.report.model_dump() == before


def test_audit_crash_becomes_bot_error(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("unexpected log shape")

    monkeypatch.setattr("bot.logs.audit_log", crash)
    content = _results_yaml(f"{hub.url}/{MODEL_ID}/resolve/main/logs/gpqa.eval")
    result = _validated(content)
    audit_submitted_logs(result, LogAuditContext(endpoint=hub.url, repo_id=MODEL_ID, files={RESULTS_PATH: content}))
    assert [(error.file, error.entry_index) for error in result.report.bot_errors] == [(RESULTS_PATH, 0)]
    assert result.report.bot_errors[0].message == (
        "evalbot failed while auditing the linked Inspect log: RuntimeError."
    )


# Real submissions: only one links a log-like file, and it is a plain JSON results file.

REALWORLD = Path(__file__).parent / "fixtures" / "realworld" / "eval_results"
BBH_FILE = "dual-loop-controller__bbh.yaml"
BBH_REPO = "example-user/dual-loop-qwen3.5-2b"
BBH_LOG = "eval_results/qwen35_2b_authentic_20_benchmarks.json"


@pytest.mark.parametrize("path", sorted(REALWORLD.glob("*.yaml")), ids=lambda path: path.name)
def test_realworld_source_urls(path: Path) -> None:
    urls = [line.split("url:", 1)[1].strip() for line in path.read_text().splitlines() if "url:" in line]
    parsed = {parse_log_url(url, "https://huggingface.co") for url in urls}
    expected = {model_file(BBH_LOG, repo_id=BBH_REPO)} if path.name == BBH_FILE else {None}
    assert parsed == expected


def test_realworld_json_results_file_is_not_a_log(fake_hub: FakeHub) -> None:
    fake_hub.add_repo(BBH_REPO, files={BBH_LOG: b'{"bbh": {"boolean_expressions": 0.9}}'})
    path = f".eval_results/{BBH_FILE}"
    content = (REALWORLD / BBH_FILE).read_bytes().replace(b"https://huggingface.co", fake_hub.url.encode())
    inputs = CheckInput(
        changed=[ChangedFile(path=path, status="added", content=content)], today=datetime.date(2026, 12, 1)
    )
    result = validate(inputs, lambda dataset_id, revision: None)
    audit_submitted_logs(result, LogAuditContext(endpoint=fake_hub.url, repo_id=BBH_REPO, files={path: content}))
    entries = result.report.files[0].entries
    log_codes = [[f.code for f in entry.findings if f.code.startswith("log.")] for entry in entries]
    assert log_codes == [[]] * 11
    assert fake_hub.count("GET", BBH_LOG) == 1
    assert result.report.bot_errors == []


# Inspect stores images of inputs as attachments, so the reader resolves them for hashing.


@pytest.fixture(scope="module")
def image_log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_image_log(tmp_path_factory.mktemp("image_logs"))


def test_read_log_file_resolves_input_attachments(image_log_path: Path) -> None:
    [sample] = read_log_file(image_log_path).samples or []
    assert input_hash(sample.input) == input_hash(IMAGE_INPUT)


def test_plain_read_keeps_attachment_references(image_log_path: Path) -> None:
    # Guards the test above: without resolving, the hash would differ.
    [sample] = read_eval_log(str(image_log_path)).samples or []
    assert input_hash(sample.input) != input_hash(IMAGE_INPUT)
