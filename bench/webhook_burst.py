"""Measure what a burst of webhook deliveries for one pull request head costs.

The webhook server (`bot.server`), the queue, the runner and the real Hub platform run
in this process against the fake Hub of the test suite (tests/fakehub.py), all on
127.0.0.1. For each burst size B, B deliveries with distinct bodies (so none is a
replayed duplicate) name the same head of one pull request and are posted at once from
B threads. The script reports:

- the time to respond to each delivery (median and maximum), next to the duration of
  one check, to show that responding does not wait for the check;
- the checks run and the comments posted (the goal is 1 of each per head);
- the Hub requests of the whole burst, as a ratio to those of a single delivery.

Usage: python bench/webhook_burst.py [--sizes 1,10,50,200] [--workers 2]
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.state import PullRequestRef  # noqa: E402
from tests.bot_harness import MODEL, RunningBot, load_webhook, seed_hub  # noqa: E402
from tests.fakehub import FakeHub  # noqa: E402

PR = PullRequestRef(platform="hub", repo_id=MODEL, num=1)


def run_burst(size: int, workers: int) -> dict[str, float]:
    """Post `size` deliveries for one head to a fresh bot and measure the outcome."""
    with FakeHub() as hub, tempfile.TemporaryDirectory() as folder:
        seed_hub(hub)
        running = RunningBot(Path(folder), hub, workers=workers)
        try:
            head = hub.repo(MODEL).refs["refs/pr/1"]
            bodies = [
                load_webhook("hub_repo_content_pr.json", **{"2" * 40: head, "1" * 40: f"{n:040d}"})
                for n in range(size)
            ]
            hub.reset_requests()
            latencies: list[float] = []
            statuses: list[int] = []
            lock = threading.Lock()

            def post(body: bytes) -> None:
                started = time.perf_counter()
                status, _ = running.post_hub(body)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    statuses.append(status)

            threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
            burst_started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            running.wait()
            total = time.perf_counter() - burst_started

            return {
                "size": size,
                "accepted": statuses.count(202),
                "respond_median_ms": statistics.median(latencies) * 1000,
                "respond_max_ms": max(latencies) * 1000,
                "total_ms": total * 1000,
                "checks": running.bot.state.count_checks(PR),
                "comments": len(running.bot_comments()),
                "hub_requests": hub.count(),
            }
        finally:
            running.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50,200", help="comma-separated burst sizes (deliveries)")
    parser.add_argument("--workers", type=int, default=2, help="worker threads of the bot's queue")
    args = parser.parse_args()
    os.environ.pop("HF_HUB_OFFLINE", None)

    sizes = [int(size) for size in args.sizes.split(",")]
    results = [run_burst(size, args.workers) for size in sizes]
    single = next((r for r in results if r["size"] == 1), None) or run_burst(1, args.workers)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; workers: {args.workers}")
    print("| deliveries | 202 | respond median | respond max | burst total | checks | comments | Hub requests | requests / single delivery |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ratio = r["hub_requests"] / single["hub_requests"]
        print(
            f"| {r['size']} | {r['accepted']} | {r['respond_median_ms']:.1f} ms | {r['respond_max_ms']:.1f} ms "
            f"| {r['total_ms']:.0f} ms | {r['checks']} | {r['comments']} | {r['hub_requests']} | {ratio:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
