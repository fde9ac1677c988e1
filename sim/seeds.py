"""Replicate seeds for experiment batches (common random numbers).

Replicate ``k`` gets the same seed at every design point, so differences between points
are not blurred by different random draws. Seeds come from ``numpy.random.SeedSequence``
spawned from the experiment's ``root_seed``: independent streams, reproducible, and all
derived in the parent before any parallel work starts.
"""

from __future__ import annotations

import numpy as np

INT63 = (1 << 63) - 1


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Seeds for replicates ``0..replicates-1``: non-negative int64 values (fit a Parquet int64).

    Child ``i`` is built directly as ``SeedSequence(root_seed, spawn_key=(i,))``, which is
    what ``SeedSequence(root_seed).spawn(n)[i]`` is, one at a time: spawning 10^5 children
    at once held ~40 MiB of SeedSequence objects, the only part of a batch's parent memory
    that grew with its size."""
    return [
        int(np.random.SeedSequence(root_seed, spawn_key=(i,)).generate_state(1, np.uint64)[0])
        & INT63
        for i in range(replicates)
    ]
