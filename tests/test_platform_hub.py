"""HubPlatform against the fake Hub: changed files, specs, comments and the error funnel."""

import pytest

from bot.platforms.base import NotFoundError, PermissionDeniedError, PlatformError, PullRequest, UnavailableError
from bot.platforms.hub import HubPlatform, git_blob_id
from checks.inputs import SpecUnavailable
from fakehub import FakeHub

LIMIT = 1000
SPEC = b"name: Toy\ntasks: []\n"


@pytest.fixture
def platform(fake_hub: FakeHub) -> HubPlatform:
    return HubPlatform(endpoint=fake_hub.url, token=fake_hub.token)


@pytest.fixture
def repo(fake_hub: FakeHub) -> str:
    fake_hub.add_repo(
        "org/model",
        files={
            "README.md": "card",
            "config.json": "{}",
            ".eval_results/kept.yaml": "- kept\n",
            ".eval_results/changed.yaml": "- old\n",
            ".eval_results/removed.yaml": "- removed\n",
        },
    )
    return "org/model"


def open_pr(fake_hub: FakeHub, repo: str) -> int:
    return fake_hub.open_pull_request(
        repo,
        {
            ".eval_results/new.yaml": "- new\n",
            ".eval_results/changed.yaml": "- new value\n",
            ".eval_results/removed.yaml": None,
            ".eval_results/notes.txt": "not yaml",
            "README.md": "new card",
        },
    )


def fetch(platform: HubPlatform, repo: str, num: int) -> PullRequest:
    return platform.get_pull_request(repo, num)


# The pull request


