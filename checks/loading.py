"""Safe YAML loading with limits and line numbers, for results files and eval.yaml specs.

The loader walks the parser's event stream instead of `yaml.safe_load`, for three
reasons. Events carry the line of every node. Aliases, over-deep nesting and duplicate
keys are found while parsing, so a hostile file is rejected before it is built. And the
walk keeps its own stack, so a 10,000-deep file never recurses in Python.

Encoding rule: the content must decode as UTF-8. A leading UTF-8 byte order mark is
allowed and dropped, because YAML 1.2 permits it and editors on Windows write it. Any
other encoding, including UTF-16 with a byte order mark, is `yaml.encoding`.
"""

import os
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from checks.messages import quote
from checks.report import Finding, finding

# LibYAML's C parser is several times faster; the pure Python one is the fallback.
try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # PyYAML built without LibYAML
    _Parser = None

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    _TIMESTAMP_TAG,
}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

Path = tuple[int | str, ...]


@dataclass(frozen=True)
class Limits:
    """Bounds on the size and shape of one file, so a hostile file is rejected cheaply."""

    max_file_size: int = 1024 * 1024
    max_depth: int = 32
    max_entries: int = 1000


class UnquotedDate(str):
    """Scalar text that YAML would have read as a date because it was not quoted.

    The text is kept as written, so `date` stays a string as the format requires, and
    the date check can still warn that other YAML readers turn it into a date object.
    """


