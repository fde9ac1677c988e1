"""The summary table as text for people: percentages with intervals, dates
(``run.py summary``, the HTML report)."""

from __future__ import annotations

import pandas as pd

from sim.analysis.selection import MAX_PACT_PANELS, select_pacts


def display_table(
    table: pd.DataFrame,
    params: list[str],
    pacts: list[str],
    started: frozenset = frozenset(),
    tied: list[str] | None = None,
) -> pd.DataFrame:
    """The summary as text columns for printing and Markdown (percentages, dates); pacts
    in ``started`` (active at round 0) show P(still active at the end), not P(ever formed),
    the others P(ever formed) and P(active at the end) (a pact formed in every run may
    still lapse: F4). ``tied``: the pairs whose ``tied.`` column to show (None: all)."""
    out = pd.DataFrame({"point": table["point_id"]})
    if "scenario_value" in table and table["scenario_value"].any():
        out["point"] = [
            f"{pid} *" if own else str(pid)
            for pid, own in zip(table["point_id"], table["scenario_value"], strict=True)
        ]
    for p in params:
        out[p] = table[p].map(lambda v: f"{v:.4g}" if isinstance(v, float) else str(v))
    out["n"] = table["n"]
    out["failed"] = table["failed"]
    out["P(trilateral) [95% CI]"] = [
        f"{p:.1%} [{lo:.1%}, {hi:.1%}]" if pd.notna(p) else "–"
        for p, lo, hi in zip(
            table["p_target"], table["p_target_lo"], table["p_target_hi"], strict=True
        )
    ]
    counts = table["median_n"] if "median_n" in table else pd.Series(pd.NA, index=table.index)
    out["median formation"] = [
        f"{d} (round {r:g}; of {k} runs)" if pd.notna(r) else "never"
        for d, r, k in zip(table["median_date"], table["median_round"], counts, strict=True)
    ]
    for pact in pacts:
        col, name = f"p.{pact}", f"P({pact})"
        if pact in started and f"p_end.{pact}" in table:
            col, name = f"p_end.{pact}", f"P({pact} still active)"
        if col in table:
            out[name] = table[col].map(lambda v: f"{v:.1%}" if pd.notna(v) else "–")
        if pact not in started and f"p_end.{pact}" in table:
            out[f"P({pact} at end)"] = table[f"p_end.{pact}"].map(
                lambda v: f"{v:.1%}" if pd.notna(v) else "–"
            )
    for col in [c for c in table.columns if c.startswith("tied.")]:
        if tied is not None and col.removeprefix("tied.") not in tied:
            continue
        label = f"tied {col.removeprefix('tied.')}"
        out[label] = table[col].map(lambda v: f"{v:.1%}" if pd.notna(v) else "–")
    return out


def summary_view(
    table: pd.DataFrame, info, runs: pd.DataFrame, params: list[str], started: frozenset
) -> tuple[pd.DataFrame, str]:
    """The summary as shown (:func:`display_table`) and a note of what it leaves out: in a
    world of many pacts (:mod:`sim.analysis.selection`) the pacts formed in no run or in
    force in every run to the end, and the pairs tied in no run or in every run at every
    point. The CSV keeps every column."""

    chosen = select_pacts(info, [runs], [info.target, *info.other_pacts])
    pacts = [p for p in info.other_pacts if p in chosen.shown]
    pairs = [c.removeprefix("tied.") for c in table.columns if c.startswith("tied.")]
    flat = []
    if len(info.pacts) > MAX_PACT_PANELS:
        flat = [p for p in pairs if table[f"tied.{p}"].isin([0.0]).all()
                or table[f"tied.{p}"].isin([1.0]).all()]  # fmt: skip
    note = chosen.note(info, width=10**6, verb="shown")  # one line per clause
    if flat:
        note += "\nnot shown, tied in no run or in every run at every point: " + ", ".join(flat)
    shown = display_table(table, params, pacts, started, [p for p in pairs if p not in flat])
    if any(p.count("-") >= 2 for p in info.other_pacts):  # another trilateral: name the target
        shown = shown.rename(columns={"P(trilateral) [95% CI]": f"P({info.target}) [95% CI]"})
    return shown, note.strip()
