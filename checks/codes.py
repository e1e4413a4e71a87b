"""Finding codes: the stable ids that the comment, the JSON report and users rely on.

Each code has one fixed severity. Errors make the pull request's conclusion `failure`;
warnings and infos inform without blocking. docs/findings.md documents every code and a
test keeps that page and this table in step.
"""

from typing import Literal

Severity = Literal["error", "warning", "info"]

ERROR: Severity = "error"
WARNING: Severity = "warning"
INFO: Severity = "info"

# code -> (severity, one-line description for the docs)
CODES: dict[str, tuple[Severity, str]] = {
    # Loading
    "yaml.syntax": (ERROR, "The file is not valid YAML."),
    "yaml.encoding": (ERROR, "The file is not UTF-8."),
    "yaml.too-large": (ERROR, "The file is over the size limit and was not parsed."),
    "yaml.duplicate-key": (ERROR, "A mapping repeats a key, so one value would be lost silently."),
    "yaml.alias": (ERROR, "The file uses YAML anchors or aliases, which results files never need."),
    "yaml.too-deep": (ERROR, "The file nests mappings or lists past the depth limit."),
    "yaml.not-a-list": (ERROR, "The top level of a results file is not a list of entries."),
    # Schema
    "schema.missing": (ERROR, "A required field is missing."),
    "schema.type": (ERROR, "A field has the wrong type."),
    "schema.unknown-field": (WARNING, "A field is not part of the format and is ignored by the Hub."),
    # Alignment with the benchmark
    "benchmark.not-found": (ERROR, "No eval.yaml was found for the dataset id where the spec lookup looked."),
    "benchmark.invalid-spec": (ERROR, "The benchmark's eval.yaml is itself invalid."),
    "task.unknown": (ERROR, "The task id is not one of the benchmark's tasks."),
    "framework.mismatch": (ERROR, "The entry names another evaluation framework than the benchmark."),
    "revision.invalid": (WARNING, "The dataset revision is not a 40-character commit sha."),
    # Values
    "value.not-finite": (ERROR, "The value is not a finite number."),
    "value.out-of-range": (ERROR, "The value is outside 0 to 100."),
    "value.scale": (WARNING, "The value looks like a 0-1 score beside 0-100 scores (or the reverse)."),
    "value.placeholder": (ERROR, "Every value in the file is zero, which marks a template."),
    # Dates, sources, notes
    "date.invalid": (ERROR, "The date is not an ISO-8601 date or datetime."),
    "date.future": (ERROR, "The date is in the future."),
    "date.unquoted": (WARNING, "The date is not quoted, so YAML reads it as a date object."),
    "source.not-evidence": (WARNING, "The source url cannot be evidence for the score."),
    "notes.tools": (WARNING, "The notes about tool use contradict the file name or other entries."),
    # Duplicates
    "duplicate.same": (WARNING, "The same result is already reported with an equal value."),
    "duplicate.conflict": (ERROR, "The same result is already reported with a different value."),
    # Re-run of the benchmark on a sample of its items
    "reproduce.inconsistent": (ERROR, "The re-run score is outside the claim's tolerance."),
    "reproduce.inconclusive": (WARNING, "The re-run could not decide within its budget."),
    "reproduce.not-run": (INFO, "The entry was not re-run; the message says why."),
    # Audit of a submitted Inspect log (source.url pointing at a .eval or .json log)
    "log.unreadable": (WARNING, "The linked Inspect log could not be downloaded or read."),
    "log.status": (ERROR, "The linked Inspect log did not finish with status success."),
    "log.model-mismatch": (ERROR, "The log's model is not the model of this repo."),
    "log.task-mismatch": (ERROR, "The log's task is not the entry's benchmark and task."),
    "log.subset": (ERROR, "The log ran a subset of the items (limit, sample_id or missing items)."),
    "log.metric-mismatch": (ERROR, "The log's headline metric differs from the claimed value."),
    "log.recomputed-mismatch": (ERROR, "Metrics recomputed from the log's samples differ from the stored ones."),
    "log.agreement": (INFO, "Per-item agreement between the log and the re-run."),
    # Pull request shape
    "pr.other-files": (WARNING, "The pull request changes files that are not results files."),
    "pr.deletes-results": (WARNING, "The pull request deletes results files from main."),
}


def severity_of(code: str) -> Severity:
    """Return the fixed severity of a finding code; raise KeyError for an unregistered one."""
    return CODES[code][0]
