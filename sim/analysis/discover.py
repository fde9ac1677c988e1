"""Scenario discovery on a sampled design: under which combinations of assumptions does an
outcome happen? PRIM (Friedman & Fisher 1999) boxes and extra-trees feature scores, both
from the EMA Workbench (Kwakkel 2017; optional extra ``discovery``).

Cases are runs: x = the run's design values, y = its outcome (a boolean column, or a
numeric one compared with a threshold). So a box's *density* is P(outcome | inside the
box) and its *coverage* the share of all runs with the outcome that fall inside it.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.batch import Batch, BatchError, design_parameters

# The EMA Workbench drops a column named "scenario" (its own experiments' bookkeeping)
# from PRIM's and extra trees' input; a scenarios design's column goes in under this name
_EMA_SCENARIO = "scenario (name)"


def _to_ema(x: pd.DataFrame) -> pd.DataFrame:
    return x.rename(columns={"scenario": _EMA_SCENARIO})


def _from_ema(name: str) -> str:
    return "scenario" if name == _EMA_SCENARIO else name


class MissingExtra(ImportError):
    """The EMA Workbench is not installed (``pip install -e '.[discovery]'``)."""


def _ema():
    """The EMA Workbench's prim and feature_scoring modules (quietly imported)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ipyparallel/netlogo notices at import
            from ema_workbench.analysis import feature_scoring, prim
    except ImportError:
        raise MissingExtra(
            "scenario discovery needs the EMA Workbench: pip install -e '.[discovery]'"
        ) from None
    return prim, feature_scoring


@dataclass(frozen=True)
class Cases:
    """Design values per run (x), the outcome flags (y) and what y means."""

    x: pd.DataFrame
    y: np.ndarray
    label: str


def cases(batch: Batch, outcome: str, threshold: float | None = None, below: bool = False) -> Cases:
    """x, y for discovery from the successful runs of a batch; raises BatchError."""
    runs = batch.ok_runs
    if outcome not in runs:
        options = [c for c in runs.columns if c.startswith(("trilateral", "formed.", "level_"))]
        raise BatchError(f"--outcome {outcome!r}: no such runs column (e.g. {options[:6]})")
    params = design_parameters(batch.manifest, batch.runs)
    varying = [p for p in params if runs[p].nunique() > 1]
    if len(varying) < 1 or runs["point_id"].nunique() < 4:
        raise BatchError(
            "scenario discovery needs a design with varying parameters and many points"
        )
    values = runs[outcome]
    if pd.api.types.is_bool_dtype(values) and threshold is None:
        y = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
        label = f"{outcome} is {not below}"
        y = ~y if below else y
    else:
        if threshold is None:
            raise BatchError(f"--outcome {outcome!r} is numeric: give --threshold")
        num = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        y = num <= threshold if below else num >= threshold
        label = f"{outcome} {'<=' if below else '>='} {threshold:g}"
    return Cases(_design_frame(runs[varying]), y, label)


def _design_frame(x: pd.DataFrame) -> pd.DataFrame:
    """Numbers stay numbers (floats, integers); names and switches become categories."""
    out = x.reset_index(drop=True).copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]) or not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(str).astype("category")
        elif pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("int64")
        else:
            out[col] = out[col].astype("float64")
    return out


@dataclass(frozen=True)
class PrimResult:
    """PRIM's peeling trajectory, the chosen box and its limits per restricted parameter."""

    trajectory: pd.DataFrame  # box, coverage, density, mass, res_dim
    chosen: int
    limits: pd.DataFrame  # parameter, low, high, full_low, full_high (restricted only)
    base_rate: float


