"""Checks of `source.url`: it must be able to serve as evidence for the score.

Benchmark page rule: a url that is the benchmark dataset's own page
(`https://huggingface.co/datasets/<dataset_id>`) shows the questions, not the model's
score. The same holds for its generic sub-pages: `/tree/...`, `/viewer...`,
`/discussions...` and the card (`README.md`) or `eval.yaml`. A specific file in the
dataset repo, such as a results log under `/blob/...`, can be evidence and passes.
"""

import re
from urllib.parse import urlsplit

from checks.entries import ParsedEntry
from checks.messages import quote
from checks.report import Finding, finding

_HUB_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
_GENERIC_DATASET_PAGE = re.compile(
    r"^(?:/(?:tree(?:/.*)?|viewer(?:/.*)?|discussions(?:/.*)?|(?:blob|resolve)/[^/]+/(?:README\.md|eval\.yaml)))?/?$",
    re.IGNORECASE,
)
_TEMPLATE_MARKS = [
    re.compile(r"\{[^{}]*\}"),  # {model}
    re.compile(r"<[^<>]*>"),  # <your-model>
    re.compile(r"\bYOUR_[A-Za-z_]*"),
    re.compile(r"\b(?:REPO|MODEL|ORG|USER)_?NAME\b"),
]
_EXAMPLE_HOST = re.compile(r"(?:^|\.)example\.(?:com|org|net)$")


def check_source(item: ParsedEntry) -> list[Finding]:
    """Report a source url that is a placeholder, not a web link, or the benchmark itself."""
    assert item.entry is not None
    if item.entry.source is None:
        return []
    url = item.entry.source.url
    problem = _problem(url, item.entry.dataset.id)
    if problem is None:
        return []
    return [
        finding(
            "source.not-evidence",
            f"The source url {quote(url)} {problem}.",
            file=item.file, line=item.line_of("source", "url"), field="source.url",
            hint="Link to where the score can be checked: a model card table, a paper, or the eval logs.",
        )
    ]


def _problem(url: str, dataset_id: str) -> str | None:
    for mark in _TEMPLATE_MARKS:
        match = mark.search(url)
        if match:
            return f"contains the template placeholder {quote(match.group(0))}"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "is not a valid url"
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "is not an http or https url"
    if _EXAMPLE_HOST.search(host):
        return "points at an example domain"
    prefix = f"/datasets/{dataset_id}".lower()
    path = parts.path
    if host in _HUB_HOSTS and path.lower().startswith(prefix):
        rest = path[len(prefix):]
        if _GENERIC_DATASET_PAGE.match(rest):
            return "is the benchmark dataset itself, which is not evidence for this score"
    return None
