"""Peak memory of a batch of N runs: the parent process and its worker processes.

    python benchmarks/memory_batch.py N [--workers 2] [--rounds 84] [--series] [--engine E]

The parent writes each chunk as it arrives and keeps no per-round data, so its peak should
not grow with N. Children's peak is the largest worker's (getrusage(RUSAGE_CHILDREN) after
the workers and the forkserver have exited).
"""

from __future__ import annotations

import math
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import write_experiment
from sim.batch.session import run_batch
from sim.commands import OneLineParser, whole_number
from sim.experiment import load_experiment


def _mib(kib: int) -> float:
    return kib / 1024  # Linux reports ru_maxrss in KiB


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=int, help="number of runs (10 design points x N/10 seeds)")
    parser.add_argument("--workers", type=whole_number(1), default=2)
    parser.add_argument("--rounds", type=whole_number(1), default=84)
    parser.add_argument("--series", action="store_true")
    parser.add_argument("--engine", default=None, help="mesa or lockstep (default: batch's)")
    parser.add_argument("--out", type=Path, default=None, help="keep results here")
    args = parser.parse_args()
    points = min(10, args.runs)
    replicates = math.ceil(args.runs / points)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_experiment(Path(tmp), points, replicates, args.rounds, args.engine)
        exp = load_experiment(path)
        before = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        cpu_before = _cpu(resource.RUSAGE_SELF)
        start = time.perf_counter()
        result = run_batch(
            exp, args.out or Path(tmp) / "out", workers=args.workers, series=args.series,
            progress=sys.stderr.isatty(),
        )  # fmt: skip
        seconds = time.perf_counter() - start
        parent_cpu = _cpu(resource.RUSAGE_SELF) - cpu_before
    try:  # reap the forkserver so its workers' usage shows in RUSAGE_CHILDREN
        from multiprocessing import forkserver

        forkserver._forkserver._stop()
    except (ImportError, AttributeError, OSError):
        pass
    parent = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    children = _mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    engine = args.engine or "default"
    print(
        f"runs: {result.runs_done} ({result.runs_failed} failed) in {seconds:.2f} s "
        f"= {result.runs_done / seconds:.1f} runs/s, {args.workers} workers, "
        f"{args.rounds} rounds, series={args.series}, engine={engine}"
    )
    print(f"parent peak RSS:   {parent:8.1f} MiB (after imports, before the batch: {before:.1f})")
    print(f"children peak RSS: {children:8.1f} MiB (largest worker)")
    print(
        f"CPU: parent {parent_cpu:.1f} s (writing parts, summarising, unpickling), "
        f"workers and forkserver {_cpu(resource.RUSAGE_CHILDREN):.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
