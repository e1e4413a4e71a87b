"""Count the Hub requests that one check of a pull request costs, by kind.

Each scenario runs `bot.service.check_pull_request` with the real `HubPlatform` and
huggingface_hub client against the fake Hub of the test suite (tests/fakehub.py, on
127.0.0.1). The pull request changes N results files whose entries name M distinct
benchmarks. `main` has K results files, and P other open pull requests add one results
file each. Every request the fake Hub receives is sorted into a kind:

- fixed: discussion details, head sha (repo info at `refs/pr/N`), the `.eval_results`
  trees of the head and the base, and the list of open pull requests;
- changed files: GETs of the pull request's results files;
- main files: GETs of `main`'s results files (for duplicates);
- other PRs: one `.eval_results` tree and one GET per results file of each other PR;
- specs: GETs of `eval.yaml`;
- whoami: the bot's account name, once per process;
- comment: comment posts and edits.

Three checks run per scenario in one process: the first check, a re-check of the same
head, and a check after a push that changes one results file.

The table has a `goal` column (N + M + comment calls + 5 fixed look-ups) and an `extra`
column (main files, other pull requests and whoami, which the goal leaves out).

Usage: python bench/hub_requests.py
"""

import datetime
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bot.platforms.hub import HubPlatform  # noqa: E402
from bot.service import check_pull_request  # noqa: E402
from fakehub import FakeHub, RecordedRequest  # noqa: E402

MODEL = "org/model"
TODAY = datetime.date(2026, 6, 1)
SCENARIOS = [
    # (changed files N, distinct specs M, main files K, other open PRs P)
    (1, 1, 2, 0),
    (5, 3, 2, 0),
    (20, 3, 2, 0),
    (20, 8, 2, 0),
    (5, 3, 10, 3),
]
# Discussion details, head sha, two `.eval_results` trees, the open pull requests.
FIXED_REQUESTS = 5
KINDS = ("fixed", "changed files", "main files", "other PRs", "specs", "whoami", "comment")

SPEC = """\
name: Bench {index}
description: A benchmark for counting requests.
evaluation_framework: inspect-ai
tasks:
  - id: main
    field_spec: {{input: question, target: answer}}
    solvers: [{{name: generate}}]
    scorers: [{{name: match}}]
"""


def entry(dataset_index: int, value: float) -> str:
    return f"- dataset: {{id: bench/b{dataset_index}, task_id: main}}\n  value: {value}\n  date: '2026-05-01'\n"


def build(hub: FakeHub, changed: int, specs: int, main_files: int, other_prs: int) -> int:
    """Create the benchmarks, the model repo and the pull requests; return the PR number."""
    for index in range(specs):
        hub.add_repo(f"bench/b{index}", repo_type="dataset", files={"eval.yaml": SPEC.format(index=index)})
    main = {f".eval_results/main_{i}.yaml": entry(i % specs, 10.0 + i) for i in range(main_files)}
    hub.add_repo(MODEL, files={"README.md": "card", **main})
    for index in range(other_prs):
        hub.open_pull_request(MODEL, {f".eval_results/other_{index}.yaml": entry(index % specs, 50.0 + index)})
    files = {f".eval_results/new_{i}.yaml": entry(i % specs, 60.0 + i) for i in range(changed)}
    return hub.open_pull_request(MODEL, files)


def kind_of(request: RecordedRequest, num: int) -> str:
    path = request.path
    if request.method == "POST" and "/comment" in path:
        return "comment"
    if path == "/api/whoami-v2":
        return "whoami"
    if path.endswith("/eval.yaml"):
        return "specs"
    if "/resolve/" in path:
        if "/resolve/main/" in path:
            return "main files"
        if "/other_" in path:
            return "other PRs"
        return "changed files"
    if "/tree/refs/pr/" in path and not path.startswith(f"/api/models/{MODEL}/tree/refs/pr/{num}/"):
        return "other PRs"
    return "fixed"


def count(hub: FakeHub, num: int) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for request in hub.requests:
        counts[kind_of(request, num)] += 1
    hub.reset_requests()
    return counts


def run_scenario(changed: int, specs: int, main_files: int, other_prs: int) -> list[tuple[str, dict[str, int]]]:
    with FakeHub() as hub:
        num = build(hub, changed, specs, main_files, other_prs)
        checker = HubPlatform(endpoint=hub.url, token=hub.token)
        hub.reset_requests()
        rows = []
        outcome = check_pull_request(checker, MODEL, num, today=TODAY)
        rows.append((f"first check ({outcome.action})", count(hub, num)))
        outcome = check_pull_request(checker, MODEL, num, today=TODAY)
        rows.append((f"same head ({outcome.action})", count(hub, num)))
        hub.push(MODEL, num, {".eval_results/new_0.yaml": entry(0, 99.0)})
        hub.reset_requests()
        outcome = check_pull_request(checker, MODEL, num, today=TODAY)
        rows.append((f"one file pushed ({outcome.action})", count(hub, num)))
        return rows


def main() -> None:
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs\n")
    header = "| N | M | K | P | check | " + " | ".join(KINDS) + " | total | goal | extra |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for changed, specs, main_files, other_prs in SCENARIOS:
        for label, counts in run_scenario(changed, specs, main_files, other_prs):
            cells = " | ".join(str(counts[kind]) for kind in KINDS)
            total = sum(counts.values())
            # The goal is one GET per changed file and per spec, plus the comment calls
            # and the fixed look-ups. Requests of the other kinds count as extra.
            goal = changed + specs + counts["comment"] + FIXED_REQUESTS
            extra = counts["main files"] + counts["other PRs"] + counts["whoami"]
            print(
                f"| {changed} | {specs} | {main_files} | {other_prs} | {label} | {cells} "
                f"| {total} | {goal} | {extra} |"
            )


if __name__ == "__main__":
    main()
