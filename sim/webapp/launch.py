"""Starting a batch from the app, the way NetLogo's BehaviorSpace runs an experiment from
its GUI: the request (a small grid over one headline parameter of a scenario, or a shipped
experiment such as the what-if library), the experiment file it writes, the batch command
run in a separate process (the page never waits on it), and its progress read from disk
(the manifest's planned runs, the rows of the Parquet parts written so far).

No widgets here: the "Run a batch" page (:mod:`sim.webapp.batch_page`) calls these.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SMALL_GRID = "a small grid (below)"
MAX_RUNS = 20_000  # a "small" batch from the page


class RequestError(ValueError):
    """A request that cannot be run (one line for the page)."""


@dataclass(frozen=True)
class BatchRequest:
    """A batch to start: ``experiment`` is SMALL_GRID or a shipped experiment's name."""

    experiment: str = SMALL_GRID
    scenario: str = "korea_2024"
    parameter: str = "chn_us_ties"
    values: str = "0, 0.2, 0.45"
    replicates: int = 20
    rounds: int = 24
    out: str = "results/app_batch"


def parse_values(text: str) -> list[float]:
    """'0, 0.2, 0.45' -> [0.0, 0.2, 0.45] (RequestError naming the bad item)."""
    out = []
    for item in (t.strip() for t in text.replace(";", ",").split(",")):
        if not item:
            continue
        try:
            out.append(float(item))
        except ValueError:
            raise RequestError(f"values: {item!r} is not a number (e.g. 0, 0.2, 0.45)") from None
    if not out:
        raise RequestError("values: give at least one value (e.g. 0, 0.2, 0.45)")
    return out


def headline_path(scenario: str, key: str) -> str:
    from sim.scenarios import scenario_headlines

    paths = {h.key: h.path for h in scenario_headlines(scenario)}
    if key not in paths:
        raise RequestError(f"parameter {key!r}: expected one of {', '.join(paths)}")
    return paths[key]


def experiment_file(req: BatchRequest) -> Path:
    """The experiment file to run: a shipped one, or a grid written beside the output
    (``<out>.toml``). Raises RequestError or ConfigError."""
    from sim import api

    if req.experiment != SMALL_GRID:
        path = api.experiment_path(req.experiment)
        if not path.is_file():
            raise RequestError(f"experiment {req.experiment!r}: no such shipped experiment")
        return path
    values = parse_values(req.values)
    if not req.replicates >= 1 or not req.rounds >= 1:
        raise RequestError("replicates and months must be at least 1")
    if len(values) * req.replicates > MAX_RUNS:
        raise RequestError(f"{len(values) * req.replicates:,} runs: the page starts batches of "
                           f"at most {MAX_RUNS:,} (use python run.py batch)")  # fmt: skip
    out = Path(req.out)
    return api.write_experiment(
        out.parent / f"{out.name}.toml", {headline_path(req.scenario, req.parameter): values},
        scenario=req.scenario, replicates=req.replicates, rounds=req.rounds,
    )  # fmt: skip


def batch_command(experiment: Path, out: str) -> list[str]:
    """``run.py batch EXP --out DIR --quiet`` in this Python (works in an installed copy)."""
    code = "import sys; from sim.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, "batch", str(experiment), "--out", out, "--quiet"]


@dataclass(frozen=True)
class Job:
    """A running batch: its process, output directory and error log."""

    process: subprocess.Popen
    out: Path
    log: Path
    command: str


def start(req: BatchRequest) -> Job:
    """Write the experiment and start the batch in its own process."""
    experiment = experiment_file(req)
    log = Path(tempfile.mkstemp(prefix="app-batch-", suffix=".log")[1])
    argv = batch_command(experiment, req.out)
    with log.open("w") as err:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
    shown = f"python run.py batch {experiment} --out {req.out}"
    return Job(process, Path(req.out), log, shown)


def progress(out: Path) -> tuple[int, int | None]:
    """(runs written, runs planned or None) of a batch directory, read from disk."""
    import pyarrow.parquet as pq

    try:
        total = json.loads((out / "manifest.json").read_text()).get("runs_total")
    except (OSError, ValueError):
        total = None
    done = 0
    for part in (out / "runs").glob("part-*.parquet"):
        try:
            done += pq.read_metadata(part).num_rows
        except (OSError, ValueError):  # a part being written or set aside
            continue
    return done, total if isinstance(total, int) else None


def outcome(job: Job) -> str:
    """'' if the batch finished, else its last error line."""
    if job.process.returncode == 0:
        return ""
    lines = [ln for ln in job.log.read_text(errors="replace").splitlines() if ln.strip()]
    return lines[-1] if lines else f"the batch stopped with exit code {job.process.returncode}"


__all__ = ["SMALL_GRID", "BatchRequest", "Job", "RequestError", "experiment_file", "outcome",
           "parse_values", "progress", "start"]  # fmt: skip
