"""Parsing of one results file into entries that the checks read.

Every check receives `ParsedEntry` objects: the raw mapping as loaded (so a check can
see that a date was unquoted), the validated model, and the lines of its fields.
"""

from dataclasses import dataclass, field
from typing import Any

from checks.loading import Limits, LoadedYaml, Path, load_yaml
from checks.messages import quote
from checks.report import Finding, finding
from checks.schema import ResultEntry, check_entry_schema


@dataclass
class ParsedEntry:
    """One entry of a results file; `entry` is None when the schema check failed."""

    file: str
    index: int
    raw: Any
    entry: ResultEntry | None
    lines: dict[Path, int]
    schema_findings: list[Finding] = field(default_factory=list)

    @property
    def line(self) -> int | None:
        return self.lines.get((self.index,))

    def line_of(self, *keys: str) -> int | None:
        """Return the line of a field, or of the entry when the field is absent."""
        path: tuple[Any, ...] = (self.index, *keys)
        while len(path) > 1 and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def raw_field(self, *keys: str) -> Any:
        """Return a field of the raw mapping, or None when any level is missing."""
        node = self.raw
        for key in keys:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node


# A finding of a check that looks at several entries, with the entry it belongs to.
EntryFinding = tuple[ParsedEntry, Finding]


@dataclass
class ParsedFile:
    """A results file: findings about the file as a whole, and its entries in order."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    entries: list[ParsedEntry] = field(default_factory=list)

    def valid_entries(self) -> list[ParsedEntry]:
        return [item for item in self.entries if item.entry is not None]


def parse_results_file(path: str, content: bytes, limits: Limits | None = None) -> ParsedFile:
    """Load a results file and check the schema of each entry."""
    limits = limits or Limits()
    loaded = load_yaml(content, path, limits)
    if loaded.findings:
        return ParsedFile(path, findings=loaded.findings)
    problem = _top_level_problem(path, loaded, limits)
    if problem is not None:
        return ParsedFile(path, findings=[problem])

    parsed = ParsedFile(path)
    for index, raw in enumerate(loaded.value):
        entry, findings = check_entry_schema(raw, index, path, loaded.lines)
        parsed.entries.append(ParsedEntry(path, index, raw, entry, loaded.lines, findings))
    return parsed


def _top_level_problem(path: str, loaded: LoadedYaml, limits: Limits) -> Finding | None:
    value = loaded.value
    if value is None:
        return finding(
            "yaml.not-a-list",
            "The file is empty.",
            file=path,
            line=1,
            hint="Write a list of entries, each starting with `- dataset:`.",
        )
    if not isinstance(value, list):
        kind = "a mapping" if isinstance(value, dict) else f"the value {quote(value)}"
        return finding(
            "yaml.not-a-list",
            f"The top level of the file is {kind}, not a list of entries.",
            file=path,
            line=loaded.lines.get(()),
            hint="Start each entry with `- ` so the file is a YAML list.",
        )
    if len(value) > limits.max_entries:
        return finding(
            "yaml.too-large",
            f"The file has {len(value)} entries, more than the limit of {limits.max_entries}.",
            file=path,
            line=1,
            hint="Split the results into several files.",
        )
    return None