@dataclass
class LoadedYaml:
    """A parsed YAML document as plain values, the line of each node, and load findings.

    `value` is None when a finding stopped the load. `lines` maps the path of a node
    (list indexes and mapping keys from the root) to its 1-based line.
    """

    value: Any = None
    lines: dict[Path, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


class _LoadError(Exception):
    def __init__(self, code: str, message: str, line: int | None, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.hint = hint


def read_limited(path: str | os.PathLike[str], limits: Limits | None = None) -> bytes:
    """Read a local file, but never more than one byte past the size limit.

    A truncated read is still longer than `limits.max_file_size`, so `load_yaml` reports it
    as `yaml.too-large` without the rest of a huge file ever being read.
    """
    limits = limits or Limits()
    with open(path, "rb") as stream:
        return stream.read(limits.max_file_size + 1)


def load_yaml(content: bytes, file: str | None = None, limits: Limits | None = None) -> LoadedYaml:
    """Parse one YAML document safely, turning every problem into a finding with its line."""
    limits = limits or Limits()
    try:
        text = _decode(content, limits)
        value, lines = _build(text, limits)
    except _LoadError as error:
        found = finding(error.code, error.message, file=file, line=error.line, hint=error.hint)
        return LoadedYaml(findings=[found])
    return LoadedYaml(value=value, lines=lines)


def _decode(content: bytes, limits: Limits) -> str:
    # The size check comes first so that nothing else touches an oversized file.
    if len(content) > limits.max_file_size:
        raise _LoadError(
            "yaml.too-large",
            f"The file is larger than the limit of {limits.max_file_size} bytes and was not parsed.",
            None,
            "Split the results into several smaller files.",
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _LoadError(
            "yaml.encoding",
            f"The byte at offset {error.start} is not valid UTF-8.",
            line,
            "Save the file as UTF-8.",
        ) from error
    return text.removeprefix("\ufeff")


def _open_parser(text: str) -> Any:
    return _Parser(text) if _Parser is not None else yaml.SafeLoader(text)


def _build(text: str, limits: Limits) -> tuple[Any, dict[Path, int]]:
    """Turn the event stream into plain values, checking limits on the way."""
    parser = _open_parser(text)
    try:
        return _build_events(parser, limits)
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise _LoadError(
            "yaml.syntax",
            f"The character #x{error.character:04x} is not allowed in YAML: {error.reason}.",
            line,
            "Remove the control character or write it as an escape inside double quotes.",
        ) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or "invalid YAML"
        # LibYAML stops at its own nesting limit (1000 levels in 0.2.6) while scanning
        # ahead in flow collections, before the depth check below receives the events.
        if "nesting depth" in problem:
            raise _LoadError(
                "yaml.too-deep",
                "The file nests lists or mappings past the YAML parser's depth limit.",
                line,
                "Flatten the structure: an entry needs at most three levels.",
            ) from error
        raise _LoadError(
            "yaml.syntax",
            f"The YAML is invalid: {problem}.",
            line,
            "Fix the YAML syntax at this line, for example the indentation or a missing quote.",
        ) from error
    finally:
        parser.dispose()


def _build_events(parser: Any, limits: Limits) -> tuple[Any, dict[Path, int]]:
    lines: dict[Path, int] = {}
    # Each open collection: [container, path, pending mapping key or _NO_KEY, key line].
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    # Dispatch on the exact event class: this loop is most of the cost of a check.
    while parser.check_event():
        event = parser.get_event()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None:
                raise _alias_error(event)
            value = _scalar(event)
            if _place(stack, value, event.start_mark.line + 1, lines, is_scalar=True):
                root = value
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            finished = stack.pop()[0]
            if not stack:
                root = finished
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None:
                raise _alias_error(event)
            line = event.start_mark.line + 1
            if len(stack) >= limits.max_depth:
                raise _LoadError(
                    "yaml.too-deep",
                    f"The file nests lists or mappings deeper than {limits.max_depth} levels.",
                    line,
                    "Flatten the structure: an entry needs at most three levels.",
                )
            _check_collection_tag(event, line)
            container: Any = {} if kind is MappingStartEvent else []
            path = _place(stack, container, line, lines, is_scalar=False)
            stack.append([container, path, _NO_KEY, line])
        elif kind is AliasEvent:
            raise _alias_error(event)
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _LoadError(
                    "yaml.syntax",
                    "The file contains more than one YAML document.",
                    event.start_mark.line + 1,
                    "Remove the second '---' and keep one list of entries.",
                )
    return root, lines


_NO_KEY = object()


def _place(
    stack: list[list[Any]], value: Any, line: int, lines: dict[Path, int], *, is_scalar: bool
) -> Any:
    """Attach a new node to its parent.

    Returns True for a scalar root, False for other scalars, and the path of a list or
    mapping, which the caller pushes on the stack.
    """
    if not stack:
        lines[()] = line
        return True if is_scalar else ()
    parent = stack[-1]
    container, path = parent[0], parent[1]
    if isinstance(container, list):
        child_path = (*path, len(container))
        container.append(value)
        lines[child_path] = line
        return False if is_scalar else child_path
    if parent[2] is _NO_KEY:
        if not is_scalar:
            raise _LoadError(
                "yaml.syntax",
                "A mapping key is a list or mapping, but keys must be plain text.",
                line,
                "Write the key as plain text.",
            )
        if value in container:
            raise _LoadError(
                "yaml.duplicate-key",
                f"The key {quote(value)} appears twice in the same mapping.",
                line,
                "Keep one of the two keys, or split the entry into two entries.",
            )
        parent[2], parent[3] = value, line
        return False
    key = parent[2]
    child_path = (*path, key)
    container[key] = value
    lines[child_path] = parent[3]
    parent[2] = _NO_KEY
    return False if is_scalar else child_path


def _scalar(event: ScalarEvent) -> Any:
    """Construct a scalar like `yaml.safe_load` does, except that dates stay text."""
    plain = event.implicit[0]
    if event.tag is None or event.tag == "!":
        tag = _resolve_plain(event.value) if plain else None
    else:
        tag = event.tag
        if tag not in _SCALAR_TAGS:
            raise _LoadError(
                "yaml.syntax",
                f"The tag {quote(event.tag)} is not allowed in this file.",
                event.start_mark.line + 1,
                "Remove the tag and write a plain value.",
            )
    if tag is None or tag == "tag:yaml.org,2002:str":
        return event.value
    if tag == _TIMESTAMP_TAG:
        return UnquotedDate(event.value)
    # Call the tag's constructor directly: `construct_object` would cache every node.
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
    except (yaml.constructor.ConstructorError, ValueError) as error:
        raise _LoadError(
            "yaml.syntax",
            f"The value {quote(event.value)} does not match its tag {quote(tag)}.",
            event.start_mark.line + 1,
            "Remove the tag or fix the value.",
        ) from error


def _resolve_plain(text: str) -> str:
    """Return the tag YAML gives an unquoted scalar, caching the many repeated keys."""
    tag = _PLAIN_TAGS.get(text)
    if tag is None:
        tag = _RESOLVER.resolve(ScalarNode, text, (True, False))
        if len(_PLAIN_TAGS) >= _PLAIN_TAGS_MAX:
            _PLAIN_TAGS.clear()
        _PLAIN_TAGS[text] = tag
    return tag


_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 4096


def _check_collection_tag(event: MappingStartEvent | SequenceStartEvent, line: int) -> None:
    if event.tag is None or event.tag == "!" or event.tag in (_MAP_TAG, _SEQ_TAG):
        return
    raise _LoadError(
        "yaml.syntax",
        f"The tag {quote(event.tag)} is not allowed in this file.",
        line,
        "Remove the tag and write a plain list or mapping.",
    )


def _alias_error(event: Any) -> _LoadError:
    name = event.anchor
    return _LoadError(
        "yaml.alias",
        f"The file uses the YAML anchor or alias {quote(name)}.",
        event.start_mark.line + 1,
        "Write each value out in full: results files need no anchors or aliases.",
    )
