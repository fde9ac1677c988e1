"""The one description of every output table: column name (or family), type, meaning, unit.

Storage takes its dtypes from here, the analysis layer its outcome/bookkeeping columns, and
``docs/results_schema.md`` its tables (regenerate with ``python -m sim.results_schema``;
a test checks the doc is up to date). A column family is written with placeholders in
angle brackets, e.g. ``formed.<PACT>``; adding a family is one :class:`Column` line.

Placeholders: ``<PACT>`` a pact key (member codes joined by ``-``), ``<STATE>``/``<CLIENT>``/
``<PATRON>`` a state code, ``<C>`` a checkpoint round, ``<NAME>``/``<driver>`` a driver name,
``<TERM>`` a utility term, ``<level>`` a level name. Examples name no scenario: ``{A}``, ``{B}``,
``{C}``, ``{TOP}`` are filled in from the default scenario for the doc (:func:`examples`).
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_CODE = r"[A-Z][A-Z0-9_]*"
_LOWER = r"[a-z][a-z0-9_]*"
_PLACEHOLDERS = {
    "PACT": rf"{_CODE}(?:-{_CODE})+",
    "STATE": _CODE,
    "CLIENT": _CODE,
    "PATRON": _CODE,
    "C": r"\d+",
    "NAME": _LOWER,
    "driver": _LOWER,
    "TERM": _LOWER,
    "level": _LOWER,
    "ACTION": rf"{_LOWER}\.{_CODE}>{_CODE}",
    "PAIR": rf"{_CODE}-{_CODE}",
    "CLASS": _LOWER,
}


@dataclass(frozen=True)
class Column:
    """One column, or a family of columns when ``name`` holds ``<PLACEHOLDERS>``.

    dtype is the pandas dtype (``Int64``/``boolean``/``string`` are the nullable ones);
    ``design`` marks the family of design-parameter columns (named by the experiment).
    """

    name: str
    dtype: str
    meaning: str
    unit: str = ""
    design: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        """Regular expression matching the column names of this family."""
        parts = re.split(r"<([A-Za-z]+)>", self.name)
        regex = "".join(
            re.escape(p) if i % 2 == 0 else f"(?:{_PLACEHOLDERS[p]})" for i, p in enumerate(parts)
        )
        return re.compile(regex)

    def matches(self, column: str) -> bool:
        return not self.design and self.pattern.fullmatch(column) is not None


ID = (
    Column("run_id", "int64", "unique within the batch: `point_id * replicates + replicate`"),
    Column("point_id", "int64", "design point (0-based)"),
    Column(
        "replicate",
        "int64",
        "replicate index; the same replicate uses the same seed at every point",
    ),
    Column(
        "seed",
        "int64",
        "the run's seed; `run.py simulate --seed SEED` with the point's `--set` reproduces it",
    ),
)
ID_COLUMNS = tuple(c.name for c in ID)

# Outcome columns are nullable because a failed run has none; so every part has the same
# types whether or not it holds failures.
RUNS = (
    *ID,
    Column(
        "<dotted.path>",
        "float64",
        "one column per design parameter, e.g. `states.{A}.weights.us_ties`; it keeps the "
        "values' type: int64, string (a level name, a month) or boolean for such values",
        "the parameter's",
        design=True,
    ),
    Column(
        "scenario",
        "string",
        "with a design over named scenarios: the scenario file's name (without `.toml`)",
        design=True,
    ),
    Column("status", "string", "`ok` or `failed`"),
    Column("error", "string", "traceback of a failed run, null otherwise"),
    Column("rounds", "Int64", "rounds simulated", "round"),
    Column(
        "target_formed",
        "boolean",
        "the target pact (all target members, at least the target level) ever active",
    ),
    Column("target_round", "Int64", "first round it was active; null (censored) if never", "round"),
    Column("formed.<PACT>", "boolean", "pact ever active"),
    Column(
        "first_round.<PACT>",
        "Int64",
        "first round the pact was active (null if never; 0 if active at start)",
        "round",
    ),
    Column(
        "first_round.<PACT>.<level>",
        "Int64",
        "first round the pact was at that level or higher (null if never; 0 if at start)",
        "round",
    ),
    Column("rounds_active.<PACT>", "Int64", "rounds the pact was active", "round"),
    Column("level_end.<PACT>", "Int64", "level after the last round (0 = none)", "level"),
    Column(
        "talks_opened.<PACT>",
        "Int64",
        "talks towards forming or upgrading the pact opened during the run",
        "talks",
    ),
    Column("talks_failed.<PACT>", "Int64", "talks that ended in a walk-out", "talks"),
    Column(
        "active_r<C>.<PACT>",
        "boolean",
        "pact active after round C, for each checkpoint C of the scenario (default 18)",
    ),
    Column("level_r<C>.<PACT>", "Int64", "level after checkpoint round C", "level"),
    Column(
        "min_level_r<C>.<PACT>", "Int64", "lowest level from the start through round C", "level"
    ),
    Column(
        "max_level_r<C>.<PACT>", "Int64", "highest level from the start through round C", "level"
    ),
    Column(
        "switch_round.<driver>",
        "Int64",
        "first round the driver switched regime (e.g. a ceasefire); null if never",
        "round",
    ),
    Column(
        "support_share_end.<CLIENT>.<PATRON>",
        "float64",
        "share of CLIENT's external support that comes from PATRON after the last round "
        "(NaN if CLIENT has no support)",
        "share",
    ),
    Column(
        "support_share_r<C>.<CLIENT>.<PATRON>",
        "float64",
        "the same after checkpoint round C",
        "share",
    ),
    Column("utility_end.<STATE>", "float64", "total utility after the last round", "utility"),
    Column(
        "final_pacts",
        "string",
        "e.g. `{A}-{C}:{TOP};{B}-{C}:{TOP}` (empty string if none)",
    ),
    Column(
        "final_stable",
        "boolean",
        "no member gains by leaving and no coalition gains by forming or upgrading",
    ),
    Column(
        "action_count.<ACTION>",
        "Int64",
        "times the action `KIND.ACTOR>RECIPIENT` was taken (model v3; each possible one)",
        "actions",
    ),
    Column(
        "action_first.<ACTION>",
        "Int64",
        "first round the action was in force (0 if in force at the start); null if never",
        "round",
    ),
    Column("action_months.<ACTION>", "Int64", "months the action was in force", "months"),
    Column("affinity_end.<PAIR>", "float64", "the pair's affinity after the last round", "-1..1"),
)

SERIES = (
    Column("run_id", "int64", "as in `runs` (also `point_id`, `replicate`, `seed`)"),
    Column("point_id", "int64", "as in `runs`"),
    Column("replicate", "int64", "as in `runs`"),
    Column("seed", "int64", "as in `runs`"),
    Column("round", "int64", "0-based round", "round"),
    Column("date", "string", "calendar month of the round", "YYYY-MM"),
    Column("driver.<NAME>", "float64", "value of each driver this round", "driver's"),
    Column("level.<PACT>", "int64", "level of each possible pact after the round", "level"),
    Column(
        "talks.<PACT>",
        "int64",
        "level that open talks on the pact aim at after the round (0 = no talks)",
        "level",
    ),
    Column(
        "utility.<STATE>.<TERM>",
        "float64",
        "weighted utility term (`security`, `us_ties`, `regional_influence`, `economy`)",
        "utility",
    ),
    Column("utility.<STATE>.total", "float64", "sum of the weighted terms", "utility"),
    Column(
        "support_share.<CLIENT>.<PATRON>",
        "float64",
        "share of CLIENT's external support from PATRON",
        "share",
    ),
    Column("counterbalancing", "float64", "the United States' counter-balancing level", "index"),
    Column("config", "string", "the configuration label, as `final_pacts`"),
    Column("stable", "bool", "the configuration is stable (see `final_stable`)"),
    Column("proposer", "string", "state recognised this round"),
    Column(
        "proposal",
        "string",
        "the proposer's choice, e.g. `form {B}-{C} {TOP}` (opens talks), `lower {A}-{C}`, "
        "`{A} leaves {A}-{C}`, `none`",
    ),
    Column("accepted", "bool", "talks opened (form or upgrade), or the move done (lower, leave)"),
    Column("signed", "string", "pacts signed this round at the end of their talks, `;`-separated"),
    Column(
        "talks_failed",
        "string",
        "pacts whose talks failed this round (a member walked out), `;`-separated",
    ),
    Column("action.<ACTION>", "bool", "the action is in force after the round (model v3)"),
    Column("taken.<ACTION>", "bool", "the action was taken this round"),
    Column("affinity.<PAIR>", "float64", "the pair's affinity after the round", "-1..1"),
    Column(
        "events.<CLASS>.<PAIR>",
        "int64",
        "actions taken between the pair this round (either way) in CAMEO class CLASS "
        "(`material_cooperation`, `verbal_cooperation`, ...), as event data count them",
        "events",
    ),
    Column(
        "goldstein.<PAIR>",
        "float64",
        "the Goldstein (1992) sum of the pair's events this round",
        "Goldstein scale",
    ),
    Column(
        "preferred.<STATE>",
        "string",
        "single runs (`run.py simulate --series`) only: the configuration the state would "
        "most prefer this round, found by enumerating all configurations",
    ),
)

SUMMARY = (
    Column("point_id", "int64", "design point (0-based)"),
    Column(
        "<dotted.path>",
        "float64",
        "value of each varying design parameter (`run.py summary`)",
        "the parameter's",
        design=True,
    ),
    Column("runs", "int64", "runs of the point written so far", "runs"),
    Column("failed", "int64", "failed runs (no outcomes)", "runs"),
    Column("n", "int64", "successful runs", "runs"),
    Column("k", "int64", "successful runs in which the target pact formed", "runs"),
    Column("p_target", "float64", "k / n (NaN if n = 0)", "share"),
    Column("p_target_lo", "float64", "lower end of its 95% Wilson interval", "share"),
    Column("p_target_hi", "float64", "upper end of its 95% Wilson interval", "share"),
    Column(
        "median_round",
        "float64",
        "`run.py summary`: median first round of the target pact among runs where it formed",
        "round",
    ),
    Column("median_date", "string", "`run.py summary`: its calendar month", "YYYY-MM"),
    Column(
        "median_n",
        "int64",
        "`run.py summary`: runs the median is over (those where the target pact formed)",
        "runs",
    ),
    Column(
        "p.<PACT>",
        "float64",
        "`run.py summary`: share of successful runs in which each other pact formed",
        "share",
    ),
    Column(
        "p_end.<PACT>",
        "float64",
        "`run.py summary`: share of successful runs in which each other pact is active at "
        "the end (shown as 'still active' for pacts the scenario starts with)",
        "share",
    ),
    Column(
        "tied.<PACT>",
        "float64",
        "`run.py summary`: per pair of states (`A-B`), share of successful runs in which "
        "some pact holding both is active at the end",
        "share",
    ),
    Column(
        "scenario_value",
        "boolean",
        "`run.py summary`: the point whose varying parameters equal the scenario's own values",
    ),
)

TABLES = {"runs": RUNS, "series": SERIES, "summary": SUMMARY}


@cache
def describe(table: str, column: str) -> Column | None:
    """The schema entry of a column of ``table`` (None: not described, e.g. a parameter)."""
    return next((c for c in TABLES[table] if c.matches(column)), None)


def merged_columns(orders: list[list[str]]) -> list[str]:
    """Every column of ``orders`` once: the first list's order, and each other column
    right after the column that precedes it in the first list holding it (or first).

    Tables of scenarios with other states or drivers have extra columns in the middle;
    merging keeps them there, so the order does not depend on how runs were grouped
    into parts (points in run order give the same merge part by part or all at once)."""
    out: list[str] = []
    seen: set[str] = set()
    for names in orders:
        for k, name in enumerate(names):
            if name in seen:
                continue
            before = next((names[j] for j in range(k - 1, -1, -1) if names[j] in seen), None)
            out.insert(0 if before is None else out.index(before) + 1, name)
            seen.add(name)
    return out


def runs_dtype(column: str) -> str | None:
    """The pandas dtype of a `runs` column, or None for a column the schema does not name."""
    entry = describe("runs", column)
    return entry.dtype if entry else None


def is_outcome_or_bookkeeping(column: str) -> bool:
    """A `runs` column the schema names (so never a design parameter)."""
    return describe("runs", column) is not None


# -- the Markdown doc ------------------------------------------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "results_schema.md"
EXAMPLE_SCENARIO = DOC.parent.parent / "configs" / "scenarios" / "korea_2024.toml"
_BLOCK = re.compile(r"(<!-- table:(\w+) -->\n).*?(<!-- end table -->)", re.DOTALL)


def examples(scenario: Path = EXAMPLE_SCENARIO) -> dict[str, str]:
    """The doc's example names: ``scenario``'s first three states and its highest level."""
    raw = tomllib.loads(scenario.read_text())
    a, b, c = list(raw["states"])[:3]
    return {"{A}": a, "{B}": b, "{C}": c, "{TOP}": raw["levels"][-1]["name"]}


def markdown_table(table: str, names: dict[str, str] | None = None) -> str:
    """The Markdown table of one output table (column, type, unit, meaning with ``names``)."""
    names = examples() if names is None else names
    lines = ["| column | type | unit | meaning |", "| --- | --- | --- | --- |"]
    for c in TABLES[table]:
        meaning = c.meaning
        for token, name in names.items():
            meaning = meaning.replace(token, name)
        lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {meaning} |")
    return "\n".join(lines) + "\n"


def render_doc(text: str) -> str:
    """``text`` with every ``<!-- table:NAME -->`` block replaced by the generated table."""
    return _BLOCK.sub(lambda m: m.group(1) + markdown_table(m.group(2)) + m.group(3), text)


def main(argv: list[str]) -> int:
    """``python -m sim.results_schema [--check]``: regenerate (or check) the doc's tables."""
    text = DOC.read_text()
    new = render_doc(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC} is out of date: run python -m sim.results_schema", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
