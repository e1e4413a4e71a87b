"""A running bot for end-to-end tests: fake Hub, real Hub platform, webhook server.

Everything listens on 127.0.0.1. The test client is `http.client`, which ignores proxy
settings in the environment, so no request can leave the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
from pathlib import Path
from typing import Any

from bot.comment import parse_marker
from bot.platforms.base import Platform
from bot.retry import RetryPolicy
from bot.server import WebhookApp, WebhookServer
from bot.wiring import Bot, build_bot
from tests.fakehub import FakeHub

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOKS = FIXTURES / "webhooks"
GPQA_SPEC = (FIXTURES / "realworld" / "eval_yaml" / "Idavidrein__gpqa.yaml").read_bytes()
GPQA_RESULT = (FIXTURES / "realworld" / "eval_results" / "gemma-4-12B-it__gpqa.yaml").read_bytes()

HUB_SECRET = "hub-webhook-secret-value"
GITHUB_SECRET = "github-webhook-secret-value"
MODEL = "org/model"
# Short waits keep the fault tests fast; production uses RetryPolicy's defaults.
FAST_RETRIES = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.2, timeout=5.0)

CONFIG = """
hub_endpoint = "{endpoint}"
github_api_url = "http://127.0.0.1:9"
bot_users = ["evalbot"]

[[repos]]
id = "org/model"

[[repos]]
id = "org/results"
platform = "github"

[maintainers.benchmarks]
"Idavidrein/gpqa" = ["alice"]

[server]
workers = {workers}
queue_size = 64
read_timeout = {read_timeout}
"""


def load_webhook(name: str, **replacements: str) -> bytes:
    text = (WEBHOOKS / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text.encode()


def github_signature(body: bytes, secret: str = GITHUB_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def seed_hub(hub: FakeHub) -> int:
    """Add the GPQA benchmark, the model repo and a pull request with one results file."""
    hub.add_repo("Idavidrein/gpqa", repo_type="dataset", files={"eval.yaml": GPQA_SPEC})
    hub.add_repo(MODEL, files={"README.md": "# model\n"})
    return hub.open_pull_request(MODEL, {".eval_results/gpqa.yaml": GPQA_RESULT})


def make_bot(
    tmp_path: Path, hub: FakeHub, *, workers: int = 2, platforms: dict[str, Platform] | None = None,
    policy: RetryPolicy = FAST_RETRIES, extra_config: str = "", read_timeout: float = 10.0,
) -> Bot:
    """Build the bot from a settings file that points at the fake Hub."""
    config_path = tmp_path / "evalbot.toml"
    config_path.write_text(CONFIG.format(endpoint=hub.url, workers=workers, read_timeout=read_timeout) + extra_config)
    environ = {"HF_TOKEN": hub.token, "WEBHOOK_SECRET": HUB_SECRET, "GITHUB_WEBHOOK_SECRET": GITHUB_SECRET}
    return build_bot(
        config_path=config_path, state_path=tmp_path / "state.sqlite3", environ=environ,
        platforms=platforms, policy=policy,
    )


class RunningBot:
    """The bot's server on an ephemeral port, with helpers to post webhooks."""

    def __init__(self, tmp_path: Path, hub: FakeHub, **options: Any) -> None:
        self.hub = hub
        self.bot: Bot = make_bot(tmp_path, hub, **options)
        app = WebhookApp(config=self.bot.config, secrets=self.bot.secrets, state=self.bot.state, queue=self.bot.queue)
        self.server = WebhookServer(("127.0.0.1", 0), app)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.bot.close()

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()

    def post_hub(self, body: bytes, secret: str | None = HUB_SECRET) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Webhook-Secret"] = secret
        return self.request("POST", "/webhooks/hub", body, headers)

    def post_github(self, event: str, body: bytes, *, delivery: str, signature: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": delivery}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return self.request("POST", "/webhooks/github", body, headers)

    def wait(self) -> None:
        assert self.bot.queue.join(30), "the queue did not drain within 30 s"

    def bot_comments(self, num: int = 1) -> list[str]:
        """Bodies of the bot's report comments (those with the hidden marker)."""
        return [c.body for c in self.hub.comments(MODEL, num) if c.author == self.hub.bot_user and parse_marker(c.body)]

    def bot_replies(self, num: int = 1) -> list[str]:
        """Bodies of the bot's other comments: replies to commands."""
        return [c.body for c in self.hub.comments(MODEL, num) if c.author == self.hub.bot_user and not parse_marker(c.body)]
