"""The `evalbot` command: check local results files, or check a pull request on the Hub.

    evalbot check PATH... [--benchmarks DIR] [--main DIR] [--format text|markdown|json]
    evalbot pr REPO_ID NUM [--repo-type model|dataset] [--dry-run] [--format ...]

Exit codes are a contract for CI scripts: see EXIT_OK, EXIT_FINDINGS and EXIT_ERROR.
`HF_TOKEN` authenticates Hub calls; it is passed to the client and never printed.
"""

import argparse
import datetime
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from huggingface_hub import get_token
from pydantic import ValidationError

from bot.comment import CommentContext, render_comment
from bot.log_step import AgreementStep, audit_linked_logs, skip_log_pairing
from bot.output import render_text, report_to_json
from bot.platforms.local import (
    LocalCheck,
    LocalInputError,
    LocalSpecs,
    add_hub_name_findings,
    load_checks,
    show_user_paths,
)
from checks.inputs import SpecLookup
from checks.report import Report
from checks.reproduce.options import RerunOptions
from checks.validation_errors import describe_problem
from checks.validate import Limits, ValidationResult, validate

if TYPE_CHECKING:
    from bot.platforms.base import Platform

logger = logging.getLogger(__name__)

# Exit codes of every subcommand. Error findings win over bot errors, because they fail
# the submission whatever the unchecked parts hold.
EXIT_OK = 0  # no error findings and no bot errors (warnings allowed)
EXIT_FINDINGS = 1  # at least one error finding
EXIT_ERROR = 2  # usage error, unreadable input, or a bot error left part of it unchecked

DEFAULT_ENDPOINT = "https://huggingface.co"
FORMATS = ("text", "markdown", "json")


class UsageError(Exception):
    """A command-line value that cannot be used; the message names the value and the fix."""


# Commands of the long-running bot, registered by their own modules. Those modules import
# the re-run and with it inspect_ai, which takes seconds. So a module is imported only
# when its command runs, and otherwise a stub parser lists the command in `--help`.
BOT_COMMANDS = {
    "serve": ("bot.server", "add_serve_command", "receive Hub and GitHub webhooks and check pull requests"),
    "poll": ("bot.poller", "add_poll_command", "check open pull requests of the watched repos once, then exit"),
    "ledger": ("bot.state", "add_ledger_command", "read the bot's ledger of checked entries"),
}
# Services that log their progress at INFO level by default. One-shot commands (check, pr,
# ledger) print their result and log warnings and errors only. `-v` logs DEBUG for all.
INFO_COMMANDS = {"serve", "poll"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(selected_command(argv))
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose, info=args.command in INFO_COMMANDS)
    keep_hub_requests_on_endpoint()
    if not args.verbose:
        # Download progress bars are terminal noise in logs and CI output.
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    try:
        return args.handler(args)
    except (UsageError, LocalInputError) as error:
        print(f"evalbot: error: {error}", file=sys.stderr)
        return EXIT_ERROR


def keep_hub_requests_on_endpoint() -> None:
    """Turn off huggingface_hub's telemetry, so the bot reaches only the endpoint it is given.

    With telemetry on, huggingface_hub 2.x fetches an agent registry from its default
    endpoint (`HF_ENDPOINT` or huggingface.co) while building request headers, whatever
    endpoint the `HfApi` in use points at. The constant is read at call time, so setting
    it here covers every later request of this process.
    """
    from huggingface_hub import constants

    constants.HF_HUB_DISABLE_TELEMETRY = True


