"""A real Inspect log for the log audit tests, made offline with Inspect's `mockllm`.

The task mimics what `inspect eval hf/Idavidrein/gpqa/diamond` writes: an hf/ task name,
the benchmark as dataset location, two epochs and the `includes` scorer. The mock model
answers by question, so the scores are known without reading the log:

    Q0, Q2: correct in both epochs      -> 1.0
    Q1:     correct in its first epoch  -> 0.5 after the mean reducer
    Q3, Q4: never correct               -> 0.0

accuracy = (1 + 0.5 + 1 + 0 + 0) / 5 = 0.5.
"""

import base64
from collections import Counter
from pathlib import Path
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai._util.content import ContentImage, ContentText
from inspect_ai.model import ChatMessageUser, ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import Score, Scorer, Target, accuracy, includes, mean, scorer
from inspect_ai.solver import TaskState, generate

BENCHMARK = "Idavidrein/gpqa"
TASK_ID = "diamond"
TASK_IDS = ["diamond", "main", "extended"]
MODEL_ID = "google/gemma-4-12B-it"
TASK_NAME = f"hf/{BENCHMARK}/{TASK_ID}"
QUESTIONS = [f"Q{i}" for i in range(5)]
ACCURACY = 0.5
EPOCHS = 2


def _mock_answers() -> Any:
    calls: Counter[str] = Counter()

    def answer(messages: list[Any], tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        question = messages[-1].text
        calls[question] += 1
        correct = question in ("Q0", "Q2") or (question == "Q1" and calls[question] == 1)
        output = ModelOutput.from_content(model="mockllm", content="yes" if correct else "no")
        # A preset usage stops mockllm from counting tokens with tiktoken, which would
        # download its encoding from the internet.
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output

    return answer


def build_log(log_dir: Path) -> Path:
    """Run the mock task once and return the path of its .eval log."""
    dataset = MemoryDataset(
        [Sample(input=question, target="yes", id=f"s{i}") for i, question in enumerate(QUESTIONS)],
        name=BENCHMARK,
        location=BENCHMARK,
    )
    task = Task(
        name=TASK_NAME, dataset=dataset, solver=[generate()], scorer=includes(), epochs=EPOCHS
    )
    # mockllm takes any name after its prefix, so the log records a model string that
    # names the repo like a provider string would.
    model = get_model(f"mockllm/{MODEL_ID}", custom_outputs=_mock_answers())
    [log] = eval(task, model=model, log_dir=str(log_dir), display="none", max_samples=1)
    assert log.status == "success", log.error
    return Path(log.location)


@scorer(metrics={"correct": [accuracy()], "partial": [mean()]})
def _two_part_scorer() -> Scorer:
    """A scorer whose value is a dict, so Inspect logs one score per key."""

    async def score(state: TaskState, target: Target) -> Score:
        correct = state.output.completion == "yes"
        return Score(value={"correct": "C" if correct else "I", "partial": 0.25 if correct else 0.0})

    return score


def build_dict_scorer_log(log_dir: Path) -> Path:
    """Run the mock task with a dict-valued scorer for one epoch, and return the log's path.

    Q0 to Q2 are correct in their one epoch and Q3 is not, so `correct` has accuracy
    0.75 and `partial` has mean 0.1875.
    """
    dataset = MemoryDataset(
        [Sample(input=question, target="yes", id=f"s{i}") for i, question in enumerate(QUESTIONS[:4])],
        location=BENCHMARK,
    )
    task = Task(name=TASK_NAME, dataset=dataset, solver=[generate()], scorer=_two_part_scorer())
    model = get_model(f"mockllm/{MODEL_ID}", custom_outputs=_mock_answers())
    [log] = eval(task, model=model, log_dir=str(log_dir), display="none", max_samples=1)
    assert log.status == "success", log.error
    return Path(log.location)


IMAGE_INPUT = [
    ChatMessageUser(
        content=[
            ContentImage(image="data:image/png;base64," + base64.b64encode(bytes(range(256)) * 40).decode()),
            ContentText(text="What is shown?"),
        ]
    )
]


def build_image_log(log_dir: Path) -> Path:
    """Run one image question through the mock model and return the log's path.

    Inspect stores the image in the log as an `attachment://` reference, which the
    reader must resolve before the input hashes like the task's own sample.
    """
    dataset = MemoryDataset([Sample(input=IMAGE_INPUT, target="yes", id="image")])
    task = Task(name="image", dataset=dataset, solver=[generate()], scorer=includes())
    model = get_model(f"mockllm/{MODEL_ID}", custom_outputs=_mock_answers())
    [log] = eval(task, model=model, log_dir=str(log_dir), display="none")
    assert log.status == "success", log.error
    return Path(log.location)
