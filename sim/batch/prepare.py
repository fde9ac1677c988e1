"""Prepare a results directory for a session: refuse another experiment's results (or
clear them with ``--force``), extend a batch this experiment extends, set aside foreign,
corrupt or duplicate parts, and find the runs already done."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch.extend import canonical, extend, extends
from sim.batch.integrity import Design as IntegrityDesign
from sim.batch.integrity import design_values, scan
from sim.batch.manifest import Manifest
from sim.batch.manifest_read import ManifestError, read_manifest
from sim.batch.store import BatchStore, quarantine
from sim.experiment import Experiment
from sim.files import probe_writable
from sim.version import MODEL_VERSION


class BatchRefused(Exception):
    """The output directory holds results of a different experiment (and no --force)."""


@dataclass(frozen=True)
class Resume:
    """What a session starts from: the previous manifest (None for a new batch) and the
    run_ids already written."""

    previous: Manifest | None
    done: frozenset[int]


def prepare(store: BatchStore, exp: Experiment, series: bool, force: bool) -> Resume:
    """Check (or with ``force`` clear) ``store``'s directory for ``exp``, extend the batch
    ``exp`` extends, and read what is done."""
    exp_hash = exp.hash(series)
    old = _check_out_dir(
        store, exp_hash, force, partial(extends, exp=exp, series=series),
        partial(differences, exp=exp, series=series),
    )  # fmt: skip
    if old is not None and old.experiment_hash != exp_hash:
        old = extend(store, old, exp, _warn)
    return Resume(old, frozenset(_resume_state(store, exp, series)))


def check_out_dir(out: str | Path, exp_hash: str, exp: Experiment | None = None) -> None:
    """Raise :class:`BatchRefused` if ``out`` holds results of another experiment (one that
    ``exp``, given, extends is not another)."""
    extended = partial(extends, exp=exp, series=True) if exp is not None else None
    differs = partial(differences, exp=exp, series=True) if exp is not None else None
    try:
        _check_out_dir(BatchStore(out), exp_hash, False, extended, differs)
    except ManifestError as err:
        raise BatchRefused(str(err)) from None


def _check_out_dir(
    store: BatchStore, exp_hash: str, force: bool, extended: Any = None, differs: Any = None
) -> Manifest | None:
    """The previous manifest if DIR holds this experiment by this model version, or one it
    extends (``extended(old)``: more replicates, points appended); refuse (or with
    ``force`` clear) anything else, saying what differs (``differs(old)``)."""
    try:
        old = read_manifest(store.manifest_path)
    except ManifestError as err:
        if not force:
            raise BatchRefused(f"{err}; use --force to delete the results and start over") from None
        store.clear()
        _left_behind(store)
        return None
    if old is None and not store.has_results():
        return None
    same = old is not None and old.experiment_hash == exp_hash
    if same and old.model_version == MODEL_VERSION:
        return old
    if old is not None and old.model_version == MODEL_VERSION and extended and extended(old):
        return old
    if force:
        store.clear()
        _left_behind(store)
        return None
    if same:
        theirs = old.model_version or "unrecorded"
        raise BatchRefused(
            f"{store.out} holds results of model version {theirs}, this is model version "
            f"{MODEL_VERSION}; resuming would mix them: use another --out, or --force to "
            "delete them and start over"
        )
    what = "results of a different experiment"
    if old is None:
        what = "results without a manifest.json"
    elif old.experiment.get("file"):
        what = f"results of a different experiment ({old.experiment['file']})"
    found = differs(old) if old is not None and differs else []
    if found:
        what += ": " + "; ".join(found)
    raise BatchRefused(
        f"{store.out} holds {what}; use another --out, or --force to delete them "
        "(runs/, series/, manifest.json) and start over"
    )


def _json(value: Any) -> Any:
    """``value`` as it reads back from the manifest (JSON)."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def differences(old: Manifest, exp: Experiment, series: bool) -> list[str]:
    """What makes ``exp`` (run with or without ``series``) another experiment than the
    batch of manifest ``old``, in words: the parts of :meth:`Experiment.identity`."""
    was, new = old.experiment, _json(exp.resolved(series))
    found = []
    if "series" in was and bool(was["series"]) != series:
        found.append(
            "it was run with --series (add --series to resume it)" if was["series"]
            else "it was run without --series (leave out --series to resume it)"
        )  # fmt: skip
    for key in ("rounds", "replicates", "root_seed"):
        if key in was and was[key] != new[key]:
            found.append(f"{key} {was[key]} there, {new[key]} here")
    if "design" in was and canonical(was["design"]) != canonical(new["design"]):
        found.append(_design_difference(old, exp, was["design"] == new["design"]))
    if old.scenario is not None and old.scenario != _json(exp.scenario_raw):
        found.append("the scenario's content differs")
    if (old.scenarios or None) != (_json(exp.variants) or None):
        found.append("the design's scenarios differ")
    return found


def _design_difference(old: Manifest, exp: Experiment, same_values: bool) -> str:
    """Why the designs differ, in words: the values' types only (0 there, 0.0 here), the
    old points extended by points whose values change the columns' type (whole numbers
    then a fraction: not an extension, as the runs written hold integers), or otherwise."""
    if same_values:
        return (
            "the design's values differ in type (e.g. 0 there, 0.0 here; the hash tells them apart)"
        )
    points, new = old.points or [], _json(exp.design.points)
    if points and len(new) > len(points) and _json(points) == new[: len(points)]:
        return (
            "its first points are this batch's, but the points appended turn whole "
            "numbers into fractions (e.g. 0, 1 then 0.5): the runs written hold "
            "integers, so it cannot be extended"
        )
    return "the design differs"


def _left_behind(store: BatchStore) -> None:
    """After ``--force`` deleted the results: a warning naming what is left in the folder
    (summaries, plots, reports of the deleted batch, or the user's own files; nothing else
    is deleted, so nothing of theirs is lost), since it describes results that are gone."""
    kept = sorted(p.name + ("/" if p.is_dir() else "") for p in store.out.iterdir()
                  if not p.name.startswith("."))  # fmt: skip
    if kept:
        shown = ", ".join(kept[:6]) + (f" and {len(kept) - 6} more" if len(kept) > 6 else "")
        _warn(f"warning: {store.out}: --force deleted the old results (runs/, series/, "
              f"manifest.json) but left {shown}: they describe the deleted batch until "
              "summary, plot or report is run again")  # fmt: skip


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _resume_state(store: BatchStore, exp: Experiment, series: bool) -> set[int]:
    """Clean leftovers, set aside foreign/corrupt/duplicate parts; the run_ids done."""
    store.prepare_folders(series)
    for folder in (store.out, store.runs_dir, *([store.series_dir] if series else [])):
        probe_writable(folder)  # a read-only runs/ is found now, not after the first chunk
    seeds = np.asarray(exp.seeds, dtype=np.int64)
    rounds = exp.rounds if series else None  # every ok run's series rows are checked
    design = IntegrityDesign(exp.spec.replicates, exp.runs_total, seeds, rounds,
                             design_values(exp.design.points), exp.rounds)  # fmt: skip
    found = scan(store, design)
    if found.problems:
        quarantine(store, found.problems, _warn)
        found = scan(store, design)
    store.harmonize()
    return {int(i) for ids in found.run_ids.values() for i in ids}
