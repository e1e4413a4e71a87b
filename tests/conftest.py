"""Shared fixtures: the fake Hub on 127.0.0.1, and a guard that keeps tests off the network.

The environment is set before any test module imports `huggingface_hub`, which reads it
at import time: the default endpoint is a closed port on 127.0.0.1, no saved token is
used, and telemetry is off. On top of that, every request made through
`huggingface_hub`'s HTTP client to a host other than 127.0.0.1 raises `OffHostRequest`.
`HF_HUB_OFFLINE` is not set because it blocks requests to 127.0.0.1 too.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Port 9 (discard) on 127.0.0.1 is closed on CI machines, so a forgotten endpoint fails fast.
CLOSED_LOCAL_ENDPOINT = "http://127.0.0.1:9"
os.environ["HF_ENDPOINT"] = CLOSED_LOCAL_ENDPOINT
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
os.environ.pop("HF_TOKEN", None)
os.environ.pop("HUGGING_FACE_HUB_TOKEN", None)

sys.path.insert(0, str(Path(__file__).parent))

import httpx2  # noqa: E402
from huggingface_hub import constants  # noqa: E402
from huggingface_hub import set_client_factory  # noqa: E402
from huggingface_hub.utils import _http  # noqa: E402

from fakehub import FakeHub  # noqa: E402

ALLOWED_HOSTS = {"127.0.0.1"}


class OffHostRequest(AssertionError):
    """A test tried to reach a host other than 127.0.0.1."""


def _reject_off_host(request: httpx2.Request) -> None:
    if request.url.host not in ALLOWED_HOSTS:
        raise OffHostRequest(f"request to '{request.url.host}' blocked; tests may only reach 127.0.0.1")


def _guarded_request_hook(request: httpx2.Request) -> None:
    _reject_off_host(request)
    _http.hf_request_event_hook(request)


def _guarded_client() -> httpx2.Client:
    return httpx2.Client(
        event_hooks={"request": [_guarded_request_hook]},
        follow_redirects=True,
        timeout=None,
    )


@pytest.fixture(autouse=True, scope="session")
def _hub_client_guard() -> Iterator[None]:
    """Route huggingface_hub through a client that only reaches 127.0.0.1.

    `bot.retry.configure_hub_retries` installs its own client factory, which calls
    `bot.retry.hf_request_event_hook`; that name is replaced too, so the guard holds
    inside tests that configure retries.
    """
    constants.ENDPOINT = CLOSED_LOCAL_ENDPOINT
    with pytest.MonkeyPatch.context() as patch:
        try:
            import bot.retry
        except ImportError:
            pass
        else:
            patch.setattr(bot.retry, "hf_request_event_hook", _guarded_request_hook, raising=False)
        yield
    set_client_factory(_http.default_client_factory)


@pytest.fixture(autouse=True)
def _fresh_hub_client() -> Iterator[None]:
    """Give each test the guarded client, so no test inherits another's client factory."""
    # Building a client costs an SSL context, so only a changed factory is replaced.
    if _http._GLOBAL_CLIENT_FACTORY is not _guarded_client:
        set_client_factory(_guarded_client)
    yield


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    """A started, empty fake Hub; its `url` and `token` go to `HfApi` or `HubPlatform`."""
    with FakeHub() as hub:
        yield hub
