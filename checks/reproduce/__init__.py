"""Re-running a benchmark's Inspect task on a seeded sample and judging the claim."""
