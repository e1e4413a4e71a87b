"""The command line reaches only the Hub endpoint it is given.

Each command runs in a child process with the environment a user has: telemetry not
turned off and `HF_ENDPOINT` naming another server. That other server is a canary on
127.0.0.1 that records every request it gets, and it must get none.
"""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fakehub import FakeHub

PROJECT = Path(__file__).resolve().parent.parent
SPEC = (Path(__file__).parent / "fixtures" / "realworld" / "eval_yaml" / "Idavidrein__gpqa.yaml").read_bytes()
RESULTS = "- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 78.8\n"


class Canary:
    """An HTTP server that records every requested path and returns 404."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
                canary.paths.append(self.path)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_POST = do_GET  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.server.shutdown()


def run_evalbot(args: list[str], canary: Canary, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HF_") and key not in ("HUGGING_FACE_HUB_TOKEN", "PYTEST_CURRENT_TEST")
    }
    # A fresh HF_HOME has no cached registry, so telemetry would fetch one at once.
    environment.update({"HF_ENDPOINT": canary.url, "HF_HOME": str(home)})
    command = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", *args]
    return subprocess.run(command, cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=120)


def test_check_reaches_only_endpoint(fake_hub: FakeHub, canary: Canary, tmp_path: Path) -> None:
    fake_hub.add_repo("Idavidrein/gpqa", repo_type="dataset", files={"eval.yaml": SPEC})
    results = tmp_path / "gpqa.yaml"
    results.write_text(RESULTS)
    completed = run_evalbot(["check", str(results), "--endpoint", fake_hub.url], canary, tmp_path / "home")
    assert completed.returncode == 0, completed.stderr
    assert fake_hub.count("GET", "eval.yaml") >= 1
    assert canary.paths == []


def test_pr_dry_run_reaches_only_endpoint(fake_hub: FakeHub, canary: Canary, tmp_path: Path) -> None:
    fake_hub.add_repo("Idavidrein/gpqa", repo_type="dataset", files={"eval.yaml": SPEC})
    fake_hub.add_repo("org/model", files={"README.md": "# model"})
    fake_hub.open_pull_request("org/model", {".eval_results/gpqa.yaml": RESULTS})
    args = ["pr", "org/model", "1", "--dry-run", "--endpoint", fake_hub.url]
    completed = run_evalbot(args, canary, tmp_path / "home")
    assert completed.returncode == 0, completed.stderr
    assert canary.paths == []
