"""The fake Hub against the real huggingface_hub client: routes, errors, faults, guard."""

import time

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import (
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import get_session

from conftest import OffHostRequest
from fakehub import FakeHub, blob_oid, resolve_url


@pytest.fixture
def api(fake_hub: FakeHub) -> HfApi:
    return HfApi(endpoint=fake_hub.url, token=fake_hub.token)


@pytest.fixture
def pull_request(fake_hub: FakeHub) -> int:
    fake_hub.add_repo("org/model", files={"README.md": "hello", ".eval_results/a.yaml": "- a\n"})
    return fake_hub.open_pull_request("org/model", {".eval_results/b.yaml": "- b\n", "README.md": None})


# Routes read by evalbot, through the real client


def test_repo_info_resolves_pr_ref(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    info = api.repo_info("org/model", revision=f"refs/pr/{pull_request}")
    assert info.sha == fake_hub.repo("org/model").refs[f"refs/pr/{pull_request}"]


def test_tree_lists_sizes_and_blob_ids(api: HfApi, pull_request: int) -> None:
    entries = list(api.list_repo_tree("org/model", ".eval_results", revision=f"refs/pr/{pull_request}"))
    assert [(e.path, e.size, e.blob_id) for e in entries] == [
        (".eval_results/a.yaml", 4, blob_oid(b"- a\n")),
        (".eval_results/b.yaml", 4, blob_oid(b"- b\n")),
    ]


def test_tree_paginates_with_link_header(fake_hub: FakeHub, api: HfApi) -> None:
    fake_hub.add_repo("org/many", files={f"f{i:02}.txt": str(i) for i in range(25)})
    fake_hub.tree_page_size = 10
    paths = [entry.path for entry in api.list_repo_tree("org/many")]
    assert len(paths) == 25
    assert fake_hub.count("GET", "/tree/") == 3


def test_paths_info_returns_size(api: HfApi, pull_request: int) -> None:
    (info,) = api.get_paths_info("org/model", [".eval_results/b.yaml"], revision=f"refs/pr/{pull_request}")
    assert info.size == 4


def test_resolve_sends_commit_and_etag(fake_hub: FakeHub, pull_request: int) -> None:
    url = resolve_url(fake_hub, "org/model", f"refs/pr/{pull_request}", ".eval_results/b.yaml")
    response = get_session().head(url)
    assert response.headers["X-Repo-Commit"] == fake_hub.repo("org/model").refs[f"refs/pr/{pull_request}"]
    expected_oid = blob_oid(b"- b\n")
    assert response.headers["ETag"] == f'"{expected_oid}"'


def test_resolve_accepts_encoded_revision(fake_hub: FakeHub, pull_request: int) -> None:
    url = resolve_url(fake_hub, "org/model", f"refs/pr/{pull_request}", ".eval_results/b.yaml")
    assert get_session().get(url).content == b"- b\n"
    assert "refs%2Fpr%2F1" in fake_hub.requests[-1].raw_path


def test_discussion_details_carry_diff_and_events(api: HfApi, pull_request: int) -> None:
    details = api.get_discussion_details("org/model", pull_request)
    assert details.is_pull_request
    assert details.author == "contributor"
    assert "new file mode 100644" in details.diff
    assert "deleted file mode 100644" in details.diff
    assert details.events[0].type == "commit"


def test_open_pull_requests_filter(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    fake_hub.open_discussion("org/model")
    closed = fake_hub.open_pull_request("org/model", {"x": "1"})
    fake_hub.set_status("org/model", closed, "closed")
    listed = api.get_repo_discussions("org/model", discussion_type="pull_request", discussion_status="open")
    assert [d.num for d in listed] == [pull_request]


def test_discussions_page_by_fifty(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    for _ in range(60):
        fake_hub.open_discussion("org/model")
    assert len(list(api.get_repo_discussions("org/model"))) == 61
    assert fake_hub.count("GET", "/discussions") == 2


def test_comment_then_edit(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    posted = api.comment_discussion("org/model", pull_request, "first")
    edited = api.edit_discussion_comment("org/model", pull_request, posted.id, "second")
    assert edited.content == "second"
    assert fake_hub.comments("org/model", pull_request)[0].history == ["first"]
    assert posted.author == fake_hub.bot_user


def test_merge_moves_main(fake_hub: FakeHub, pull_request: int) -> None:
    fake_hub.set_status("org/model", pull_request, "merged")
    assert ".eval_results/b.yaml" in fake_hub.files_at("org/model", "main")


# Errors the client maps to its typed exceptions


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda api: api.repo_info("org/missing"), RepositoryNotFoundError),
        (lambda api: api.repo_info("org/model", revision="no-such-branch"), RevisionNotFoundError),
        (lambda api: list(api.list_repo_tree("org/model", "nowhere")), RemoteEntryNotFoundError),
        (lambda api: api.get_discussion_details("org/model", 99), HfHubHTTPError),
    ],
)
def test_not_found_maps_to_typed_error(api: HfApi, pull_request: int, call, error) -> None:
    with pytest.raises(error):
        call(api)


def test_write_without_token_is_rejected(fake_hub: FakeHub, pull_request: int) -> None:
    anonymous = HfApi(endpoint=fake_hub.url, token=False)
    with pytest.raises(HfHubHTTPError) as raised:
        anonymous.comment_discussion("org/model", pull_request, "hi")
    assert raised.value.response.status_code == 401


def test_edit_of_other_users_comment_is_rejected(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    comment_id = fake_hub.add_comment("org/model", pull_request, "mine", author="contributor")
    with pytest.raises(HfHubHTTPError) as raised:
        api.edit_discussion_comment("org/model", pull_request, comment_id, "hijacked")
    assert raised.value.response.status_code == 403


# Fault injection and request records


def test_fault_answers_once_then_recovers(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    fake_hub.fail_next(503, path_prefix="/api/models/org/model/discussions", retry_after="7")
    with pytest.raises(HfHubHTTPError) as raised:
        api.get_discussion_details("org/model", pull_request)
    assert raised.value.response.status_code == 503
    assert raised.value.response.headers["Retry-After"] == "7"
    assert api.get_discussion_details("org/model", pull_request).num == pull_request


def test_fault_matches_method(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    fake_hub.fail_next(500, method="POST")
    assert api.get_discussion_details("org/model", pull_request).num == pull_request
    assert len(fake_hub.faults) == 1


def test_delay_then_normal_response(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    fake_hub.delay_next(0.2, path_prefix="/api/models/org/model/discussions")
    started = time.monotonic()
    assert api.get_discussion_details("org/model", pull_request).num == pull_request
    assert time.monotonic() - started >= 0.2


def test_requests_are_recorded(fake_hub: FakeHub, api: HfApi, pull_request: int) -> None:
    fake_hub.reset_requests()
    api.get_discussion_details("org/model", pull_request)
    assert [(r.method, r.path) for r in fake_hub.requests] == [("GET", "/api/models/org/model/discussions/1")]


# Guard: tests reach 127.0.0.1 only


def test_guard_blocks_real_hub() -> None:
    with pytest.raises(OffHostRequest):
        HfApi(endpoint="https://huggingface.co", token=False).repo_info("gpt2")


def test_default_endpoint_is_local() -> None:
    assert HfApi(token=False).endpoint.startswith("http://127.0.0.1:")