def selected_command(argv: Sequence[str]) -> str | None:
    """Return the command word: the first argument that is not an option."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; `command` names the bot command whose module to import, if any."""
    parser = argparse.ArgumentParser(
        prog="evalbot",
        description="Validate community evaluation results (.eval_results/*.yaml) against benchmark specs.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = subcommands.add_parser("check", help="check local results files or model repo folders")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a results file or a model repo folder")
    check.add_argument(
        "--benchmarks",
        type=Path,
        metavar="DIR",
        help="read specs from DIR/<org>/<name>/eval.yaml instead of the Hub",
    )
    check.add_argument(
        "--main", type=Path, metavar="DIR", help="the model repo's main checkout, to find duplicate results"
    )
    _add_common_options(check)
    check.set_defaults(handler=run_check)

    pr = subcommands.add_parser("pr", help="check a pull request on the Hub and comment on it")
    pr.add_argument("repo_id", metavar="REPO_ID", help="the repo of the pull request, e.g. google/gemma-4-12B-it")
    pr.add_argument("num", type=int, metavar="NUM", help="the pull request number")
    pr.add_argument("--repo-type", choices=("model", "dataset"), default="model", help="the Hub repo type")
    pr.add_argument("--dry-run", action="store_true", help="print the comment without posting it or a status")
    _add_common_options(pr)
    pr.set_defaults(handler=run_pr)

    for name, (module_name, register, help_text) in BOT_COMMANDS.items():
        if name == command:
            getattr(importlib.import_module(module_name), register)(subcommands)
        else:
            subcommands.add_parser(name, help=help_text)
    return parser


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--endpoint", metavar="URL", help=f"Hub endpoint (default: $HF_ENDPOINT or {DEFAULT_ENDPOINT})"
    )
    rerun = parser.add_argument_group("re-run (calls a model and may cost money)")
    rerun.add_argument("--rerun", action="store_true", help="re-run Inspect benchmarks on a sample of items")
    rerun.add_argument(
        "--model", metavar="MODEL", help="Inspect model string for the re-run; implies --rerun"
    )
    rerun.add_argument("--grader", metavar="MODEL", help="grader model for model-graded scorers")
    rerun.add_argument("--max-items", type=int, metavar="N", help="maximum items re-run per entry")
    rerun.add_argument(
        "--max-generations", type=int, metavar="N", help="maximum generations (items x epochs) per entry"
    )
    rerun.add_argument(
        "--delta", type=float, metavar="POINTS", help="equivalence tolerance in points on a 0-100 scale"
    )
    rerun.add_argument("--alpha", type=float, metavar="A", help="error rate of a re-run verdict, e.g. 0.05")


