"""Synthetic batch directories for the analysis, plot and sensitivity tests.

A toy stochastic process (not the model) produces runs and series tables with the
columns of docs/results_schema.md, so the readers can be tested without running Mesa:
CHN-PRK is a treaty from round 0; RUS-PRK forms early and may lapse; CHN-RUS forms a
partnership sometimes; the trilateral pact forms with a monthly hazard that grows with
the design parameter `states.CHN.weights.security`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

STATES = ["CHN", "RUS", "PRK"]
PACTS = ["CHN-RUS", "CHN-PRK", "RUS-PRK", "CHN-RUS-PRK"]
TERMS = ["security", "us_ties", "regional_influence", "economy"]
LEVELS = ["partnership", "treaty"]
P1 = "states.CHN.weights.security"
P2 = "states.RUS.weights.us_ties"
P3 = "negotiation.temperature"


def scenario_info(start: str = "2024-01", checkpoints=(18,)) -> dict:
    """The manifest's scenario_info for the toy scenario."""
    return {
        "states": STATES,
        "pacts": PACTS,
        "target": "CHN-RUS-PRK",
        "levels": ["none", *LEVELS],
        "start": start,
        "checkpoints": list(checkpoints),
        "drivers": ["war_intensity"],
        "terms": TERMS,
    }


