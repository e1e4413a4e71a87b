"""Build the long-running bot from its settings: platforms, state, runner and queue.

`evalbot serve` and `evalbot poll` share this, so both read the same settings file, the
same secrets and the same state, and retry Hub and GitHub calls the same way.
"""

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from bot.config import Config, Secrets, load_config
from bot.platforms.base import Platform
from bot.platforms.github import GitHubPlatform
from bot.platforms.hub import HubPlatform
from bot.queue import WorkQueue
from bot.retry import RetryingSession, RetryPolicy, RetryStats, configure_hub_retries, reset_hub_client
from bot.runner import Job, Rerun, Runner, merge_jobs
from bot.state import DEFAULT_STATE_PATH, State

logger = logging.getLogger(__name__)


class Bot:
    """The parts of a running bot.

    `close` stops the workers, closes the state, and gives huggingface_hub its default
    client back, because `build_bot` replaced it for the whole process.
    """

    def __init__(self, *, config: Config, secrets: Secrets, state: State, runner: Runner, queue: WorkQueue[Job], retries: RetryStats) -> None:
        self.config = config
        self.secrets = secrets
        self.state = state
        self.runner = runner
        self.queue = queue
        self.retries = retries

    def close(self, timeout: float = 30.0) -> None:
        self.queue.stop(timeout)
        self.state.close()
        reset_hub_client()


def build_platforms(
    config: Config, secrets: Secrets, retries: RetryStats, policy: RetryPolicy, environ: Mapping[str, str]
) -> dict[str, Platform]:
    """Create the Hub and GitHub platforms; neither sends a request before it is used.

    `GITHUB_API_URL` in the environment wins over the settings file, because GitHub
    Actions sets it to the right API root, GitHub Enterprise included.
    """
    hub_token = secrets.hf_token.get_secret_value() if secrets.hf_token else None
    github_token = secrets.github_token.get_secret_value() if secrets.github_token else None
    hub = HubPlatform(endpoint=config.hub_endpoint, token=hub_token)
    github = GitHubPlatform(
        spec_lookup=hub.fetch_spec,
        token=github_token,
        api_url=environ.get("GITHUB_API_URL") or config.github_api_url,
        session=RetryingSession(policy, retries),
    )
    return {"hub": hub, "github": github}


def default_rerun(config: Config) -> Rerun | None:
    """Return `bot.rerun.reproduce` when the settings enable re-runs, else None."""
    if not config.rerun.enabled:
        return None
    from bot.rerun import reproduce

    return reproduce


def build_bot(
    *,
    config_path: Path | None,
    state_path: Path | None,
    environ: Mapping[str, str] | None = None,
    platforms: Mapping[str, Platform] | None = None,
    policy: RetryPolicy | None = None,
) -> Bot:
    """Read the settings and secrets and start the workers; `platforms` replaces the real ones.

    Raises:
        ConfigError: the settings file or the environment is invalid.
        StateError: the state file cannot be opened; nothing was started.
    """
    config = load_config(config_path)
    environ = os.environ if environ is None else environ
    secrets = Secrets.from_env(environ)
    # Opened before the Hub client is replaced, so a bad state file changes nothing.
    state = State(state_path or DEFAULT_STATE_PATH)
    policy = policy or RetryPolicy()
    retries = RetryStats()
    configure_hub_retries(policy, retries)
    if platforms is None:
        platforms = build_platforms(config, secrets, retries, policy, environ)

    runner = Runner(config=config, state=state, platforms=platforms, rerun=default_rerun(config))
    queue: WorkQueue[Job] = WorkQueue(
        runner.run, workers=config.server.workers, maxsize=config.server.queue_size, merge=merge_jobs
    )
    return Bot(config=config, secrets=secrets, state=state, runner=runner, queue=queue, retries=retries)