def configure_logging(*, verbose: bool, info: bool = False) -> None:
    """Log one line per event to stderr, with the record's extra fields as key=value.

    The level is DEBUG with `verbose`, else INFO when `info` is set, else WARNING.
    """
    handler = _CurrentStderrHandler()
    handler.setFormatter(_ExtraFieldsFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.set_name(_HANDLER_NAME)
    if not verbose:
        # Client libraries log every HTTP request at INFO; keep their warnings only.
        handler.addFilter(lambda record: record.name.startswith(_OWN_LOGGERS) or record.levelno >= logging.WARNING)
    root = logging.getLogger()
    # Replace only our own handler, so calling main() twice in one process (tests, the
    # demo) neither doubles the lines nor removes handlers that others installed.
    for existing in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(existing)
    root.addHandler(handler)
    if verbose:
        root.setLevel(logging.DEBUG)
    elif info:
        root.setLevel(logging.INFO)
    else:
        root.setLevel(logging.WARNING)


_HANDLER_NAME = "evalbot-cli"
_OWN_LOGGERS = ("bot", "checks", "__main__")


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes to whatever `sys.stderr` is when a record is emitted.

    A handler bound to the `sys.stderr` of the moment would keep writing to it after it
    was replaced and closed, as pytest's capture and other redirections do.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        # StreamHandler.__init__ and setStream assign the stream; the property ignores it.
        pass


class _ExtraFieldsFormatter(logging.Formatter):
    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {key: value for key, value in vars(record).items() if key not in self._STANDARD}
        if extras:
            line += " " + " ".join(f"{key}={value!r}" for key, value in extras.items())
        return line


def rerun_options(args: argparse.Namespace) -> RerunOptions:
    """Build the re-run options from the flags; `--model` implies `--rerun`."""
    values = {
        "enabled": args.rerun or args.model is not None,
        "model": args.model,
        "grader": args.grader,
        "max_items": args.max_items,
        "max_generations": args.max_generations,
        "delta": args.delta,
        "alpha": args.alpha,
    }
    try:
        return RerunOptions(**{key: value for key, value in values.items() if value is not None})
    except ValidationError as error:
        problem = error.errors()[0]
        flag = "--" + str(problem["loc"][0]).replace("_", "-")
        raise UsageError(
            f"{flag} {describe_problem(problem)}; see 'evalbot {args.command} --help' for its range"
        ) from error


def hub_endpoint(args: argparse.Namespace) -> str:
    """Return `--endpoint`, else `HF_ENDPOINT`, else the public Hub, without a trailing slash."""
    return (args.endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


# evalbot check


def run_check(args: argparse.Namespace) -> int:
    """Check local files and print the report.

    Exits 1 when any finding is an error, and 2 on a bot error or when no entry was checked.
    """
    options = rerun_options(args)
    limits = Limits()
    checks = load_checks(
        args.paths,
        main_dir=args.main,
        today=datetime.datetime.now(datetime.UTC).date(),
        max_file_size=limits.max_file_size,
    )
    specs = _spec_lookup(args)

    reports = []
    benchmarks: list[tuple[str, str | None]] = []
    for check in checks:
        report, checked_benchmarks = _validate_local(check, specs, limits, options, args)
        reports.append(report)
        benchmarks.extend(checked_benchmarks)

    report = Report(
        files=[file_report for part in reports for file_report in part.files],
        bot_errors=[bot_error for part in reports for bot_error in part.bot_errors],
    )
    context = CommentContext(endpoint=hub_endpoint(args), benchmarks=benchmarks)
    _print_report(report, args.format, lambda: render_comment(report, context))
    code = exit_code(report)
    # A run that read no entry must not pass in CI, so it exits 2 unless it already failed.
    if code == EXIT_OK and not any(file_report.entries for file_report in report.files):
        print(f"evalbot: error: {_nothing_checked(report)}", file=sys.stderr)
        return EXIT_ERROR
    return code


def _nothing_checked(report: Report) -> str:
    """Explain a local run that checked no results entry, naming the files it saw."""
    if not report.files:
        return (
            "no results entries were checked: every results file equals its copy in --main; "
            "pass the changed files, or check without --main"
        )
    paths = ", ".join(f"'{file_report.path}'" for file_report in report.files[:5])
    more = f" and {len(report.files) - 5} more" if len(report.files) > 5 else ""
    return (
        f"no results entries were checked in {paths}{more}; pass a results file with at least one entry, "
        "or a model repo folder with changed .eval_results/*.yaml files"
    )


def _spec_lookup(args: argparse.Namespace) -> SpecLookup:
    if args.benchmarks is not None:
        return LocalSpecs(args.benchmarks)
    return _hub_platform(args).fetch_spec


def _validate_local(
    check: LocalCheck,
    specs: SpecLookup,
    limits: Limits,
    options: RerunOptions,
    args: argparse.Namespace,
) -> tuple[Report, list[tuple[str, str | None]]]:
    """Validate one local run, re-run it when asked, and show the typed paths."""
    result = validate(check.inputs, specs, limits)
    # With --benchmarks the check stays offline, so linked logs are audited only without it.
    pair_with_logs: AgreementStep = skip_log_pairing
    if args.benchmarks is None:
        pair_with_logs = audit_linked_logs(
            result, check.inputs.changed, endpoint=hub_endpoint(args), repo_id=check.inputs.model_id
        )
    if options.enabled:
        _reproduce_local(result, options, check, args)
    pair_with_logs(result.report)
    add_hub_name_findings(result.report, check.display_paths)
    return show_user_paths(result.report, check.display_paths), list(result.specs)


def _reproduce_local(result: ValidationResult, options: RerunOptions, check: LocalCheck, args: argparse.Namespace) -> None:
    from bot.rerun import RerunContext, reproduce

    context = RerunContext(
        seed_material=check.seed_material,
        endpoint=hub_endpoint(args),
        token=os.environ.get("HF_TOKEN"),
        benchmarks_dir=args.benchmarks,
    )
    reproduce(result, options, context)


# evalbot pr


def run_pr(args: argparse.Namespace) -> int:
    """Check a Hub pull request, post or update the comment unless --dry-run, print the report."""
    from bot.platforms.base import PlatformError
    from bot.service import check_pull_request, make_reproducer

    options = rerun_options(args)
    if not args.dry_run and get_token() is None:
        raise UsageError("no Hub token: set HF_TOKEN to a token that may comment, or pass --dry-run")
    platform = _hub_platform(args)
    try:
        outcome = check_pull_request(
            platform,
            args.repo_id,
            args.num,
            repo_type=args.repo_type,
            dry_run=args.dry_run,
            reproducer=make_reproducer(options),
        )
    except PlatformError as error:
        print(f"evalbot: error: pull request {args.num} of '{args.repo_id}' could not be checked: {error}", file=sys.stderr)
        return EXIT_ERROR

    if outcome.report is None:
        print(f"evalbot: nothing to check: {outcome.skipped_reason}", file=sys.stderr)
        return EXIT_OK
    report = outcome.report
    _print_report(report, args.format, lambda: outcome.body or "")
    if outcome.comment is not None:
        logger.info("comment %s", outcome.action, extra={"comment_id": outcome.comment.id})
    return exit_code(report)


def exit_code(report: Report) -> int:
    """Return EXIT_FINDINGS for error findings, else EXIT_ERROR for bot errors, else EXIT_OK."""
    if report.conclusion == "failure":
        return EXIT_FINDINGS
    return EXIT_ERROR if report.bot_errors else EXIT_OK


def _hub_platform(args: argparse.Namespace) -> "Platform":
    from bot.platforms.hub import HubPlatform

    return HubPlatform(endpoint=hub_endpoint(args), token=os.environ.get("HF_TOKEN"))


def _print_report(report: Report, output_format: str, markdown: Callable[[], str]) -> None:
    if output_format == "json":
        print(json.dumps(report_to_json(report), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        print(markdown(), end="")
    else:
        print(render_text(report), end="")


if __name__ == "__main__":
    sys.exit(main())
