"""A real Inspect log for the log audit tests, made offline with Inspect's `mockllm`.

The task mimics what `inspect eval hf/Idavidrein/gpqa/diamond` writes: an hf/ task name,
the benchmark as dataset location, two epochs and the `includes` scorer. The mock model
answers by question, so the scores are known without reading the log:

    Q0, Q2: correct in both epochs      -> 1.0
    Q1:     correct in its first epoch  -> 0.5 after the mean reducer
    Q3, Q4: never correct               -> 0.0

accuracy = (1 + 0.5 + 1 + 0 + 0) / 5 = 0.5.
"""

from collections import Counter
from pathlib import Path
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import generate

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
