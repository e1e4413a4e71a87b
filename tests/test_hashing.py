"""The input hash that pairs a submitted log's items with the re-run's items."""

import re
from typing import Any

import pytest
from inspect_ai._util.content import ContentImage, ContentText
from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

from checks.reproduce.hashing import canonical_input, input_hash

QUESTION = "Which gas makes up most of Earth's atmosphere?"


def test_hash_is_sixteen_hex_digits() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", input_hash(QUESTION))


def test_hash_is_stable_across_runs() -> None:
    # sha256 of the JSON string literal, so a change of canonical form fails here.
    assert input_hash("What is 2+2?") == "1d241cb92db797a8"


# Inspect turns a string input into one user message, so both hash alike.


@pytest.mark.parametrize(
    "same_input",
    [
        [ChatMessageUser(content=QUESTION)],
        [ChatMessageUser(content=[ContentText(text=QUESTION)])],
        [ChatMessageUser(content=QUESTION, source="input", metadata={"row": 3})],
        [{"role": "user", "content": QUESTION, "id": "abc"}],
    ],
)
def test_single_user_message_hashes_like_text(same_input: Any) -> None:
    assert input_hash(same_input) == input_hash(QUESTION)


def test_message_ids_are_ignored() -> None:
    first = [ChatMessageSystem(content="Be brief."), ChatMessageUser(content=QUESTION)]
    second = [ChatMessageSystem(content="Be brief."), ChatMessageUser(content=QUESTION)]
    assert first[1].id != second[1].id
    assert input_hash(first) == input_hash(second)


def test_objects_and_dicts_hash_alike() -> None:
    messages = [ChatMessageSystem(content="Be brief."), ChatMessageUser(content=QUESTION)]
    dicts = [message.model_dump(mode="json") for message in messages]
    assert input_hash(messages) == input_hash(dicts)


@pytest.mark.parametrize(
    "other_input",
    [
        QUESTION + " ",
        QUESTION.lower(),
        [ChatMessageSystem(content="Be brief."), ChatMessageUser(content=QUESTION)],
        [ChatMessageUser(content=QUESTION), ChatMessageAssistant(content="Nitrogen")],
        [ChatMessageUser(content=[ContentText(text=QUESTION), ContentImage(image="data:image/png;base64,AAAA")])],
        [ChatMessageUser(content=[ContentText(text=QUESTION), ContentText(text="Answer with one word.")])],
    ],
)
def test_different_inputs_hash_differently(other_input: Any) -> None:
    assert input_hash(other_input) != input_hash(QUESTION)


def test_image_content_is_part_of_hash() -> None:
    first = [ChatMessageUser(content=[ContentText(text=QUESTION), ContentImage(image="data:image/png;base64,AAAA")])]
    second = [ChatMessageUser(content=[ContentText(text=QUESTION), ContentImage(image="data:image/png;base64,BBBB")])]
    assert input_hash(first) != input_hash(second)


def test_canonical_form_keeps_roles() -> None:
    messages = [ChatMessageSystem(content="Be brief."), ChatMessageUser(content=QUESTION)]
    assert canonical_input(messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": QUESTION},
    ]


@pytest.mark.parametrize("bad_input", [None, 42, {"role": "user"}, [42], [None]])
def test_bad_input_raises_type_error(bad_input: Any) -> None:
    with pytest.raises(TypeError):
        input_hash(bad_input)