def write_batch(path: Path, runs: pd.DataFrame, series: pd.DataFrame | None, manifest: dict):
    """Write runs (and series) as Parquet parts and the manifest, as a batch would."""
    path = Path(path)
    (path / "runs").mkdir(parents=True, exist_ok=True)
    half = len(runs) // 2  # two parts, to check the readers concatenate them
    runs.iloc[:half].to_parquet(path / "runs" / "part-0000.parquet", index=False)
    runs.iloc[half:].to_parquet(path / "runs" / "part-0001.parquet", index=False)
    if series is not None:
        (path / "series").mkdir(exist_ok=True)
        series.to_parquet(path / "series" / "part-0000.parquet", index=False)
    (path / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return path


def design_points(shape: str, n_sobol: int = 16) -> tuple[list[dict], dict]:
    """Design points and the manifest['design'] entry for a design shape."""
    if shape == "single":
        return [{}], {"kind": "grid", "parameters": {}, "points": 1}
    if shape == "sweep":
        values = [0.0, 0.25, 0.5, 0.75, 1.0]
        return [{P1: v} for v in values], {"kind": "grid", "parameters": {P1: values}}
    if shape == "grid2":
        a, b = [0.0, 0.5, 1.0], [0.2, 0.6]
        pts = [{P1: x, P2: y} for x in a for y in b]
        return pts, {"kind": "grid", "parameters": {P1: a, P2: b}}
    problem = {"num_vars": 3, "names": [P1, P2, P3], "bounds": [[0, 1], [0, 1], [0.1, 2]]}
    if shape == "many":
        rng = np.random.default_rng(1)
        pts = [
            {
                n: float(rng.uniform(*b))
                for n, b in zip(problem["names"], problem["bounds"], strict=True)
            }
            for _ in range(8)
        ]
        return pts, {
            "kind": "lhs",
            "parameters": {n: b for n, b in zip(problem["names"], problem["bounds"], strict=True)},
        }
    from SALib.sample import sobol

    x = sobol.sample(problem, n_sobol, calc_second_order=False, seed=3)
    pts = [dict(zip(problem["names"], map(float, row), strict=True)) for row in x]
    return pts, {
        "kind": "sobol",
        "parameters": problem["names"],
        "problem": problem,
        "samples": n_sobol,
        "second_order": False,
    }


def _simulate(rng: np.random.Generator, params: dict, rounds: int) -> np.ndarray:
    """Levels (rounds x pacts) of one toy run."""
    lev = np.zeros((rounds, len(PACTS)), dtype=int)
    lev[:, 1] = 2  # CHN-PRK treaty throughout
    t_rp = int(rng.geometric(0.3)) - 1
    end_rp = t_rp + int(rng.geometric(0.06))
    lev[t_rp:end_rp, 2] = 2
    lev[t_rp : min(end_rp, t_rp + 2), 2] = 1  # partnership first, then treaty
    if rng.random() < 0.4:
        lev[int(rng.integers(0, rounds)) :, 0] = 1
    hazard = 0.002 + 0.05 * params.get(P1, 0.5) * (1 + params.get(P2, 0.5))
    t_tri = int(rng.geometric(hazard)) - 1
    if t_tri < rounds:
        lev[t_tri:, 3] = 1
    return lev


def make_runs_series(
    shape: str = "single",
    replicates: int = 20,
    rounds: int = 36,
    seed: int = 0,
    failed: int = 0,
    n_sobol: int = 16,
):
    """Runs table, series table and manifest of a toy batch of the given design shape."""
    pts, design = design_points(shape, n_sobol)
    rng = np.random.default_rng(seed)
    runs, series = [], []
    for pid, params in enumerate(pts):
        for rep in range(replicates):
            run_id = pid * replicates + rep
            lev = _simulate(rng, params, rounds)
            row = {
                "run_id": run_id,
                "point_id": pid,
                "replicate": rep,
                "seed": 1000 + rep,
                **params,
                "status": "ok",
                "error": None,
                "rounds": rounds,
            }
            active = lev > 0
            for j, pact in enumerate(PACTS):
                first = int(np.argmax(active[:, j])) if active[:, j].any() else None
                row[f"formed.{pact}"] = first is not None
                row[f"first_round.{pact}"] = first
                row[f"rounds_active.{pact}"] = int(active[:, j].sum())
                row[f"level_end.{pact}"] = int(lev[-1, j])
                row[f"active_r18.{pact}"] = bool(active[min(18, rounds - 1), j])
            row["target_formed"] = row["formed.CHN-RUS-PRK"]
            row["target_round"] = row["first_round.CHN-RUS-PRK"]
            share = np.clip(0.9 - 0.3 * (lev[:, 2] > 0) + rng.normal(0, 0.02, rounds), 0, 1)
            util = {
                s: {
                    t: rng.normal(0, 0.1, rounds).cumsum() * 0.1 + 0.2 * i
                    for i, t in enumerate(TERMS)
                }
                for s in STATES
            }
            configs = [
                ";".join(f"{p}:{LEVELS[v - 1]}" for p, v in zip(PACTS, r, strict=True) if v > 0)
                for r in lev
            ]
            row["support_share_end.PRK.CHN"] = float(share[-1])
            row["support_share_r18.PRK.CHN"] = float(share[min(18, rounds - 1)])
            for s in STATES:
                row[f"utility_end.{s}"] = float(sum(util[s][t][-1] for t in TERMS))
            row["final_pacts"] = configs[-1]
            row["final_stable"] = True
            runs.append(row)
            ser = pd.DataFrame(
                {
                    "run_id": run_id,
                    "point_id": pid,
                    "replicate": rep,
                    "seed": 1000 + rep,
                    "round": np.arange(rounds),
                }
            )
            months = np.arange(rounds)
            ser["date"] = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in months]
            for j, pact in enumerate(PACTS):
                ser[f"level.{pact}"] = lev[:, j]
            for s in STATES:
                for t in TERMS:
                    ser[f"utility.{s}.{t}"] = util[s][t]
                ser[f"utility.{s}.total"] = sum(util[s][t] for t in TERMS)
            ser["support_share.PRK.CHN"] = share
            ser["support_share.PRK.RUS"] = 1 - share
            ser["config"] = configs
            ser["stable"] = True
            series.append(ser)
    runs_df = pd.DataFrame(runs)
    for c in [c for c in runs_df if c.startswith("first_round.")] + ["target_round"]:
        runs_df[c] = runs_df[c].astype("Int64")
    if failed:
        idx = rng.choice(len(runs_df), failed, replace=False)
        runs_df.loc[idx, "status"] = "failed"
        runs_df.loc[idx, "error"] = "Traceback: toy failure"
    runs_df["error"] = runs_df["error"].astype("string")
    manifest = {
        "experiment": {"name": f"toy-{shape}"},
        "experiment_hash": "abc",
        "scenario_info": scenario_info(),
        "design": design,
        "root_seed": seed,
        "runs_total": len(runs_df),
        "runs_failed": failed,
    }
    return runs_df, pd.concat(series, ignore_index=True), manifest


def make_batch(path: Path, shape: str = "single", with_series: bool = True, **kw) -> Path:
    """Write a toy batch directory and return its path."""
    runs, series, manifest = make_runs_series(shape, **kw)
    return write_batch(path, runs, series if with_series else None, manifest)
