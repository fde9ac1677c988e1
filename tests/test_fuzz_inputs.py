"""Fuzz: generated malformed experiment and scenario files never crash `batch` (issue 10).

Each example breaks a valid experiment or scenario in one way that must be rejected
(bytes that are not UTF-8, broken TOML, a wrong type, an out-of-range or absurd value,
an unknown or missing field, an unknown parameter path, a duplicate grid value, ...), then
runs ``run.py batch`` in-process and asserts: exit code 2, exactly one line on stderr
starting with ``error:``, no traceback, nothing on stdout, no output directory."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runcli import main as cli

from sim.experiment import MAX_REPLICATES

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
P = "states.CHN.weights.us_ties"
BASE_SCENARIO = tomllib.loads(SCENARIO.read_text())


def base_experiment(scenario: str) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "rounds": 12,
        "replicates": 2,
        "root_seed": 1,
        "design": {"kind": "grid", "parameters": {P: [0.0, 0.2]}},
    }


# -- a small TOML writer (inline tables: every top-level key on one line) ---------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    items = ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(v)}"
                      for k, v in value.items())  # fmt: skip
    return "{" + items + "}"


def toml_dumps(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in data.items())


# -- strategies -------------------------------------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
not_int = st.one_of(
    text, st.floats(allow_nan=False), st.booleans(), st.lists(st.integers(), max_size=2)
)
not_number = st.one_of(text, st.booleans(), st.lists(st.floats(), max_size=2), st.just({}))
absurd = st.one_of(
    st.floats(min_value=1e6, exclude_min=True, allow_infinity=False),
    st.floats(max_value=-1e6, exclude_max=True, allow_infinity=False),
    st.just(math.inf),
    st.just(math.nan),
)


def ranges(low: float = 0.0, high: float = 1.0) -> dict[str, Any]:
    return {P: {"low": low, "high": high}}


bad_replicates = st.one_of(
    st.integers(max_value=0), st.integers(min_value=MAX_REPLICATES + 1), not_int
)
bad_rounds = st.one_of(st.integers(max_value=0), st.integers(min_value=1201), not_int)
bad_scenario = st.one_of(
    names.map(lambda n: f"missing/{n}.toml"), st.sampled_from(["/", "/bin/sh"])
)
bad_values = st.one_of(
    st.just([]),
    st.lists(not_number, min_size=1, max_size=3),
    st.floats(-1, 1).map(lambda v: [v, v]),  # a duplicate value
    st.lists(absurd, min_size=1, max_size=3),
    st.floats(max_value=-1e-9, min_value=-1e5).map(lambda v: [v]),  # weights are >= 0
)
bad_samples = st.one_of(st.integers(max_value=0), st.integers(min_value=10**6), not_int)
not_power_of_2 = st.integers(3, 10**4).filter(lambda n: n & (n - 1))
not_a_kind = text.filter(lambda k: k not in ("grid", "lhs", "sobol", "morris"))


def broken_experiment(draw: st.DrawFn, exp: dict[str, Any]) -> dict[str, Any]:
    """One invalid change to a valid experiment mapping."""
    design = exp["design"]
    how = draw(st.integers(0, 12))
    if how == 0:
        exp["replicates"] = draw(bad_replicates)
    elif how == 1:
        exp["root_seed"] = draw(st.one_of(st.integers(max_value=-1), not_int))
    elif how == 2:
        exp["rounds"] = draw(bad_rounds)
    elif how == 3:
        exp["scenario"] = draw(bad_scenario)
    elif how == 4:
        exp[draw(names.filter(lambda n: n not in exp and n != "engine"))] = draw(st.integers())
    elif how == 5:
        design["kind"] = draw(not_a_kind)
    elif how == 6:
        design["parameters"][P] = draw(bad_values)
    elif how == 7:  # a path that is not a field of the scenario
        design["parameters"] = {draw(st.lists(names, min_size=2, max_size=4).map(".".join)): [0.1]}
    elif how == 8:
        del exp[draw(st.sampled_from(["scenario", "replicates", "root_seed", "design"]))]
    elif how == 9:  # low >= high
        low = draw(st.floats(-1, 1))
        kind = draw(st.sampled_from(["lhs", "sobol", "morris"]))
        exp["design"] = {
            "kind": kind,
            "samples": 4,
            "parameters": ranges(low, low - draw(st.floats(0, 1))),
        }
    elif how == 10:
        exp["design"] = {"kind": "lhs", "samples": draw(bad_samples), "parameters": ranges()}
    elif how == 11:
        exp["design"] = {"kind": "sobol", "samples": draw(not_power_of_2), "parameters": ranges()}
    else:
        exp["engine"] = draw(text.filter(lambda e: e not in ("mesa", "lockstep")))
    return exp


def number_leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, bool):
        return []
    if isinstance(data, int | float):
        return [path]
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    return [leaf for k, v in items for leaf in number_leaves(v, (*path, k))]


LEAVES = number_leaves(BASE_SCENARIO)
REQUIRED = ["name", "start", "rounds", "goods", "levels", "target", "states", "us", "negotiation"]


def broken_scenario(draw: st.DrawFn) -> dict[str, Any]:
    """One invalid change to the default scenario mapping."""
    scenario = json.loads(json.dumps(BASE_SCENARIO))
    how = draw(st.integers(0, 3))
    if how <= 1:
        *parents, last = draw(st.sampled_from(LEAVES))
        node = scenario
        for key in parents:
            node = node[key]
        node[last] = draw(not_number if how == 0 else absurd)
    elif how == 2:
        del scenario[draw(st.sampled_from(REQUIRED))]
    else:
        table = draw(st.sampled_from([scenario, scenario["states"]["RUS"], scenario["us"]]))
        table[draw(names.filter(lambda n: n not in table))] = 1
    return scenario


@st.composite
def malformed(draw: st.DrawFn) -> tuple[bytes, bytes | None]:
    """(experiment file content, scenario file content or None for the default)."""
    kind = draw(st.sampled_from(["bytes", "toml", "experiment", "scenario"]))
    if kind == "bytes":
        junk = draw(st.binary(max_size=200))
        return draw(st.sampled_from([b"\xff", b"\xfe\xff", b"a = \xc3("])) + junk, None
    if kind == "toml":
        good = toml_dumps(base_experiment(str(SCENARIO)))
        cut = draw(st.integers(0, len(good)))
        return (
            good[:cut] + draw(st.sampled_from(["= =", "[[", '"unclosed', "x = [1,"]))
        ).encode(), None
    if kind == "experiment":
        exp = broken_experiment(draw, base_experiment(str(SCENARIO)))
        return toml_dumps(exp).encode(), None
    scenario = broken_scenario(draw)
    return toml_dumps(base_experiment("scenario.toml")).encode(), toml_dumps(scenario).encode()


EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))  # more for a longer hunt


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_malformed_files_exit_2_with_one_line_and_write_nothing(files: tuple) -> None:
    experiment, scenario = files
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "exp.toml"
        exp.write_bytes(experiment)
        if scenario is not None:
            (Path(tmp) / "scenario.toml").write_bytes(scenario)
        out = Path(tmp) / "out"
        err, std = io.StringIO(), io.StringIO()
        with redirect_stderr(err), redirect_stdout(std):
            code = cli(["batch", str(exp), "--out", str(out), "--no-progress", "--workers", "1"])
        lines = err.getvalue().strip().splitlines()
        assert code == 2, (code, err.getvalue(), experiment[:300])
        assert len(lines) == 1 and lines[0].startswith("error: "), err.getvalue()
        assert "Traceback" not in err.getvalue() and std.getvalue() == ""
        assert not out.exists()


# -- special files as inputs, bad output paths (issue 26, cases 3, 4, 6) -------------------

SPECIAL_INPUTS = ["fifo", "/dev/zero", "/dev/urandom", "/dev/null", "directory", "socket"]
BAD_OUTS = ["", ".", "non-utf8", "under-a-file", "a-file"]


def special_file(tmp: Path, kind: str, role: str) -> Path:
    """A path of ``kind`` in ``tmp`` named for its ``role`` (or the device itself)."""
    if kind.startswith("/dev/"):
        return Path(kind)
    path = tmp / f"{role}-{kind}.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        import socket

        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    return path


def bad_out(tmp: Path, kind: str) -> str:
    if kind in ("", "."):
        return kind  # run with tmp as the current directory
    if kind == "non-utf8":
        return os.fsdecode(os.fsencode(tmp) + b"/out\xff\xfe")
    (tmp / "file").write_text("x")
    return str(tmp / "file" / "out") if kind == "under-a-file" else str(tmp / "file")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([None, *SPECIAL_INPUTS]),
    st.sampled_from([None, *SPECIAL_INPUTS]),
    st.sampled_from([None, *BAD_OUTS]),
)
def test_special_inputs_and_bad_outputs_exit_2_with_one_line_and_write_nothing(
    experiment: str | None, scenario: str | None, out_kind: str | None
) -> None:
    if experiment is None and scenario is None and out_kind is None:
        out_kind = ""  # every example is broken somewhere
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        scenario_path = special_file(tmp, scenario, "scenario") if scenario else SCENARIO
        exp = tmp / "exp.toml"
        exp.write_text(toml_dumps(base_experiment(str(scenario_path))))
        if experiment:
            exp = special_file(tmp, experiment, "experiment")
        out = bad_out(tmp, out_kind) if out_kind is not None else str(tmp / "out")
        before = sorted(os.listdir(tmp))
        err, std = io.StringIO(), io.StringIO()
        try:
            os.chdir(tmp)
            with redirect_stderr(err), redirect_stdout(std):
                code = cli(["batch", str(exp), "--out", out, "--no-progress", "--workers", "1"])
        finally:
            os.chdir(cwd)
        lines = err.getvalue().strip().splitlines()
        assert code == 2, (code, err.getvalue())
        assert len(lines) == 1 and lines[0].startswith("error: "), err.getvalue()
        assert "Traceback" not in err.getvalue() and std.getvalue() == ""
        assert sorted(os.listdir(tmp)) == before
