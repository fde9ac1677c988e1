"""A batch as a pipeline: plan -> run -> store -> summarise (see docs/batches.md)."""
