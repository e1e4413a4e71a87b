"""The log-audit step of a check: audit linked Inspect logs, then pair them with the re-run.

`bot.logs` imports inspect_ai, which takes seconds, so this step imports it only when a
results file links something that can be an Inspect log at all.
"""

import re
from collections.abc import Callable, Iterable

from checks.inputs import ChangedFile
from checks.report import Report
from checks.validate import ValidationResult

# A `.eval` or `.json` path anywhere in the file. This is a cheap pre-filter, not the parser.
_MAYBE_LOG_LINK = re.compile(rb"\.(?:eval|json)\b", re.IGNORECASE)

# Pairs the re-run's per-item scores with the logs' after the re-run; a no-op when no log
# was read.
AgreementStep = Callable[[Report], None]


def audit_linked_logs(
    result: ValidationResult,
    changed: Iterable[ChangedFile],
    *,
    endpoint: str,
    repo_id: str | None,
) -> AgreementStep:
    """Add `log.*` findings for entries whose `source.url` is an Inspect log on the Hub.

    Logs are fetched from `endpoint` only and without a token, so a private or gated log
    is reported as unreadable rather than read with the bot's write token.
    """
    files = {file.path: file.content for file in changed if file.content is not None}
    if not any(_MAYBE_LOG_LINK.search(content) for content in files.values()):
        return skip_log_pairing

    from bot.logs import LogAuditContext, audit_submitted_logs
    from checks.reproduce.log_scores import add_agreement_findings

    context = LogAuditContext(endpoint=endpoint, repo_id=repo_id, files=files)
    log_scores = audit_submitted_logs(result, context)
    return lambda report: add_agreement_findings(report, log_scores)


def skip_log_pairing(report: Report) -> None:
    """Do nothing: the agreement step when no log was audited."""
