"""A stable hash of a sample's input, so items of two runs can be paired.

A submitted Inspect log and the bot's own re-run build their samples separately, and
sample ids are not reliable across them (one run may number items, another may use the
dataset's ids). The input itself is the same, so both sides key per-item scores by
`input_hash(sample.input)`.

The hash covers what the model is shown and nothing else: message ids, `source`,
`metadata` and provider `internal` fields differ between runs of the same item, so they
are left out. A list holding one user message with plain text hashes like that text,
because Inspect turns a string input into exactly such a message before it generates.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

HASH_LENGTH = 16

# Fields of a content part that vary between runs of the same item, or that only
# carry provider bookkeeping.
_VOLATILE_CONTENT_FIELDS = {"internal", "cache_breakpoint", "citations", "refusal"}

SampleInput = str | Sequence[BaseModel | Mapping[str, Any]]


def input_hash(sample_input: SampleInput) -> str:
    """Return the first 16 hex digits of the sha256 of the input's canonical JSON.

    Args:
        sample_input: a sample's `input`: the prompt text, or a list of chat messages
            (`inspect_ai.model.ChatMessage` objects or their JSON dicts).

    Raises:
        TypeError: when the input is neither a string nor a list of messages.
    """
    canonical = json.dumps(
        canonical_input(sample_input),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def canonical_input(sample_input: SampleInput) -> str | list[dict[str, Any]]:
    """Reduce an input to the JSON value that `input_hash` hashes."""
    if isinstance(sample_input, str):
        return sample_input
    if not isinstance(sample_input, Sequence):
        raise TypeError(
            f"Sample input of type '{type(sample_input).__name__}' cannot be hashed. "
            "Pass the prompt text or a list of chat messages."
        )

    messages = [_canonical_message(message) for message in sample_input]
    if len(messages) == 1 and messages[0]["role"] == "user":
        text = _plain_text(messages[0]["content"])
        if text is not None:
            return text
    return messages


def _canonical_message(message: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(message, BaseModel):
        data = message.model_dump(mode="json", exclude_none=True)
    elif isinstance(message, Mapping):
        data = dict(message)
    else:
        raise TypeError(
            f"Chat message of type '{type(message).__name__}' cannot be hashed. "
            "Pass inspect_ai ChatMessage objects or their JSON dicts."
        )

    canonical: dict[str, Any] = {
        "role": data.get("role"),
        "content": _canonical_content(data.get("content", "")),
    }
    # Few-shot inputs may contain assistant tool calls, whose ids are run-specific.
    tool_calls = data.get("tool_calls")
    if tool_calls:
        canonical["tool_calls"] = [
            {"function": call.get("function"), "arguments": call.get("arguments")}
            for call in tool_calls
        ]
    return canonical


def _canonical_content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return [_canonical_part(part) for part in content]
    return content


def _canonical_part(part: Any) -> Any:
    if isinstance(part, BaseModel):
        part = part.model_dump(mode="json", exclude_none=True)
    if not isinstance(part, Mapping):
        return part
    return {
        key: value
        for key, value in part.items()
        if key not in _VOLATILE_CONTENT_FIELDS and value is not None
    }


def _plain_text(content: Any) -> str | None:
    """Return the text of content that is a string or a single text part, else None."""
    if isinstance(content, str):
        return content
    if len(content) == 1 and isinstance(content[0], Mapping):
        part = content[0]
        if part.get("type") == "text" and isinstance(part.get("text"), str):
            return part["text"]
    return None
