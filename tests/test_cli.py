"""``run.py simulate``: timeline, JSON, series files, and one-line errors for bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEFAULT_SCENARIO, ROOT, RUN_PY
from runcli import main

from sim.config import TERMS
from sim.records import action_dyads
from sim.results_schema import ID_COLUMNS, SERIES
from sim.rules.compile import compile_params
from sim.runner import model_series, run_many, run_model

DATE = re.compile(r"^\s*(\d{4}-(?:0[1-9]|1[0-2]))\s")


@pytest.fixture(scope="module")
def default(default_scenario):
    return default_scenario


# -- output --------------------------------------------------------------------------------


def test_simulate_prints_dated_timeline_and_summary(capsys, default):
    assert main(["simulate", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    dated = [m.group(1) for line in lines if (m := DATE.match(line))]
    assert len(dated) >= 3
    assert dated == sorted(dated)  # chronological
    assert dated[0] >= "2024-01" and dated[-1] <= "2030-12"
    assert "Timeline" in lines and "Summary" in lines
    assert lines.index("Timeline") < lines.index("Summary")
    summary = "\n".join(lines[lines.index("Summary") :])
    assert "trilateral CHN-RUS-PRK:" in summary
    assert "final configuration:" in summary
    # the timeline tells the first round's accepted pact of seed 3
    events = run_model(default, 3).events
    assert f"  {events[0].date}  {events[0].text}" in lines


def test_simulate_json(capsys, default):
    assert main(["simulate", "--seed", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seed"] == 3
    assert report["rounds"] == 84
    assert isinstance(report["target_formed"], bool)
    tri = report["target_round"]
    assert tri is None or (isinstance(tri, int) and 0 <= tri < 84)
    assert report["target_formed"] == (tri is not None)
    p = compile_params(default)
    assert len(report["pacts"]) == p.space.n_pacts
    for pact in report["pacts"]:
        assert {"members", "first_round", "rounds_active"} <= set(pact)
        assert "-".join(pact["members"]) in p.space.keys
        first, active = pact["first_round"], pact["rounds_active"]
        assert isinstance(active, int) and 0 <= active <= 84
        assert (first is None) == (active == 0)
        assert first is None or (isinstance(first, int) and 0 <= first < 84)
    assert isinstance(report["final_pacts"], list)
    for pact in report["final_pacts"]:
        assert set(pact) == {"members", "level"}
        assert pact["level"] in p.level_names[1:]
    # agrees with the runner's outcome for the same seed
    (run,) = run_many(default, [3])
    o = run.outcome
    assert report["target_formed"] == o["target_formed"]
    assert report["target_round"] == o["target_round"]
    for pact in report["pacts"]:
        key = "-".join(pact["members"])
        assert pact["first_round"] == o[f"first_round.{key}"]
        assert pact["rounds_active"] == o[f"rounds_active.{key}"]
    final = ";".join(f"{'-'.join(x['members'])}:{x['level']}" for x in report["final_pacts"])
    assert final == o["final_pacts"]


def _documented_series_columns(p) -> set[str]:
    """Series columns of the results schema (and its doc), placeholders expanded for ``p``."""
    names = [c.name for c in SERIES]
    batch_only = set(ID_COLUMNS)
    pairs = [(c, q) for c in p.codes for q in p.codes if c != q]
    expand = {
        "<NAME>": list(p.drivers.names),
        "<PACT>": list(p.space.keys),
        "<STATE>": list(p.codes),
        "<TERM>": list(TERMS),
        "<ACTION>": [p.actions.key(i, j, k, p.codes) for i, j, k in action_dyads(p)],
        "<PAIR>": [f"{a}-{b}" for n, a in enumerate(p.codes) for b in p.codes[n + 1 :]],
        "<CLASS>": sorted(set(p.actions.cameo)),
    }
    out: set[str] = set()
    for name in names:
        if name in batch_only:
            continue
        candidates = [name]
        if "<CLIENT>.<PATRON>" in name:
            candidates = [name.replace("<CLIENT>.<PATRON>", f"{c}.{q}") for c, q in pairs]
        for ph, values in expand.items():
            candidates = (
                [c.replace(ph, v) for c in candidates for v in values]
                if any(ph in c for c in candidates)
                else candidates
            )
        assert not any("<" in c for c in candidates), name
        out.update(candidates)
    return out


def test_simulate_series_csv_and_parquet(tmp_path, capsys, default):
    csv, parquet = tmp_path / "x.csv", tmp_path / "sub" / "x.parquet"
    assert main(["simulate", "--seed", "3", "--series", str(csv)]) == 0
    assert main(["simulate", "--seed", "3", "--series", str(parquet)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {csv}" in out and f"wrote {parquet}" in out
    assert not list(tmp_path.rglob("*.tmp"))

    table = pd.read_parquet(parquet)
    p = compile_params(default)
    documented = _documented_series_columns(p)
    assert set(table.columns) == documented
    assert len(table) == 84
    assert table["round"].tolist() == list(range(84))
    assert table["date"].iloc[0] == "2024-01" and table["date"].iloc[-1] == "2030-12"
    assert str(table["round"].dtype) == "int64"
    for key in p.space.keys:
        assert str(table[f"level.{key}"].dtype) == "int64"
    for col in ("stable", "accepted"):
        assert table[col].dtype == bool
    for code in p.codes:
        parts = table[[f"utility.{code}.{t}" for t in TERMS]].sum(axis=1)
        pd.testing.assert_series_equal(parts, table[f"utility.{code}.total"], check_names=False)
    # the file holds the run of seed 3
    expected = model_series(run_model(default, 3))
    pd.testing.assert_frame_equal(table, expected, check_exact=True)

    from_csv = pd.read_csv(csv, keep_default_na=False)
    assert list(from_csv.columns) == list(table.columns)
    pd.testing.assert_frame_equal(from_csv, table, check_exact=True, check_dtype=False)


# -- bad input -----------------------------------------------------------------------------


def set_key(text: str, section: str, key: str, value: str | None) -> str:
    """Set (or with None delete) ``key`` in table ``[section]`` of TOML text."""
    lines = text.splitlines()
    start = _header(lines, section) if section else -1
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("["):
            break
        if re.match(rf"^{re.escape(key)}\s*=", lines[i]):
            if value is None:
                del lines[i]
            else:
                lines[i] = f"{key} = {value}"
            return "\n".join(lines) + "\n"
    raise AssertionError(f"{key} not found in [{section}]")


def _header(lines: list[str], section: str) -> int:
    """Index of the line ``[section]`` (possibly followed by a comment)."""
    pattern = re.compile(rf"^\[{re.escape(section)}\]\s*(#.*)?$")
    (index,) = [i for i, line in enumerate(lines) if pattern.match(line)]
    return index


def insert_after(text: str, section: str, line: str) -> str:
    """Insert ``line`` as the first line of table ``[section]``."""
    lines = text.splitlines()
    lines.insert(_header(lines, section) + 1, line)
    return "\n".join(lines) + "\n"


DEFAULT_TEXT = DEFAULT_SCENARIO.read_text()

# (id, edit of the default TOML text, dotted field the message must name)
BAD_FILES = [
    ("unknown-key", lambda t: insert_after(t, "states.CHN", 'colour = "red"'), "states.CHN.colour"),
    (
        "misspelt-key",
        lambda t: insert_after(
            set_key(t, "states.CHN", "capability", None), "states.CHN", "capabilty = 0.2"
        ),
        "states.CHN.capabilty",
    ),
    ("unknown-top-key", lambda t: "horizon = 12\n" + t, "horizon"),
    (
        "wrong-type",
        lambda t: set_key(t, "states.CHN", "capability", '"high"'),
        "states.CHN.capability",
    ),
    ("wrong-type-int", lambda t: set_key(t, "", "rounds", "12.5"), "rounds"),
    ("nan", lambda t: set_key(t, "states.RUS", "hostility", "nan"), "states.RUS.hostility"),
    ("inf", lambda t: set_key(t, "negotiation", "temperature", "inf"), "negotiation.temperature"),
    ("neg-inf", lambda t: set_key(t, "drivers.rus_war", "mean", "-inf"), "drivers.rus_war.mean"),
    (
        "out-of-range",
        lambda t: set_key(t, "states.CHN", "capability", "1.5"),
        "states.CHN.capability",
    ),
    (
        "out-of-range-affinity",
        lambda t: set_key(t, "relations.CHN-RUS", "affinity", "-2.0"),
        "relations.CHN-RUS.affinity",
    ),
    (
        "zero-temperature",
        lambda t: set_key(t, "negotiation", "temperature", "0.0"),
        "negotiation.temperature",
    ),
    (
        "pact-unknown-state",
        lambda t: insert_after(
            set_key(t, "initial_pacts", "CHN-PRK", None), "initial_pacts", 'CHN-XXX = "treaty"'
        ),
        "initial_pacts.CHN-XXX",
    ),
    (
        "pact-unknown-level",
        lambda t: set_key(t, "initial_pacts", "CHN-PRK", '"alliance"'),
        "initial_pacts.CHN-PRK",
    ),
    ("target-unknown-state", lambda t: set_key(t, "", "target", '["CHN", "RUS", "XXX"]'), "target"),
    (
        "relation-unknown-state",
        lambda t: re.sub(r"^\[relations\.CHN-RUS\]", "[relations.CHN-XXX]", t, count=1, flags=re.M),
        "relations.CHN-XXX",
    ),
    (
        "stakes-unknown-state",
        lambda t: set_key(t, "states.PRK", "stakes", "{ XXX = 1.0 }"),
        "states.PRK.stakes.XXX",
    ),
    (
        "effect-unknown-state",
        lambda t: set_key(t, "drivers.sanctions", "effects", '{ "XXX.trade_need" = 0.2 }'),
        "drivers.sanctions.effects.XXX.trade_need",
    ),
    (
        "missing-field",
        lambda t: set_key(t, "states.CHN", "hostility", None),
        "states.CHN.hostility",
    ),
    ("missing-top-field", lambda t: set_key(t, "", "rounds", None), "rounds"),
]


def _check_error(capsys, tmp_path: Path, argv: list[str], file: str, field: str | None) -> None:
    series = tmp_path / "out.csv"
    code = main(["simulate", *argv, "--series", str(series), "--plot", str(tmp_path / "p.png")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert file in lines[0]
    if field is not None:
        assert f"'{field}'" in lines[0]
    assert not series.exists() and not (tmp_path / "p.png").exists()
    assert [x.name for x in tmp_path.iterdir() if x.name != "bad.toml"] == []


@pytest.mark.parametrize(
    ("edit", "field"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_bad_scenario_file(tmp_path, capsys, edit, field):
    bad = tmp_path / "bad.toml"
    text = edit(DEFAULT_TEXT)
    assert text != DEFAULT_TEXT
    bad.write_text(text)
    _check_error(capsys, tmp_path, ["--scenario", str(bad)], str(bad), field)


BAD_SETS = [
    ("unknown-path", "states.CHN.capabilityy=0.1", "states.CHN.capabilityy"),
    ("unknown-state", "states.XXX.capability=0.1", "states.XXX.capability"),
    ("unknown-table", "negotiaton.temperature=0.1", "negotiaton.temperature"),
    ("out-of-range", "states.CHN.capability=2", "states.CHN.capability"),
    ("wrong-type", "states.CHN.capability=abc", "states.CHN.capability"),
    ("nan", "negotiation.formation_cost=nan", "negotiation.formation_cost"),
    ("target-unknown-state", 'target=["CHN","XXX"]', "target"),
    ("no-equals", "states.CHN.capability", "states.CHN.capability"),
]


@pytest.mark.parametrize(("item", "field"), [b[1:] for b in BAD_SETS], ids=[b[0] for b in BAD_SETS])
def test_bad_set_override(tmp_path, capsys, item, field):
    _check_error(capsys, tmp_path, ["--set", item], str(DEFAULT_SCENARIO), field)


def test_bad_set_names_the_override(tmp_path, capsys):
    series = tmp_path / "out.parquet"
    code = main(["simulate", "--set", "states.CHN.capability=2", "--series", str(series)])
    err = capsys.readouterr().err
    assert code == 2 and "--set states.CHN.capability" in err and "<= 1" in err
    assert not series.exists()


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    _check_error(capsys, tmp_path, ["--scenario", str(missing)], str(missing), None)


def test_invalid_toml_syntax(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    text = re.sub(r"^\[states\.CHN\]", "[states.CHN", DEFAULT_TEXT, count=1, flags=re.M)
    assert text != DEFAULT_TEXT
    bad.write_text(text)
    _check_error(capsys, tmp_path, ["--scenario", str(bad)], str(bad), None)


def test_bad_input_in_a_real_process(tmp_path):
    """Exit status 2, one line on stderr, no traceback, no file: as a user sees it."""
    bad = tmp_path / "bad.toml"
    bad.write_text(set_key(DEFAULT_TEXT, "states.CHN", "capability", "nan"))
    series = tmp_path / "x.parquet"
    cmd = [sys.executable, str(RUN_PY), "simulate", "--scenario", str(bad)]
    res = subprocess.run([*cmd, "--series", str(series)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2
    assert res.stdout == ""
    assert len(res.stderr.splitlines()) == 1 and "Traceback" not in res.stderr
    assert str(bad) in res.stderr and "'states.CHN.capability'" in res.stderr
    assert not series.exists()


def test_series_proposal_labels(tmp_path, capsys):
    """The ``proposal`` column: ``none``, ``form PACT LEVEL``, ``invite STATE to PACT`` or
    ``STATE leaves PACT``, as in the schema doc."""
    path = tmp_path / "s.parquet"
    assert main(["simulate", "--seed", "0", "--series", str(path)]) == 0
    capsys.readouterr()
    proposals = pd.read_parquet(path)["proposal"]
    pattern = r"^(none|form [A-Z-]+ [a-z_]+|invite [A-Z]+ to [A-Z-]+|[A-Z]+ leaves [A-Z-]+)$"
    assert proposals.str.match(pattern).all(), proposals[~proposals.str.match(pattern)]
    assert (proposals != "none").any()


@pytest.mark.parametrize("option", ["--series", "--plot"])
def test_bad_output_suffix(tmp_path, capsys, option):
    target = tmp_path / "out.txt"
    assert main(["simulate", option, str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and str(target) in err
    assert not any(tmp_path.iterdir())


def test_rounds_and_set_overrides_apply(capsys):
    argv = ["simulate", "--seed", "4", "--rounds", "5", "--json"]
    assert main([*argv, "--set", 'target=["RUS", "PRK"]']) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rounds"] == 5 and report["trilateral"] == "RUS-PRK"
    assert all(0 <= x["rounds_active"] <= 5 for x in report["pacts"])
    rus_prk = next(x for x in report["pacts"] if x["members"] == ["RUS", "PRK"])
    assert report["target_round"] == rus_prk["first_round"]
    # a quoted path segment holding a dot
    assert main([*argv, "--set", 'drivers.rus_war.effects."RUS.threat"=0.0']) == 0
    assert json.loads(capsys.readouterr().out)["rounds"] == 5
    assert main([*argv, "--set", 'drivers.rus_war.effects."RUS.threat"=x']) == 2
    err = capsys.readouterr().err
    assert "drivers.rus_war.effects.RUS.threat" in err and len(err.splitlines()) == 1


def test_unwritable_outputs_exit_2_before_running(tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("a file")
    for flag, name in (("--plot", "x.png"), ("--series", "x.csv")):
        assert main(["simulate", flag, str(blocker / name)]) == 2
        err = capsys.readouterr().err
        assert "is a file, expected a folder" in err and "Traceback" not in err
    folder = tmp_path / "folder.png"
    folder.mkdir()
    assert main(["simulate", "--plot", str(folder)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_corrupt_results_part_is_a_clear_error(tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "part-0.parquet").write_bytes(b"not parquet at all")
    (tmp_path / "manifest.json").write_text("{}")
    for command in ("summary", "plot"):
        assert main([command, str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and "Traceback" not in err


def test_an_experiment_is_named_or_listed(tmp_path, capsys):
    """``run.py batch NAME`` takes a shipped experiment by name, like ``--scenario NAME``;
    an unknown name is one line listing the names, exit 2, and no DIR."""
    from sim.scenarios import experiment_file, experiment_names

    assert "default" in experiment_names() and "library" in experiment_names()
    assert experiment_file("library") == (ROOT / "configs" / "experiments" / "library.toml")
    out = tmp_path / "out"
    assert main(["batch", "nonesuch", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "one of ['default', " in err[0] and "'library'" in err[0]
    assert not out.exists()
