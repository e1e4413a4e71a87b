"""Retries with backoff for GitHub (through `requests`) and the Hub (through `httpx2`).

Both services respond 429 when a client goes too fast and 5xx during outages. A call is
retried on those statuses and on connection errors or timeouts, waiting `Retry-After`
seconds when the service sends it, otherwise an exponential backoff. A POST creates
something (a comment), so it is retried only when the service cannot have acted on it:
on 429, and when the connection failed before the request was sent. Every call gets a
timeout, because one hung request would block a worker forever.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx2
import requests
from huggingface_hub import set_client_factory
from huggingface_hub.utils._http import default_client_factory, hf_request_event_hook
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A POST that got a 5xx or timed out while reading may have created its comment already.
POST_RETRY_STATUSES = frozenset({429})


class RetryPolicy(BaseModel):
    """How often and how long to retry one call."""

    # Attempts in total, the first one included.
    attempts: int = Field(default=5, ge=1)
    # Backoff without `Retry-After`: base * 2**retry seconds, capped at max_delay.
    base_delay: float = Field(default=0.5, ge=0)
    max_delay: float = Field(default=30.0, ge=0)
    # Seconds to connect and to read one response.
    timeout: float = Field(default=30.0, gt=0)


class RetryStats:
    """Thread-safe count of retries per cause (a status code or an exception name)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, cause: str) -> None:
        with self._lock:
            self._counts[cause] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())


def parse_retry_after(value: str | None) -> float | None:
    """Read a `Retry-After` header given in seconds; HTTP dates and invalid values give None."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return seconds


def retry_delay(policy: RetryPolicy, retry: int, retry_after: str | None) -> float:
    """Return the wait before retry number `retry` (0-based), capped at `max_delay`."""
    requested = parse_retry_after(retry_after)
    if requested is not None:
        return min(requested, policy.max_delay)
    return min(policy.base_delay * 2**retry, policy.max_delay)


def call_with_retries(
    send: Callable[[], Any],
    policy: RetryPolicy,
    *,
    describe: str,
    status_of: Callable[[Any], int],
    retry_after_of: Callable[[Any], str | None],
    transient: tuple[type[BaseException], ...],
    statuses: frozenset[int] = RETRY_STATUSES,
    stats: RetryStats | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Call `send` until it returns a status outside `statuses` or attempts run out.

    The last response is returned as is, so the caller's error funnel gets the real
    status. The last transient exception is re-raised.
    """
    for retry in range(policy.attempts):
        last_attempt = retry == policy.attempts - 1
        try:
            response = send()
        except transient as error:
            if last_attempt:
                raise
            cause, retry_after = type(error).__name__, None
        else:
            status = status_of(response)
            if status not in statuses or last_attempt:
                return response
            cause, retry_after = str(status), retry_after_of(response)

        delay = retry_delay(policy, retry, retry_after)
        if stats is not None:
            stats.add(cause)
        logger.warning(
            "retrying %s after %s in %.2fs (attempt %d of %d)",
            describe, cause, delay, retry + 2, policy.attempts,
        )
        sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


class RetryingSession(requests.Session):
    """A `requests.Session` that retries 429/5xx and sets a timeout on every request."""

    def __init__(self, policy: RetryPolicy | None = None, stats: RetryStats | None = None) -> None:
        super().__init__()
        self.policy = policy or RetryPolicy()
        self.stats = stats or RetryStats()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.policy.timeout)
        is_post = str(method).upper() == "POST"
        return call_with_retries(
            lambda: super(RetryingSession, self).request(method, url, *args, **kwargs),
            self.policy,
            describe=f"{method!s} {url!s}",
            status_of=_requests_status,
            retry_after_of=lambda response: response.headers.get("Retry-After"),
            # ConnectTimeout is a ConnectionError: the request was never sent.
            transient=(requests.ConnectionError,) if is_post else (requests.ConnectionError, requests.Timeout),
            statuses=POST_RETRY_STATUSES if is_post else RETRY_STATUSES,
            stats=self.stats,
        )


def _requests_status(response: requests.Response) -> int:
    """Return the status to decide on; GitHub's rate-limit 403s count as 429."""
    if response.status_code == 403 and (
        "Retry-After" in response.headers or response.headers.get("X-RateLimit-Remaining") == "0"
    ):
        return 429
    return response.status_code


class RetryingTransport(httpx2.BaseTransport):
    """An `httpx2` transport that retries 429/5xx and transport errors with backoff."""

    def __init__(self, policy: RetryPolicy, stats: RetryStats, inner: httpx2.BaseTransport | None = None) -> None:
        self.policy = policy
        self.stats = stats
        self.inner = inner or httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        # Some huggingface_hub calls (repo_info, model_info) pass `timeout=None`, which
        # turns the client's timeout off for that request, so unset parts are filled here.
        timeouts = dict(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {
            part: timeouts.get(part) if timeouts.get(part) is not None else self.policy.timeout
            for part in ("connect", "read", "write", "pool")
        }

        def send() -> httpx2.Response:
            response = self.inner.handle_request(request)
            if response.status_code in RETRY_STATUSES:
                # Read the body now, so the connection returns to the pool before the wait.
                response.read()
            return response

        # The Hub's read-only queries include POSTs (paths-info); a POST under
        # /discussions creates a comment or a pull request and must not run twice.
        creates = request.method == "POST" and "/discussions" in request.url.path
        return call_with_retries(
            send,
            self.policy,
            describe=f"{request.method} {request.url}",
            status_of=lambda response: response.status_code,
            retry_after_of=lambda response: response.headers.get("Retry-After"),
            transient=(httpx2.ConnectError, httpx2.ConnectTimeout) if creates else (httpx2.TransportError,),
            statuses=POST_RETRY_STATUSES if creates else RETRY_STATUSES,
            stats=self.stats,
        )

    def close(self) -> None:
        self.inner.close()


def configure_hub_retries(policy: RetryPolicy, stats: RetryStats) -> None:
    """Make every `huggingface_hub` call in this process retry and time out per `policy`.

    huggingface_hub shares one `httpx2.Client` between all calls and builds it from a
    factory (`set_client_factory`). This factory keeps the library's own request hook,
    which enforces `HF_HUB_OFFLINE` and adds request ids.
    """

    def factory() -> httpx2.Client:
        return httpx2.Client(
            transport=RetryingTransport(policy, stats),
            event_hooks={"request": [hf_request_event_hook]},
            follow_redirects=True,
            timeout=policy.timeout,
        )

    set_client_factory(factory)


def reset_hub_client() -> None:
    """Give huggingface_hub its default client back (no retries, no timeout)."""
    set_client_factory(default_client_factory)
