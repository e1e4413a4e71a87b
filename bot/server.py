"""`evalbot serve`: the webhook receiver for the Hub and GitHub.

Routes:
- `POST /webhooks/hub`: `X-Webhook-Secret` must equal env `WEBHOOK_SECRET`.
- `POST /webhooks/github`: `X-Hub-Signature-256` must sign the body with env
  `GITHUB_WEBHOOK_SECRET`.
- `GET /healthz`: liveness and queue depth.

The server responds 202 as soon as a delivery's jobs are queued, and the queue's workers
run the checks. Other responses: 400 body not JSON, 401 secret missing, 403 secret wrong, 413 body too
large, 503 queue full or the route's secret not configured (the sender retries later).
"""

import argparse
import json
import logging
import signal
import sys
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot import webhooks
from bot.config import Config, ConfigError, Secrets
from bot.queue import WorkQueue
from bot.runner import Job
from bot.state import State, StateError

logger = logging.getLogger(__name__)

# Seconds a sender should wait before redelivering when the queue is full.
QUEUE_FULL_RETRY_AFTER = 30


class WebhookApp:
    """The logic behind the HTTP handler, with the settings, secrets, state and queue."""

    def __init__(self, *, config: Config, secrets: Secrets, state: State, queue: WorkQueue[Job]) -> None:
        self.config = config
        self.secrets = secrets
        self.state = state
        self.queue = queue

    def receive(self, route: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Check, parse and queue one delivery; return the HTTP status and the JSON response body."""
        if route == "hub":
            secret = self.secrets.webhook_secret
            if secret is None:
                return 503, {"error": "WEBHOOK_SECRET is not set on the server; set it and restart"}
            failed = webhooks.check_hub_secret(headers.get("x-webhook-secret"), secret.get_secret_value())
        else:
            secret = self.secrets.github_webhook_secret
            if secret is None:
                return 503, {"error": "GITHUB_WEBHOOK_SECRET is not set on the server; set it and restart"}
            failed = webhooks.check_github_signature(headers.get("x-hub-signature-256"), body, secret.get_secret_value())
        if failed is not None:
            return failed.status, {"error": failed.message}

        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, {"error": "the body is not JSON; send the webhook with content type application/json"}
        if not isinstance(payload, dict):
            return 400, {"error": "the body is JSON but not an object; send the platform's webhook payload"}

        if route == "hub":
            delivery_id = webhooks.hub_delivery_id(body)
            parsed = webhooks.parse_hub(payload, delivery_id)
        else:
            delivery_id = headers.get("x-github-delivery") or webhooks.hub_delivery_id(body)
            parsed = webhooks.parse_github(headers.get("x-github-event"), payload, delivery_id)
        return self._queue(parsed, delivery_id)

    def _queue(self, parsed: webhooks.Parsed, delivery_id: str) -> tuple[int, dict[str, Any]]:
        jobs = [job for job in parsed.jobs if self._is_watched(job)]
        if not jobs:
            reason = parsed.ignored or "the repo is not in the watched repos"
            return 200, {"status": "ignored", "reason": reason, "delivery_id": delivery_id}
        pull_requests = [str(job.pr) for job in jobs]
        if not self.state.record_delivery(delivery_id):
            return 200, {"status": "duplicate", "delivery_id": delivery_id, "jobs": pull_requests}

        try:
            results = [self.queue.submit((job.pr.platform, job.pr.repo_id, job.pr.num), job) for job in jobs]
        except Exception:
            self.state.forget_delivery(delivery_id)
            raise
        if "full" in results or "stopped" in results:
            # Forget the delivery, so the sender's redelivery is not taken for a duplicate.
            self.state.forget_delivery(delivery_id)
            return 503, {"error": "the work queue is full; retry later", "retry_after": QUEUE_FULL_RETRY_AFTER}
        return 202, {"status": "accepted", "delivery_id": delivery_id, "queued": results, "jobs": pull_requests}

    def _is_watched(self, job: Job) -> bool:
        # With no repos listed, every repo the webhook is set up for is checked.
        if not self.config.repos:
            return True
        return self.config.watched(job.pr.platform, job.pr.repo_id) is not None  # type: ignore[arg-type]


class WebhookHandler(BaseHTTPRequestHandler):
    """HTTP front of `WebhookApp`; one thread per connection (ThreadingHTTPServer)."""

    server: "WebhookServer"
    protocol_version = "HTTP/1.1"
    routes = {"/webhooks/hub": "hub", "/webhooks/github": "github"}

    def setup(self) -> None:
        # StreamRequestHandler applies `timeout` to the socket, so every read of a
        # request line, header or body gives up after that many silent seconds.
        self.timeout = self.server.app.config.server.read_timeout
        super().setup()

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/healthz":
            self._answer(404, {"error": f"no route {self.path!r}; use /healthz or POST /webhooks/hub"})
            return
        self._answer(200, {"status": "ok", "queue_depth": self.server.app.queue.depth()})

    def do_POST(self) -> None:
        started = time.monotonic()
        route = self.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self._answer(404, {"error": f"no route {self.path!r}; use /webhooks/hub or /webhooks/github"})
            return
        body = self._read_body()
        if body is None:
            return

        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            status, answer = self.server.app.receive(route, headers, body)
        except Exception:
            # A bug or a state failure must not drop the connection without a response;
            # 500 makes the sender redeliver later.
            logger.exception("webhook %s failed with an unexpected error", route)
            status, answer = 500, {"error": "internal error; the delivery was not queued, redeliver it later"}

        _log_delivery(route, status, answer, started)
        extra = {"Retry-After": str(answer["retry_after"])} if "retry_after" in answer else {}
        self._answer(status, answer, extra)

    def _read_body(self) -> bytes | None:
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            logger.warning("webhook rejected: missing or invalid Content-Length %r", length_header)
            self._answer(411, {"error": "missing Content-Length; send the body with its length"})
            # The unread body would be taken for the next request on this connection.
            self.close_connection = True
            return None
        length = int(length_header)
        if length > self.server.app.config.server.max_body_bytes:
            logger.warning("webhook rejected: body of %d bytes is over the limit", length)
            self._answer(413, {"error": f"body of {length} bytes is over the limit; webhooks are small JSON objects"})
            self.close_connection = True
            return None
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            logger.warning("webhook rejected: the body stalled after %d declared bytes", length)
            self.close_connection = True
            return None
        if len(body) < length:
            logger.warning("webhook rejected: the connection closed before the %d declared bytes", length)
            self.close_connection = True
            return None
        return body

    def _answer(self, status: int, answer: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # The access log goes through logging at debug level; the event line is enough.
        logger.debug("http: " + format, *args)


def _log_delivery(route: str, status: int, answer: dict[str, Any], started: float) -> None:
    """Log one line per delivery; the CLI's log formatter appends the extra fields."""
    fields = {
        "route": route,
        "status": status,
        "outcome": answer.get("status") or "rejected",
        "reason": answer.get("reason") or answer.get("error"),
        "delivery_id": answer.get("delivery_id"),
        "pull_requests": ",".join(answer.get("jobs", [])) or None,
        "duration_s": round(time.monotonic() - started, 4),
    }
    logger.info("webhook received", extra=fields)


class WebhookServer(ThreadingHTTPServer):
    daemon_threads = True
    # Connections waiting to be accepted; socketserver's default of 5 resets bursts of
    # webhook deliveries before a thread can take them.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: WebhookApp) -> None:
        super().__init__(address, WebhookHandler)
        self.app = app


def add_serve_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `evalbot serve` on the CLI's subcommands."""
    parser = subparsers.add_parser("serve", help="receive Hub and GitHub webhooks and check pull requests")
    parser.add_argument("--host", default=None, help="address to listen on (default: server.host in the config, 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="TCP port (default: server.port in the config, 8080)")
    parser.add_argument("--config", type=Path, default=None, help="settings file (default: ./evalbot.toml when present)")
    parser.add_argument("--state", type=Path, default=None, help="SQLite state file (default: evalbot.sqlite3)")
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Start the server and its workers; stop on Ctrl-C or SIGTERM."""
    from bot.wiring import build_bot

    try:
        bot = build_bot(config_path=args.config, state_path=args.state)
    except (ConfigError, StateError) as error:
        print(f"evalbot: error: {error}", file=sys.stderr)
        return 2
    host = args.host or bot.config.server.host
    port = bot.config.server.port if args.port is None else args.port
    app = WebhookApp(config=bot.config, secrets=bot.secrets, state=bot.state, queue=bot.queue)
    for name, value in (("WEBHOOK_SECRET", bot.secrets.webhook_secret), ("GITHUB_WEBHOOK_SECRET", bot.secrets.github_webhook_secret)):
        if value is None:
            logger.warning("%s is not set: its webhook route responds 503", name)

    try:
        server = WebhookServer((host, port), app)
    except OSError as error:
        bot.close()
        print(f"evalbot: error: cannot listen on {host}:{port}: {error.strerror or error}; pass a free --port", file=sys.stderr)
        return 2
    # Stop the same way on SIGTERM (containers, systemd) as on Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    logger.info("serving on http://%s:%d with %d workers", host, server.server_address[1], bot.config.server.workers)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopping: finishing running checks")
    finally:
        server.server_close()
        bot.close()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
