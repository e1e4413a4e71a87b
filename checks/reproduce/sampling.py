"""Seeded item draws, so anyone can redo the same re-run from the same pull request.

The seed is a hash of (model repo, head sha or file hash, dataset, task). The draw is a
Fisher-Yates permutation of the benchmark's items driven by `random.Random(seed).random()`,
the one part of the `random` module whose sequence Python's documentation promises to
keep across versions (`shuffle` itself is not covered by that promise). Inspect's
`shuffle_choices` is unseeded unless a seed is passed, so the re-run passes this one.
"""

import hashlib
import random

# Seeds are kept below 2**63 so they fit a signed 64-bit integer in JSON consumers.
SEED_BITS = 63


def draw_seed(repo_id: str | None, seed_material: str, dataset_id: str, task_id: str | None) -> int:
    """Derive the seed of one entry's re-run from the values that identify it."""
    parts = [repo_id or "", seed_material, dataset_id, task_id or ""]
    # A separator that cannot occur in ids keeps ("a/b", "c") apart from ("a", "b/c").
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - SEED_BITS)


def draw_order(population: int, seed: int) -> list[int]:
    """Return a seeded permutation of the item indices 0..population-1."""
    if population < 0:
        raise ValueError(f"population '{population}' is negative; pass the number of items")
    order = list(range(population))
    generator = random.Random(seed)
    for last in range(population - 1, 0, -1):
        # A float in [0, 1) picks a position in 0..last; the bias of the float is below 2**-50.
        swap = int(generator.random() * (last + 1))
        order[last], order[swap] = order[swap], order[last]
    return order


def batches(order: list[int], batch_size: int) -> list[list[int]]:
    """Split a draw into consecutive batches of at most `batch_size` items."""
    if batch_size < 1:
        raise ValueError(f"batch size '{batch_size}' is below 1; pass a positive size")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
