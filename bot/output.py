"""The report as `evalbot check` prints it: versioned JSON, or text for a terminal.

The JSON shape is a public contract documented in docs/report.md: add keys only, and
bump `checks.report.SCHEMA_VERSION` when a key changes meaning or disappears.
"""

from typing import Any

from checks.report import EntryReport, Finding, Report, Reproduction


def report_to_json(report: Report) -> dict[str, Any]:
    """Return the report as the JSON object of schema version 1."""
    return {
        "schema_version": report.schema_version,
        "conclusion": report.conclusion,
        "files": [
            {
                "path": file_report.path,
                "findings": [_finding_json(finding) for finding in file_report.findings],
                "entries": [_entry_json(entry) for entry in file_report.entries],
            }
            for file_report in report.files
        ],
        "bot_errors": [bot_error.model_dump(mode="json") for bot_error in report.bot_errors],
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return finding.model_dump(mode="json", include={"code", "severity", "message", "file", "line", "field", "hint"})


def _entry_json(entry: EntryReport) -> dict[str, Any]:
    return {
        "index": entry.index,
        "dataset_id": entry.dataset_id,
        "task_id": entry.task_id,
        "value": entry.value,
        "badge": entry.badge,
        "findings": [_finding_json(finding) for finding in entry.findings],
        "reproduction": None if entry.reproduction is None else entry.reproduction.model_dump(mode="json"),
    }


def render_text(report: Report) -> str:
    """Render the report for a terminal: one line per finding, then a summary line.

    User text is printed with control characters escaped, so a results file cannot send
    terminal escape sequences.
    """
    lines = []
    for file_report in report.files:
        for finding in file_report.all_findings():
            lines.extend(_finding_lines(finding, file_report.path))
    for bot_error in report.bot_errors:
        where = f"{_safe(bot_error.file)}: " if bot_error.file is not None else ""
        lines.append(f"bot error: {where}{_safe(bot_error.message)} (not a problem with the results; retry later)")

    entry_lines = [_entry_line(file_report.path, entry) for file_report in report.files for entry in file_report.entries]
    if entry_lines:
        if lines:
            lines.append("")
        lines.extend(["entries:", *entry_lines])
    if lines:
        lines.append("")
    lines.append(_summary_line(report))
    return "\n".join(lines) + "\n"


def _finding_lines(finding: Finding, path: str) -> list[str]:
    place = _safe(finding.file or path)
    if finding.line is not None:
        place += f":{finding.line}"
    field = f" [{_safe(finding.field)}]" if finding.field is not None else ""
    lines = [f"{place}: {finding.severity} {finding.code}{field}: {_safe(finding.message)}"]
    if finding.hint:
        lines.append(f"    fix: {_safe(finding.hint)}")
    return lines


def _entry_line(path: str, entry: EntryReport) -> str:
    benchmark = f"{_shown_or_dash(entry.dataset_id)} / {_shown_or_dash(entry.task_id)}"
    line = f"  {_safe(path)} entry {entry.index + 1}: {benchmark} = {_shown_or_dash(entry.value)}, {entry.badge}"
    if entry.reproduction is not None:
        line += f"; {_reproduction_text(entry.reproduction)}"
    if entry.grant is not None:
        line += f"; verified by {_safe(entry.grant.granted_by)} at {_safe(entry.grant.granted_at)}"
    return line


def _shown_or_dash(value: object) -> str:
    """Return the escaped value, or "-" for a field that is missing or not text."""
    return "-" if value is None else _safe(value)


def _reproduction_text(reproduction: Reproduction) -> str:
    text = {"not-run": "not re-run", "error": "re-run failed"}.get(reproduction.verdict, f"re-run {reproduction.verdict}")
    if reproduction.score is not None:
        text += f", score {reproduction.score * 100:.1f}"
    if reproduction.interval is not None:
        text += f" [{reproduction.interval[0] * 100:.1f}, {reproduction.interval[1] * 100:.1f}]"
    if reproduction.items:
        text += f" on {reproduction.items} items"
    if reproduction.model is not None:
        text += f" with {_safe(reproduction.model)}"
    return text + f" ({_safe(reproduction.reason)})"


def _summary_line(report: Report) -> str:
    findings = [finding for file_report in report.files for finding in file_report.all_findings()]
    errors = sum(finding.severity == "error" for finding in findings)
    warnings = sum(finding.severity == "warning" for finding in findings)
    badges = report.badge_counts()
    return (
        f"{report.conclusion}: {_count(errors, 'error')}, {_count(warnings, 'warning')} in "
        f"{_count(len(report.entries()), 'entry', 'entries')} of {_count(len(report.files), 'file')}; "
        f"{badges['verified']} verified, {badges['community']} community"
    )


def _count(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _safe(text: object) -> str:
    """Escape control characters (C0, C1, DEL) and bidirectional overrides as `\\x..`/`\\u....`."""
    escaped = []
    for char in str(text):
        point = ord(char)
        if point < 0x20 or 0x7F <= point < 0xA0:
            escaped.append(f"\\x{point:02x}")
        elif 0x202A <= point <= 0x202E or 0x2066 <= point <= 0x2069:
            escaped.append(f"\\u{point:04x}")
        else:
            escaped.append(char)
    return "".join(escaped)