def run_prim(c: Cases, min_coverage: float = 0.5, box: int | None = None,
             peel_alpha: float = 0.05, mass_min: float = 0.05) -> PrimResult:  # fmt: skip
    """Find one PRIM box; choose the densest box with coverage >= ``min_coverage`` on the
    peeling trajectory (or box number ``box``)."""
    prim, _ = _ema()
    if c.y.sum() in (0, len(c.y)):
        which = "no run" if c.y.sum() == 0 else "every run"
        raise BatchError(f"{which} has {c.label}: nothing to discover")
    kwargs = {"peel_alpha": peel_alpha, "mass_min": mass_min}
    if "threshold" in inspect.signature(prim.Prim.__init__).parameters:
        # EMA 2.x: cases are y >= threshold and a box is kept if its density reaches it; a
        # tiny threshold counts the 1s and always keeps the box (we choose on the trajectory)
        kwargs["threshold"] = 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = prim.Prim(_to_ema(c.x), c.y.astype(int), **kwargs).find_box()
    traj = found.peeling_trajectory.reset_index(drop=True)
    traj = traj.rename(columns={"id": "box"})[["box", "coverage", "density", "mass", "res_dim"]]
    traj["box"] = np.arange(len(traj))
    chosen = box if box is not None else choose_box(traj, min_coverage)
    if not 0 <= chosen < len(traj):
        raise BatchError(f"--box {chosen}: expected 0..{len(traj) - 1}")
    limits = box_limits(found.box_lims[chosen], found.box_lims[0])
    limits["parameter"] = limits["parameter"].map(_from_ema)
    return PrimResult(traj, chosen, with_drop_effect(limits, c), float(c.y.mean()))


def choose_box(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest box with coverage >= min_coverage (fewest restrictions on ties)."""
    ok = trajectory[trajectory["coverage"] >= min_coverage]
    if ok.empty:
        ok = trajectory.iloc[[0]]
    best = ok.sort_values(["density", "res_dim"], ascending=[False, True], kind="stable")
    return int(best["box"].iloc[0])


def box_limits(lims: pd.DataFrame, full: pd.DataFrame) -> pd.DataFrame:
    """Limits of the restricted parameters: numeric low/high, or the kept categories."""
    rows = []
    for col in lims.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        flo, fhi = full[col].iloc[0], full[col].iloc[1]
        if isinstance(lo, set | frozenset):
            if set(lo) != set(flo):
                rows.append({"parameter": col, "low": np.nan, "high": np.nan,
                             "full_low": np.nan, "full_high": np.nan,
                             "values": ", ".join(sorted(map(str, lo)))})  # fmt: skip
        elif (lo, hi) != (flo, fhi):
            rows.append({"parameter": col, "low": float(lo), "high": float(hi),
                         "full_low": float(flo), "full_high": float(fhi),
                         "values": ""})  # fmt: skip
    cols = ["parameter", "low", "high", "full_low", "full_high", "values"]
    return pd.DataFrame(rows, columns=cols)


def _inside(x: pd.DataFrame, limits: pd.DataFrame, skip: str | None = None) -> np.ndarray:
    """Runs inside the box given by ``limits`` (one restriction left out if ``skip``)."""
    mask = np.ones(len(x), dtype=bool)
    for r in limits.itertuples(index=False):
        if r.parameter == skip:
            continue
        col = x[r.parameter]
        if r.values:
            mask &= col.astype(str).isin(r.values.split(", ")).to_numpy()
        else:
            v = col.to_numpy(dtype=float)
            mask &= (v >= r.low) & (v <= r.high)
    return mask


def with_drop_effect(limits: pd.DataFrame, c: Cases) -> pd.DataFrame:
    """Add, per restriction, the box's density and coverage without it: a restriction
    whose removal leaves the density unchanged is not what makes the outcome likely."""
    out = limits.copy()
    dens, cov = [], []
    for name in out["parameter"]:
        inside = _inside(c.x, limits, skip=name)
        dens.append(float(c.y[inside].mean()) if inside.any() else np.nan)
        cov.append(float(c.y[inside].sum() / c.y.sum()))
    out["density_without"], out["coverage_without"] = dens, cov
    return out


def feature_scores(c: Cases, seed: int = 1) -> pd.DataFrame:
    """Extra-trees importances of each parameter for the outcome (sum to 1), highest first."""
    _, fs = _ema()
    x = _to_ema(c.x)
    for col in x.columns:  # extra trees want numbers: categories as their codes
        if isinstance(x[col].dtype, pd.CategoricalDtype):
            x[col] = x[col].cat.codes
    # EMA's default max_features, round(n / 3), is 0 for one parameter (a one-parameter
    # grid, a scenarios design), which sklearn refuses: at least 1
    max_features = max(1, round(x.shape[1] / 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _forest = fs.get_ex_feature_scores(
            x, c.y.astype(int), mode=fs.RuleInductionType.CLASSIFICATION,
            max_features=max_features, random_state=seed,
        )  # fmt: skip
    out = scores.iloc[:, 0].rename("importance").rename_axis("parameter").reset_index()
    out["parameter"] = out["parameter"].map(_from_ema)
    return out.sort_values("importance", ascending=False, ignore_index=True)
