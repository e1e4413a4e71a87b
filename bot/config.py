"""The bot's settings file, `evalbot.toml`, and the secrets it reads from the environment.

The file holds only what may be committed to a repository: watched repos, maintainers,
re-run budgets, statistics settings and endpoints. Tokens and webhook secrets come from
the environment, and a file that contains one is rejected so it never lands in git.
"""

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from checks.reproduce.options import RerunOptions
from checks.validation_errors import describe_problem

DEFAULT_CONFIG_PATH = Path("evalbot.toml")
DEFAULT_HUB_ENDPOINT = "https://huggingface.co"
DEFAULT_GITHUB_API_URL = "https://api.github.com"

Platform = Literal["hub", "github"]
RepoType = Literal["model", "dataset", "space"]

# Hub repo ids and GitHub "owner/name" share this shape; a single-part id has no owner.
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
# Key names that mean a secret (`hf_token`, `webhook_secret`...); their values must come
# from the environment. Dataset ids used as keys contain a slash and never match.
SECRET_KEY = re.compile(r"^([a-z0-9]+_)*(token|secret|password|api_key|apikey)$", re.IGNORECASE)
# Values shaped like Hub or GitHub tokens, caught under any key name.
SECRET_VALUE = re.compile(r"^(hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,})$")
SECRET_ENV = {
    "hf_token": "HF_TOKEN",
    "github_token": "GITHUB_TOKEN",
    "webhook_secret": "WEBHOOK_SECRET",
    "github_webhook_secret": "GITHUB_WEBHOOK_SECRET",
}


class ConfigError(ValueError):
    """The settings file is missing, unreadable or invalid; the message names the key."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WatchedRepo(Strict):
    """A repository whose pull requests the bot checks."""

    id: str
    type: RepoType = "model"
    platform: Platform = "hub"

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not REPO_ID.match(value) or "/" not in value:
            raise ValueError(f"'{value}' is not a repo id; write it as 'owner/name'")
        return value


class Maintainers(Strict):
    """Who may run `/evalbot verify` and `/evalbot unverify`.

    `benchmarks` maps a benchmark dataset id to user names. `organizations` maps the
    owner of benchmark datasets (the part before the slash) to user names, so one list
    covers every benchmark that organisation publishes.
    """

    benchmarks: dict[str, list[str]] = Field(default_factory=dict)
    organizations: dict[str, list[str]] = Field(default_factory=dict)

    def may_verify(self, user: str, dataset_id: str) -> bool:
        """Return True when `user` maintains the benchmark `dataset_id` or its organisation."""
        if user in self.benchmarks.get(dataset_id, []):
            return True
        owner = dataset_id.split("/", 1)[0] if "/" in dataset_id else None
        return owner is not None and user in self.organizations.get(owner, [])

    def is_maintainer(self, user: str) -> bool:
        lists = [*self.benchmarks.values(), *self.organizations.values()]
        return any(user in names for names in lists)


class RerunConfig(RerunOptions):
    """Re-run settings: the per-entry options, which benchmarks, and the shared budgets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Benchmark dataset ids the bot may re-run; the re-run costs model calls, so none by default.
    benchmarks: list[str] = Field(default_factory=list)
    # A generation is one item in one epoch. `max_generations` caps one entry; these cap a
    # pull request (all its commits and re-runs) and a UTC day across all of them.
    generations_per_pr: int = Field(default=2000, ge=1)
    generations_per_day: int = Field(default=20000, ge=1)

    def options(self) -> RerunOptions:
        """Return the per-entry options the re-run takes."""
        return RerunOptions.model_validate(self.model_dump(include=set(RerunOptions.model_fields)))


class ServerConfig(Strict):
    """Webhook server settings; `evalbot serve` options override host and port."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default=2, ge=1, le=64)
    # Pull requests waiting for a worker; when full the server responds 503 so the sender retries.
    queue_size: int = Field(default=256, ge=1)
    # Largest webhook body read, in bytes; Hub and GitHub payloads are a few kilobytes.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Seconds a connection may stay silent while sending a request or between requests;
    # past that it is closed, so stalled senders cannot hold threads open.
    read_timeout: float = Field(default=10.0, gt=0, le=300)


class Config(Strict):
    """The whole `evalbot.toml`."""

    hub_endpoint: str = DEFAULT_HUB_ENDPOINT
    github_api_url: str = DEFAULT_GITHUB_API_URL
    # Login names of the bot on each platform, so its own comments never run commands.
    bot_users: list[str] = Field(default_factory=lambda: ["evalbot"])
    repos: list[WatchedRepo] = Field(default_factory=list)
    maintainers: Maintainers = Field(default_factory=Maintainers)
    rerun: RerunConfig = Field(default_factory=RerunConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)

    @field_validator("hub_endpoint", "github_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"'{value}' is not an http(s) URL; write it like 'https://huggingface.co'")
        return value.rstrip("/")

    def watched(self, platform: Platform, repo_id: str) -> WatchedRepo | None:
        return next((r for r in self.repos if r.platform == platform and r.id == repo_id), None)


class Secrets(BaseModel):
    """Tokens and webhook secrets, read from the environment only."""

    model_config = ConfigDict(frozen=True)

    hf_token: SecretStr | None = None
    github_token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    github_webhook_secret: SecretStr | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Secrets":
        environ = os.environ if environ is None else environ
        values = {field: environ.get(name) or None for field, name in SECRET_ENV.items()}
        return cls(**values)


def find_secrets(data: Any, path: str = "") -> list[str]:
    """Return the dotted keys in a parsed TOML document that hold a secret."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            dotted = f"{path}.{key}" if path else str(key)
            if SECRET_KEY.match(str(key)) and value not in (None, ""):
                found.append(dotted)
            else:
                found.extend(find_secrets(value, dotted))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(find_secrets(value, f"{path}[{index}]"))
    elif isinstance(data, str) and SECRET_VALUE.match(data.strip()):
        found.append(path)
    return found


def describe_errors(error: ValidationError, source: str) -> str:
    """Turn pydantic errors into lines that name the dotted key and the fix."""
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown key '{key}'; remove it or check its spelling in evalbot.example.toml")
        else:
            lines.append(f"{source}: '{key}' {describe_problem(item)}")
    return "\n".join(lines)


def parse_config(text: str, source: str = "evalbot.toml") -> Config:
    """Parse and validate the text of a settings file; raise ConfigError naming the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: invalid TOML: {error}; fix the syntax at that line") from error

    secret_keys = find_secrets(data)
    if secret_keys:
        names = ", ".join(f"'{key}'" for key in secret_keys)
        raise ConfigError(
            f"{source}: {names} looks like a secret; remove it from the file and set "
            "HF_TOKEN, GITHUB_TOKEN, WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET in the environment"
        )

    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe_errors(error, source)) from error


def load_config(path: Path | None) -> Config:
    """Read the settings file; without a path, use ./evalbot.toml when present, else defaults."""
    if path is None:
        if not DEFAULT_CONFIG_PATH.exists():
            return Config()
        path = DEFAULT_CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read settings file '{path}': {error}; check the --config path") from error
    return parse_config(text, str(path))
