"""Malformed experiment files and abused `simulate` options: one line, exit 2, nothing
written, no traceback (issue 10, points 8 and 9)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from runcli import main as cli

from sim.config import parse_set_args
from sim.experiment import MAX_POINTS, MAX_REPLICATES, load_experiment

ROOT = Path(__file__).resolve().parents[1]
RUN_PY = ROOT / "run.py"
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
P = "states.CHN.weights.us_ties"


def experiment(
    design: str = f'kind = "grid"\n[design.parameters]\n"{P}" = [0.0, 0.1]',
    *,
    replicates: object = 4,
    scenario: object = SCENARIO,
) -> str:
    return (
        f'scenario = "{scenario}"\nrounds = 12\nreplicates = {replicates}\nroot_seed = 1\n'
        f"[design]\n{design}\n"
    )


def sampled(kind: str, samples: int) -> str:
    ranges = f'[design.parameters]\n"{P}" = {{low = 0.0, high = 0.5}}'
    return f'kind = "{kind}"\nsamples = {samples}\n{ranges}'


def big_grid(params: int, values: int) -> str:
    names = [f"states.{s}.weights.{t}" for s in ("CHN", "RUS", "PRK")
             for t in ("security", "us_ties", "regional_influence", "economy")]  # fmt: skip
    grid = ", ".join(str(i / values) for i in range(values))
    lines = [f'"{name}" = [{grid}]' for name in names[:params]]
    return 'kind = "grid"\n[design.parameters]\n' + "\n".join(lines)


def rejected(tmp_path: Path, content: str | bytes, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `batch` on a file holding ``content``: exit 2, one line, nothing written."""
    exp = tmp_path / "exp.toml"
    exp.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out"
    assert cli(["batch", str(exp), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    assert not out.exists()
    return lines[0]


def test_non_utf8_files_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = rejected(tmp_path, experiment().encode("utf-16"), capsys)
    assert "a UTF-8 text file" in line and "offset 0" in line
    assert "UTF-8" in rejected(tmp_path, bytes(range(256)), capsys)
    line = rejected(tmp_path, experiment(scenario=sys.executable), capsys)  # a binary
    assert "a UTF-8 text file" in line


def test_a_byte_order_mark_is_read_as_utf8(tmp_path: Path) -> None:
    """Windows editors start UTF-8 files with a BOM; tomllib alone calls it an invalid
    statement at line 1, column 1. The experiment and its scenario load as without it."""
    from sim.config import load_scenario

    scenario = tmp_path / "bom_scenario.toml"
    scenario.write_bytes(b"\xef\xbb\xbf" + SCENARIO.read_bytes())
    assert load_scenario(scenario) == load_scenario(SCENARIO)
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + experiment(scenario=scenario).encode())
    assert load_experiment(path).runs_total == 8


@pytest.mark.parametrize(
    ("replicates", "shown"),
    [(2**64 + 1, "18446744073709551617"), (10**12, "1000000000000"), (MAX_REPLICATES + 1, "")],
)
def test_huge_replicates_refused_with_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replicates: int, shown: str
) -> None:
    line = rejected(tmp_path, experiment(replicates=replicates), capsys)
    assert "field 'replicates'" in line and f"at most {MAX_REPLICATES:,}" in line
    assert shown in line


@pytest.mark.parametrize(
    ("design", "points"),
    [
        (sampled("sobol", 2**40), 3 * 2**40),
        (sampled("lhs", 10**10), 10**10),
        (sampled("morris", 10**9), 2 * 10**9),
        (big_grid(12, 100), 100**12),
        (big_grid(3, 47), 47**3),
    ],
    ids=["sobol-2^40", "lhs-1e10", "morris-1e9", "grid-12x100", "grid-47^3"],
)
def test_oversized_designs_refused_up_front_with_the_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], design: str, points: int
) -> None:
    line = rejected(tmp_path, experiment(design), capsys)
    assert f"at most {MAX_POINTS:,} points; this one has {points:,}" in line


def test_too_many_runs_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = rejected(tmp_path, experiment(sampled("lhs", 1000), replicates=200_000), capsys)
    assert "1,000 x 200,000 = 200,000,000" in line


@pytest.mark.parametrize(
    "alias",
    [f'"{P} "', f'" {P}"', '"states.CHN.\\"weights\\".us_ties"', '"states. CHN.weights.us_ties"'],
)
def test_two_spellings_of_one_parameter_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], alias: str
) -> None:
    design = f'kind = "grid"\n[design.parameters]\n"{P}" = [0.0, 0.1]\n{alias} = [0.2]'
    line = rejected(tmp_path, experiment(design), capsys)
    assert f"same field as '{P}'" in line


