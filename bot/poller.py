"""`evalbot poll`: check the open pull requests of the watched repos that changed.

For hosts that cannot receive webhooks (a scheduled GitHub workflow, a cron job), the
poller lists each watched repo's open pull requests and runs the same jobs as the
webhook server, one at a time. A head commit already checked without a bot error is
skipped, so a poll every few minutes costs one listing per repo when nothing changed.
"""

import argparse
import logging
import sys
from pathlib import Path

import httpx2
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError
from pydantic import BaseModel

from bot.config import Config, ConfigError, WatchedRepo
from bot.platforms.base import NotFoundError, PlatformError, UnavailableError
from bot.platforms.github import GitHubPlatform
from bot.runner import Job, Runner
from bot.state import PullRequestRef, StateError

logger = logging.getLogger(__name__)


class PollSummary(BaseModel):
    """Counts of one poll, printed at the end and used by the tests."""

    repos: int = 0
    pull_requests: int = 0
    checked: int = 0
    skipped: int = 0
    failed: int = 0


def open_pull_requests(repo: WatchedRepo, config: Config, runner: Runner, token: str | None) -> list[int]:
    """List the numbers of a watched repo's open pull requests, drafts included."""
    if repo.platform == "github":
        github = runner.platforms.get("github")
        if not isinstance(github, GitHubPlatform):
            raise UnavailableError(f"no GitHub platform for '{repo.id}'; set GITHUB_TOKEN")
        return github.open_pull_request_numbers(repo.id)

    api = HfApi(endpoint=config.hub_endpoint, token=token)
    try:
        discussions = api.get_repo_discussions(repo.id, repo_type=repo.type, discussion_type="pull_request")
        return [d.num for d in discussions if d.status in ("open", "draft")]
    except RepositoryNotFoundError as error:
        raise NotFoundError(f"{repo.type} repo '{repo.id}' not found; check its id in [[repos]] and the token") from error
    except (HfHubHTTPError, httpx2.HTTPError) as error:
        raise UnavailableError(f"listing the pull requests of '{repo.id}' failed: {type(error).__name__}") from error


def poll(config: Config, runner: Runner, *, hf_token: str | None) -> PollSummary:
    """Check every open pull request of every watched repo whose head is not checked yet."""
    summary = PollSummary()
    for repo in config.repos:
        summary.repos += 1
        try:
            numbers = open_pull_requests(repo, config, runner, hf_token)
        except PlatformError as error:
            logger.warning("poll of %s failed, the next poll retries: %s", repo.id, error)
            summary.failed += 1
            continue
        for num in numbers:
            summary.pull_requests += 1
            ref = PullRequestRef(platform=repo.platform, repo_id=repo.id, num=num, repo_type=repo.type)
            result = runner.run(Job(pr=ref, event="poll"))
            if result.outcome.startswith("failed"):
                summary.failed += 1
            elif result.outcome.startswith(("skipped", "ignored")):
                summary.skipped += 1
            else:
                summary.checked += 1
    logger.info("poll done: %s", summary.model_dump())
    return summary


def add_poll_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `evalbot poll` on the CLI's subcommands."""
    parser = subparsers.add_parser("poll", help="check open pull requests of the watched repos once, then exit")
    parser.add_argument("--config", type=Path, default=None, help="settings file (default: ./evalbot.toml when present)")
    parser.add_argument("--state", type=Path, default=None, help="SQLite state file (default: evalbot.sqlite3)")
    parser.add_argument(
        "--repo", type=parse_repo_option, default=None, metavar="[PLATFORM:]OWNER/NAME",
        help="poll this repo instead of the settings' [[repos]]; PLATFORM is hub (default) or github",
    )
    parser.add_argument(
        "--pr", type=int, default=None, metavar="NUM",
        help="check only this pull request of --repo, even when its head was checked before",
    )
    parser.set_defaults(handler=run_poll)


def parse_repo_option(value: str) -> WatchedRepo:
    """Read `--repo github:owner/name` or `hub:owner/name` (model repos)."""
    platform, _, repo_id = value.rpartition(":")
    if platform not in ("", "hub", "github"):
        raise argparse.ArgumentTypeError(f"unknown platform '{platform}' in '{value}'; use hub:OWNER/NAME or github:OWNER/NAME")
    try:
        return WatchedRepo(id=repo_id, platform=platform or "hub")  # type: ignore[arg-type]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{repo_id}' is not a repo id; write it as OWNER/NAME") from error


def check_one(runner: Runner, repo: WatchedRepo | None, num: int) -> int:
    """Check one pull request now (the GitHub Action's mode); exit 1 when it failed."""
    if repo is None:
        print("evalbot: error: --pr needs --repo; pass --repo github:OWNER/NAME", file=sys.stderr)
        return 2
    ref = PullRequestRef(platform=repo.platform, repo_id=repo.id, num=num, repo_type=repo.type)
    result = runner.run(Job(pr=ref, event="poll", force=True))
    print(f"{ref}: {result.outcome}")
    return 1 if result.outcome.startswith("failed") else 0


def run_poll(args: argparse.Namespace) -> int:
    """Poll once; exit 0 when every repo was read, 1 when some check or listing failed."""
    from bot.wiring import build_bot

    try:
        bot = build_bot(config_path=args.config, state_path=args.state)
    except (ConfigError, StateError) as error:
        print(f"evalbot: error: {error}", file=sys.stderr)
        return 2
    try:
        if args.pr is not None:
            return check_one(bot.runner, args.repo, args.pr)
        config = bot.config if args.repo is None else bot.config.model_copy(update={"repos": [args.repo]})
        if not config.repos:
            print("evalbot: error: no [[repos]] in the settings file; list the repos to poll or pass --repo", file=sys.stderr)
            return 2
        token = bot.secrets.hf_token.get_secret_value() if bot.secrets.hf_token else None
        summary = poll(config, bot.runner, hf_token=token)
    finally:
        bot.close()
    print(
        f"polled {summary.repos} repos: {summary.pull_requests} open pull requests, "
        f"{summary.checked} checked, {summary.skipped} skipped, {summary.failed} failed"
    )
    return 1 if summary.failed else 0
