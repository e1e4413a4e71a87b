"""Settings of a re-run, shared by the command line, the config file and the child process."""

from pydantic import BaseModel, Field

DEFAULT_MODEL_TEMPLATE = "hf-inference-providers/{model_id}"


class RerunOptions(BaseModel):
    """Budget and statistics settings of a re-run.

    The re-run calls a model provider and costs money, so it happens only when enabled
    (`--rerun` or `--model` on the command line, `rerun = true` in the config file).
    """

    enabled: bool = False
    # Inspect model string, or a template with `{model_id}` for the repo under review.
    model: str = DEFAULT_MODEL_TEMPLATE
    # Grader model for model-graded scorers; None means such benchmarks are not re-run.
    grader: str | None = None
    # Item and generation budgets per entry; a generation is one item in one epoch.
    max_items: int = Field(default=200, ge=1)
    max_generations: int = Field(default=800, ge=1)
    batch_size: int = Field(default=20, ge=1)
    # Equivalence tolerance in points on a 0-100 scale, and the error rate of a verdict.
    delta: float = Field(default=3.0, gt=0, le=100)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    # Wall-clock limit of the child process that runs one entry, in seconds.
    timeout: float = Field(default=1800.0, gt=0)

    def model_for(self, model_id: str | None) -> str | None:
        """Return the Inspect model string for a repo, or None when it needs a repo id."""
        if "{model_id}" in self.model:
            return None if model_id is None else self.model.format(model_id=model_id)
        return self.model