def test_a_parameter_path_is_normalised(tmp_path: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text(experiment(f'kind = "grid"\n[design.parameters]\n" {P} " = [0.0, 0.1]'))
    assert load_experiment(exp).parameters == [P]  # the design column is the clean path


def test_duplicate_grid_values_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = f'kind = "grid"\n[design.parameters]\n"{P}" = [0.1, 0.2, 0.1]'
    line = rejected(tmp_path, experiment(design), capsys)
    assert f"field 'design.parameters.{P}'" in line and "distinct values, got 0.1 twice" in line


def test_absurd_magnitudes_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = rejected(
        tmp_path, experiment(f'kind = "grid"\n[design.parameters]\n"{P}" = [1e308]'), capsys
    )
    assert "magnitude at most 1e+06" in line and "1e+308" in line
    scenario = tmp_path / "scenario.toml"
    text = SCENARIO.read_text().replace("reactivity = ", "reactivity = 1e300 # ", 1)
    scenario.write_text(text)
    line = rejected(tmp_path, experiment(scenario=scenario), capsys)
    assert "field 'us.reactivity'" in line and "1e+300" in line


# -- simulate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1" * 5000, "[" * 5000 + "]" * 5000, "1e308"], ids=["digits", "nesting", "1e308"]
)
def test_simulate_set_with_absurd_values(capsys: pytest.CaptureFixture[str], value: str) -> None:
    assert cli(["simulate", "--set", f"{P}={value}"]) == 2
    err = capsys.readouterr().err
    (line,) = err.strip().splitlines()
    assert f"field '{P}'" in line and "Traceback" not in err


def test_simulate_rounds_bounded_like_the_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["simulate", "--rounds", "1201"]) == 2
    assert "--rounds: expected a number <= 1200, got 1201" in capsys.readouterr().err


def simulate_process(*args: str, **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(RUN_PY), "simulate", *args], cwd=ROOT, stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_simulate_into_a_closed_pipe_is_quiet() -> None:
    proc = simulate_process("--json", "--rounds", "1200", stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10)  # like `| head -c 10`: read a little, then hang up
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141  # 128 + SIGPIPE, as if killed by it
    assert err == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_simulate_to_a_full_device_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        proc = simulate_process("--json", stdout=full)
        err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 2
    assert err.strip() == "error: cannot write to standard output: No space left on device"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_non_finite_grid_value_is_named_as_such(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = rejected(
        tmp_path, experiment(f'kind = "grid"\n[design.parameters]\n"{P}" = [0.0, {value}]'), capsys
    )
    assert line.endswith(f"field 'design.parameters.{P}.1': expected a finite number, got {value}")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("-0", "expected 0 without a sign (got -0, a negative zero)"),
        ("-0.0", "expected 0 without a sign (got -0.0, a negative zero)"),
        ("1e-400", "expected a number a double can hold (1e-400 is read as 0)"),
    ],
)
def test_set_refuses_zeros_not_written_as_zero(value: str, why: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(RUN_PY), "simulate", "--set", f"{P}={value}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        f"error: {SCENARIO} (--set {P}): {why}"
    ]


def test_set_keeps_plain_and_tiny_zeros() -> None:
    assert parse_set_args([f"{P}=0", f"{P}x=0.0", f"{P}y=1e-300", f"{P}z=0e5"]) == {
        P: 0, f"{P}x": 0.0, f"{P}y": 1e-300, f"{P}z": 0.0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("shocks.5.add", "an index below 2 (the list has 2 entries)"),
        ("shocks.2", "an index below 2 (the list has 2 entries)"),
        ("occasions.0.bonus", "'occasions' is left at its default here, so set it whole"),
        ("states.CHN.nothing", "one of ['autonomy', "),
    ],
)
def test_a_set_path_that_leads_nowhere_says_what_exists_there(
    capsys: pytest.CaptureFixture[str], path: str, expected: str
) -> None:
    """A list's index past its end names the list's length (korea_2024 has two shocks);
    a scenario field the file does not set (korea_2024 has no occasions) is set whole."""
    assert cli(["simulate", "--set", f"{path}=1"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert f"field '{path}'" in line and expected in line


@pytest.mark.parametrize(
    ("sets", "field", "expected"),
    [
        (['goods=["munitions", "munitions", "technology", "diplomatic_cover", "manpower"]'],
         "goods", "'munitions' is listed twice"),
        (["states.CHN.capability=0"], "states.CHN.capability", "> 0"),
        (["us.capability=0"], "us.capability", "> 0"),
    ],
)  # fmt: skip
def test_inputs_that_broke_the_maths_are_refused(sets, field, expected) -> None:
    """A good listed twice (an IndexError deep in compile.py, after a batch had made its
    folder) and a zero capability (NaN utilities in runs marked ok) are refused at load."""
    from sim.config import load_scenario
    from sim.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        load_scenario("configs/scenarios/korea_2024.toml", sets)
    assert f"field '{field}'" in str(err.value) and expected in str(err.value)


def test_us_allies_capability_may_be_zero() -> None:
    from sim.config import load_scenario

    assert load_scenario("configs/scenarios/korea_2024.toml", ["us.allies_capability=0"])


def test_an_empty_priors_table_says_so() -> None:
    """An empty [priors] is "at least one prior", not a field 'priors.dist' that no one
    wrote; pydantic's union tags (.float, .int) never reach the message."""
    import tomllib

    from sim.calibration.spec import parse_spec
    from sim.errors import ConfigError

    raw = tomllib.loads(Path("configs/calibration/korea_2024.toml").read_text())
    with pytest.raises(ConfigError) as err:
        parse_spec({**raw, "priors": {}}, "c.toml")
    assert "field 'priors'" in str(err.value) and "priors." not in str(err.value)
    targets = [{**raw["targets"][0], "observed": "two"}]
    with pytest.raises(ConfigError) as err:
        parse_spec({**raw, "targets": targets}, "c.toml")
    assert "field 'targets.0.observed': expected a number" in str(err.value)
