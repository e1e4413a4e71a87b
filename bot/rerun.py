"""Re-run a benchmark's Inspect task on a seeded sample of its items, per entry.

The parent side of the re-run: decide which entries cannot be re-run (and say why),
fetch the split's data files through `huggingface_hub` or from a local benchmarks folder,
then run each entry in a child process (`python -m checks.reproduce.child`) that holds
no write token, and write its verdict into the report.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from checks.reproduce.options import RerunOptions

if TYPE_CHECKING:
    from checks.validate import ValidationResult

logger = logging.getLogger(__name__)

CHILD_MODULE = "checks.reproduce.child"


class RerunContext(BaseModel):
    """Where a re-run gets its seed, its data and its child process."""

    model_config = ConfigDict(frozen=True)

    # The model repo under review, e.g. "google/gemma-4-12B-it"; None for local checks.
    repo_id: str | None = None
    # Seed material: the pull request's head sha, or a hash of the results files for
    # local checks, so anyone can redo the same item draw.
    seed_material: str
    # Hub endpoint and a read-only token for dataset downloads. The token never reaches
    # the child process.
    endpoint: str | None = None
    token: str | None = None
    # Local benchmarks folder (`--benchmarks DIR`): specs at DIR/<org>/<name>/eval.yaml
    # with the data files beside them. When set, nothing is downloaded.
    benchmarks_dir: Path | None = None
    # Download cache for data files; None uses huggingface_hub's default cache.
    cache_dir: Path | None = None
    # Command that starts the child; tests replace it to simulate a crash or a hang.
    child_command: tuple[str, ...] = (sys.executable, "-m", CHILD_MODULE)


def reproduce(result: ValidationResult, options: RerunOptions, context: RerunContext) -> None:
    """Re-run every entry of `result.report` that can be re-run, in place.

    Sets `EntryReport.reproduction` on each entry of an Inspect benchmark, adds a
    `reproduce.*` finding where the verdict is inconsistent, inconclusive or not-run, and
    appends a `BotError` to the report when the child process crashes, hangs or times out.
    Never raises for a problem of one entry.
    """
    raise NotImplementedError("the re-run is being built; pass reproducer=None until it lands")