def test_pull_request_fields(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    pr = fetch(platform, repo, num)
    assert pr.head_sha == fake_hub.repo(repo).refs[f"refs/pr/{num}"]
    assert (pr.author, pr.status, pr.is_pull_request, pr.base) == ("contributor", "open", True, "main")
    assert pr.url == f"{fake_hub.url}/{repo}/discussions/{num}"


def test_discussion_is_not_pull_request(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = fake_hub.open_discussion(repo)
    assert fetch(platform, repo, num).is_pull_request is False


def test_closed_pull_request_skips_head_lookup(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    fake_hub.set_status(repo, num, "closed")
    fake_hub.reset_requests()
    fetch(platform, repo, num)
    assert fake_hub.count("GET", "/revision/") == 0


# Changed files


def test_changed_files_statuses(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    pr = fetch(platform, repo, open_pr(fake_hub, repo))
    statuses = {f.path: f.status for f in platform.changed_files(pr, max_file_size=LIMIT)}
    assert statuses == {
        ".eval_results/changed.yaml": "modified",
        ".eval_results/new.yaml": "added",
        ".eval_results/notes.txt": "added",
        ".eval_results/removed.yaml": "deleted",
        "README.md": "modified",
    }


def test_only_results_files_are_read(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    pr = fetch(platform, repo, open_pr(fake_hub, repo))
    contents = {f.path: f.content for f in platform.changed_files(pr, max_file_size=LIMIT)}
    assert contents[".eval_results/new.yaml"] == b"- new\n"
    assert contents[".eval_results/changed.yaml"] == b"- new value\n"
    assert contents["README.md"] is None
    assert contents[".eval_results/notes.txt"] is None
    assert contents[".eval_results/removed.yaml"] is None


@pytest.mark.parametrize("path", [".eval_results/sub/x.yaml", ".eval_results/x.yml", ".eval_results/x.json"])
def test_non_results_paths_not_read(fake_hub: FakeHub, platform: HubPlatform, repo: str, path: str) -> None:
    pr = fetch(platform, repo, fake_hub.open_pull_request(repo, {path: "- a\n"}))
    fake_hub.reset_requests()
    (changed,) = platform.changed_files(pr, max_file_size=LIMIT)
    assert changed.content is None
    assert fake_hub.count("GET", "/resolve/") == 0


def test_files_read_at_head_sha(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    pr = fetch(platform, repo, open_pr(fake_hub, repo))
    fake_hub.reset_requests()
    platform.changed_files(pr, max_file_size=LIMIT)
    assert fake_hub.count("GET", f"/resolve/{pr.head_sha}/.eval_results/new.yaml") == 1


def test_oversized_file_is_not_downloaded(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = fake_hub.open_pull_request(repo, {".eval_results/big.yaml": "- x\n" * 600})
    pr = fetch(platform, repo, num)
    fake_hub.reset_requests()
    (changed,) = platform.changed_files(pr, max_file_size=LIMIT)
    assert len(changed.content) == LIMIT + 1
    assert fake_hub.count("GET", "/resolve/") == 0


def test_cut_diff_falls_back_to_trees(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    fake_hub.max_diff_chars = 60
    pr = fetch(platform, repo, num)
    paths = {f.path for f in platform.changed_files(pr, max_file_size=LIMIT)}
    assert "README.md" in paths
    assert ".eval_results/removed.yaml" in paths


@pytest.mark.parametrize("diff", [None, ""])
def test_missing_diff_falls_back_to_trees(fake_hub: FakeHub, platform: HubPlatform, repo: str, diff) -> None:
    num = open_pr(fake_hub, repo)
    fake_hub.set_diff(repo, num, diff if diff is not None else "")
    pr = fetch(platform, repo, num)
    paths = {f.path for f in platform.changed_files(pr, max_file_size=LIMIT)}
    assert "README.md" in paths


def test_repo_without_results_folder(fake_hub: FakeHub, platform: HubPlatform) -> None:
    fake_hub.add_repo("org/bare", files={"README.md": "card"})
    num = fake_hub.open_pull_request("org/bare", {".eval_results/a.yaml": "- a\n"})
    pr = fetch(platform, "org/bare", num)
    assert [f.path for f in platform.changed_files(pr, max_file_size=LIMIT)] == [".eval_results/a.yaml"]
    assert platform.main_results(pr, max_file_size=LIMIT) == {}


def test_changed_files_needs_fetched_pr(platform: HubPlatform) -> None:
    pr = PullRequest(repo_id="org/model", num=1, head_sha="a" * 40, author="x", status="open")
    with pytest.raises(PlatformError):
        platform.changed_files(pr, max_file_size=LIMIT)


# Main and the other open pull requests


def test_main_results_reads_yaml_only(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    pr = fetch(platform, repo, open_pr(fake_hub, repo))
    assert sorted(platform.main_results(pr, max_file_size=LIMIT)) == [
        ".eval_results/changed.yaml",
        ".eval_results/kept.yaml",
        ".eval_results/removed.yaml",
    ]


def test_other_prs_exclude_this_one(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    other = fake_hub.open_pull_request(repo, {".eval_results/other.yaml": "- other\n"})
    closed = fake_hub.open_pull_request(repo, {".eval_results/closed.yaml": "- closed\n"})
    fake_hub.set_status(repo, closed, "closed")
    pr = fetch(platform, repo, num)
    others = platform.other_pull_requests(pr, max_file_size=LIMIT)
    assert [(o.num, o.files) for o in others] == [(other, {".eval_results/other.yaml": b"- other\n"})]


def test_open_numbers_include_drafts(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    first = open_pr(fake_hub, repo)
    draft = fake_hub.open_pull_request(repo, {"a.txt": "a"}, status="draft")
    fake_hub.open_discussion(repo)
    merged = fake_hub.open_pull_request(repo, {"b.txt": "b"})
    fake_hub.set_status(repo, merged, "merged")
    assert platform.open_pull_request_numbers(repo) == [draft, first]


def test_blob_cache_skips_second_download(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    platform.main_results(fetch(platform, repo, num), max_file_size=LIMIT)
    fake_hub.reset_requests()
    platform.main_results(fetch(platform, repo, num), max_file_size=LIMIT)
    assert fake_hub.count("GET", "/resolve/") == 0


def test_git_blob_id_matches_git() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_moved_branch_content_not_cached(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    pr = fetch(platform, repo, open_pr(fake_hub, repo))
    platform._base_tree(pr, platform._state(pr))  # list main's tree, then move main
    fake_hub.commit(repo, {".eval_results/kept.yaml": "- moved\n"})
    assert platform.main_results(pr, max_file_size=LIMIT)[".eval_results/kept.yaml"] == b"- moved\n"
    fake_hub.reset_requests()
    platform.main_results(pr, max_file_size=LIMIT)
    assert fake_hub.count("GET", "kept.yaml") == 1


# Benchmark specs


def test_spec_found(fake_hub: FakeHub, platform: HubPlatform) -> None:
    fake_hub.add_repo("org/bench", repo_type="dataset", files={"eval.yaml": SPEC})
    assert platform.fetch_spec("org/bench", None) == SPEC


def test_spec_at_pinned_revision(fake_hub: FakeHub, platform: HubPlatform) -> None:
    fake_hub.add_repo("org/bench", repo_type="dataset", files={"eval.yaml": SPEC})
    old = fake_hub.tag_commit("org/bench", {"eval.yaml": "name: Old\n"})
    assert platform.fetch_spec("org/bench", old) == b"name: Old\n"


def test_pinned_spec_cached_across_checks(fake_hub: FakeHub, platform: HubPlatform) -> None:
    fake_hub.add_repo("org/bench", repo_type="dataset", files={"eval.yaml": SPEC})
    sha = fake_hub.repo("org/bench", "dataset").refs["main"]
    platform.fetch_spec("org/bench", sha)
    platform.fetch_spec("org/bench", sha)
    assert fake_hub.count("GET", "/eval.yaml") == 1


def test_branch_spec_not_cached(fake_hub: FakeHub, platform: HubPlatform) -> None:
    fake_hub.add_repo("org/bench", repo_type="dataset", files={"eval.yaml": SPEC})
    platform.fetch_spec("org/bench", None)
    fake_hub.commit("org/bench", {"eval.yaml": "name: New\n"}, repo_type="dataset")
    assert platform.fetch_spec("org/bench", None) == b"name: New\n"


@pytest.mark.parametrize(
    ("dataset_id", "revision"),
    [
        ("org/missing", None),  # no such repo
        ("org/no-spec", None),  # repo without eval.yaml
        ("org/no-spec", "f" * 40),  # unknown revision
        ("../../api/whoami-v2", None),  # not a repo id
        ("a/b/c", None),
        ("", None),
    ],
)
def test_spec_not_found_is_none(fake_hub: FakeHub, platform: HubPlatform, dataset_id: str, revision) -> None:
    fake_hub.add_repo("org/no-spec", repo_type="dataset", files={"README.md": "data"})
    assert platform.fetch_spec(dataset_id, revision) is None


def test_invalid_dataset_id_sends_nothing(fake_hub: FakeHub, platform: HubPlatform) -> None:
    platform.fetch_spec("../../api/whoami-v2", None)
    assert fake_hub.requests == []


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_spec_outage_raises_unavailable(fake_hub: FakeHub, platform: HubPlatform, status: int) -> None:
    fake_hub.add_repo("org/bench", repo_type="dataset", files={"eval.yaml": SPEC})
    fake_hub.fail_next(status, path_prefix="/datasets/org/bench")
    with pytest.raises(SpecUnavailable):
        platform.fetch_spec("org/bench", None)


def test_oversized_spec_raises_unavailable(fake_hub: FakeHub, platform: HubPlatform) -> None:
    fake_hub.add_repo("org/huge", repo_type="dataset", files={"eval.yaml": b"#" * (1024 * 1024 + 10)})
    with pytest.raises(SpecUnavailable):
        platform.fetch_spec("org/huge", None)


# Comments


def test_comments_skip_hidden_and_events(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    fake_hub.add_comment(repo, num, "visible", author="reviewer")
    hidden = fake_hub.add_comment(repo, num, "gone", author="reviewer")
    fake_hub.repo(repo).discussions[num].comments[-1].hidden = True
    comments = platform.list_comments(fetch(platform, repo, num))
    assert [(c.author, c.body) for c in comments] == [("reviewer", "visible")]
    assert hidden not in {c.id for c in comments}


def test_create_and_edit_comment(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    pr = fetch(platform, repo, open_pr(fake_hub, repo))
    posted = platform.create_comment(pr, "one")
    edited = platform.edit_comment(pr, posted.id, "two")
    assert (edited.id, edited.author, edited.body) == (posted.id, "evalbot", "two")


def test_bot_user_asks_whoami_once(fake_hub: FakeHub, platform: HubPlatform) -> None:
    assert platform.bot_user() == "evalbot"
    assert platform.bot_user() == "evalbot"
    assert fake_hub.count("GET", "/api/whoami-v2") == 1


def test_configured_bot_user_skips_whoami(fake_hub: FakeHub) -> None:
    platform = HubPlatform(endpoint=fake_hub.url, token=fake_hub.token, bot_user="evalbot")
    assert platform.bot_user() == "evalbot"
    assert fake_hub.requests == []


# Error funnel: huggingface_hub errors become platform errors


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, UnavailableError), (503, UnavailableError), (429, UnavailableError), (403, PermissionDeniedError)],
)
def test_http_status_maps_to_error(fake_hub: FakeHub, platform: HubPlatform, repo: str, status: int, error) -> None:
    num = open_pr(fake_hub, repo)
    fake_hub.fail_next(status, path_prefix=f"/api/models/{repo}/discussions")
    with pytest.raises(error):
        fetch(platform, repo, num)


def test_retry_after_is_kept(fake_hub: FakeHub, platform: HubPlatform, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    fake_hub.fail_next(503, path_prefix=f"/api/models/{repo}/discussions", retry_after="12")
    with pytest.raises(UnavailableError) as raised:
        fetch(platform, repo, num)
    assert raised.value.retry_after == 12.0


@pytest.mark.parametrize(("repo_id", "num"), [("org/missing", 1), ("org/model", 99)])
def test_missing_pull_request_is_not_found(platform: HubPlatform, repo: str, repo_id: str, num: int) -> None:
    with pytest.raises(NotFoundError):
        fetch(platform, repo_id, num)


def test_invalid_token_is_permission_denied(fake_hub: FakeHub, repo: str) -> None:
    num = open_pr(fake_hub, repo)
    platform = HubPlatform(endpoint=fake_hub.url, token="hf_wrong")
    pr = fetch(platform, repo, num)
    with pytest.raises(PermissionDeniedError):
        platform.create_comment(pr, "hi")


def test_unreachable_hub_is_unavailable() -> None:
    platform = HubPlatform(endpoint="http://127.0.0.1:9", token="hf_x")
    with pytest.raises(UnavailableError):
        platform.get_pull_request("org/model", 1)


def test_token_not_in_error_message(fake_hub: FakeHub, repo: str) -> None:
    platform = HubPlatform(endpoint=fake_hub.url, token="hf_secret_value")
    with pytest.raises(PlatformError) as raised:
        platform.get_pull_request("org/missing", 1)
    assert "hf_secret_value" not in str(raised.value)
