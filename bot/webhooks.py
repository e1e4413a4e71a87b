"""Turn Hub and GitHub webhook payloads into jobs, and check their secrets.

Parsing is lenient. A payload of an unknown kind, or one that lacks a field the bot
needs, is ignored with a reason and the server responds 2xx. Webhook senders add event
kinds and fields over time, and a 500 would only make them redeliver. The Hub's
camelCase wire names (`isPullRequest`, `updatedRefs`, `newSha`) are read here and
nowhere else.
"""

import hashlib
import hmac
import re
from typing import Any

from pydantic import BaseModel

from bot.commands import parse_command
from bot.runner import CommandRequest, Job
from bot.state import PullRequestRef

PR_REF = re.compile(r"^refs/pr/(?P<num>[1-9][0-9]*)$")
SHA = re.compile(r"^[0-9a-f]{40}$")
GITHUB_PR_ACTIONS = frozenset({"opened", "synchronize", "reopened"})
HUB_DISCUSSION_ACTIONS = frozenset({"create", "update"})


class Parsed(BaseModel):
    """The jobs a payload requests, or the reason it was ignored."""

    jobs: list[Job] = []
    ignored: str | None = None


class SecretCheck(BaseModel):
    """Outcome of a secret or signature check, as an HTTP status and a message."""

    status: int
    message: str


def dig(data: Any, *keys: str) -> Any:
    """Return `data[k1][k2]...`, or None when a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def hub_delivery_id(body: bytes) -> str:
    """Hub deliveries carry no id header; a replay sends the same bytes, so hash them."""
    return "hub-" + hashlib.sha256(body).hexdigest()[:32]


def check_hub_secret(header: str | None, secret: str) -> SecretCheck | None:
    """Compare `X-Webhook-Secret` in constant time; None when it matches."""
    if not header:
        return SecretCheck(status=401, message="missing X-Webhook-Secret header; set the webhook's secret")
    if not hmac.compare_digest(header.encode(), secret.encode()):
        return SecretCheck(status=403, message="wrong X-Webhook-Secret; use the value of WEBHOOK_SECRET")
    return None


def check_github_signature(header: str | None, body: bytes, secret: str) -> SecretCheck | None:
    """Verify `X-Hub-Signature-256` (HMAC-SHA256 of the body); None when it matches."""
    if not header:
        return SecretCheck(status=401, message="missing X-Hub-Signature-256 header; set the webhook's secret")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(header.encode(), expected.encode()):
        return SecretCheck(status=403, message="invalid X-Hub-Signature-256; use the value of GITHUB_WEBHOOK_SECRET")
    return None


def parse_hub(payload: dict[str, Any], delivery_id: str) -> Parsed:
    """Read a Hub webhook (version 3 payload): pull request events, PR pushes, comments."""
    scope, action = dig(payload, "event", "scope"), dig(payload, "event", "action")
    repo_id, repo_type = dig(payload, "repo", "name"), dig(payload, "repo", "type")
    if not isinstance(repo_id, str) or repo_type not in ("model", "dataset", "space"):
        return Parsed(ignored="payload has no repo name or type")

    if scope == "repo.content":
        return _hub_push(payload, repo_id, repo_type, delivery_id)
    if scope not in ("discussion", "discussion.comment"):
        return Parsed(ignored=f"event scope {scope!r} is not handled")
    if dig(payload, "discussion", "isPullRequest") is not True:
        return Parsed(ignored="the discussion is not a pull request")
    num = dig(payload, "discussion", "num")
    if not isinstance(num, int) or num < 1:
        return Parsed(ignored="payload has no discussion number")
    ref = PullRequestRef(platform="hub", repo_id=repo_id, num=num, repo_type=repo_type)

    if scope == "discussion":
        if action not in HUB_DISCUSSION_ACTIONS:
            return Parsed(ignored=f"discussion action {action!r} is not handled")
        return Parsed(jobs=[Job(pr=ref, delivery_id=delivery_id, event=f"discussion.{action}")])
    return _hub_comment(payload, ref, action, delivery_id)


def _hub_push(payload: dict[str, Any], repo_id: str, repo_type: str, delivery_id: str) -> Parsed:
    jobs = []
    for update in payload.get("updatedRefs") or []:
        match = PR_REF.match(str(dig(update, "ref") or ""))
        if match is None:
            continue
        new_sha = dig(update, "newSha")
        ref = PullRequestRef(platform="hub", repo_id=repo_id, num=int(match["num"]), repo_type=repo_type)
        head = new_sha if isinstance(new_sha, str) and SHA.match(new_sha) else None
        jobs.append(Job(pr=ref, head_sha=head, delivery_id=delivery_id, event="push"))
    if not jobs:
        return Parsed(ignored="no pull request ref was updated")
    return Parsed(jobs=jobs)


def _hub_comment(payload: dict[str, Any], ref: PullRequestRef, action: Any, delivery_id: str) -> Parsed:
    if action != "create":
        return Parsed(ignored=f"comment action {action!r} is not handled")
    comment_id, content = dig(payload, "comment", "id"), dig(payload, "comment", "content")
    if dig(payload, "comment", "hidden") is True:
        return Parsed(ignored="the comment is hidden")
    if not isinstance(comment_id, str) or not isinstance(content, str) or parse_command(content) is None:
        return Parsed(ignored="the comment holds no /evalbot command")
    # The payload names the author by id only; the runner reads the name from the Hub.
    command = CommandRequest(comment_id=comment_id)
    return Parsed(jobs=[Job(pr=ref, delivery_id=delivery_id, event="comment", commands=(command,))])


def parse_github(event: str | None, payload: dict[str, Any], delivery_id: str) -> Parsed:
    """Read a GitHub webhook: `pull_request` and `issue_comment` events."""
    repo_id = dig(payload, "repository", "full_name")
    if event == "ping":
        return Parsed(ignored="ping")
    if not isinstance(repo_id, str):
        return Parsed(ignored="payload has no repository.full_name")

    if event == "pull_request":
        action, num = payload.get("action"), dig(payload, "pull_request", "number")
        if action not in GITHUB_PR_ACTIONS:
            return Parsed(ignored=f"pull_request action {action!r} is not handled")
        if not isinstance(num, int):
            return Parsed(ignored="payload has no pull_request.number")
        head = dig(payload, "pull_request", "head", "sha")
        ref = PullRequestRef(platform="github", repo_id=repo_id, num=num)
        return Parsed(jobs=[Job(pr=ref, head_sha=head if isinstance(head, str) else None,
                                delivery_id=delivery_id, event=f"pull_request.{action}")])

    if event == "issue_comment":
        num, body = dig(payload, "issue", "number"), dig(payload, "comment", "body")
        if payload.get("action") != "created":
            return Parsed(ignored=f"issue_comment action {payload.get('action')!r} is not handled")
        if dig(payload, "issue", "pull_request") is None or not isinstance(num, int):
            return Parsed(ignored="the comment is not on a pull request")
        if not isinstance(body, str) or parse_command(body) is None:
            return Parsed(ignored="the comment holds no /evalbot command")
        command = CommandRequest(
            comment_id=str(dig(payload, "comment", "id")),
            author=dig(payload, "comment", "user", "login"),
            body=body,
        )
        ref = PullRequestRef(platform="github", repo_id=repo_id, num=num)
        return Parsed(jobs=[Job(pr=ref, delivery_id=delivery_id, event="comment", commands=(command,))])

    return Parsed(ignored=f"event {event!r} is not handled")
