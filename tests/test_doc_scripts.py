"""The scripts that regenerate the docs' tables run end to end in a quick mode (few seeds,
a temp folder), so that "every figure in the docs has a command that regenerates it"
cannot break silently, and refuse bad arguments in one line. Values are not asserted
(they are the scripts' job at full size); the tables' rows and headings are. Which
commands the docs name, and that they parse, is tests/test_doc_commands.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def run_script(path: Path, args: list[str], cwd: Path) -> str:
    """The script as a reader runs it (its own process, the headless backend)."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(path), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_noise_exits_quick_prints_both_periods_and_rejects_an_unknown_pact(tmp_path):
    """docs/model.md 4.2 (`scripts/noise_exits.py --seeds 1000 ...`), with --quick (20
    seeds): a row per period at the scenario's temperature, with counts and shares; an
    unknown pact is one line and exit 2."""
    out = run_script(ROOT / "scripts" / "noise_exits.py", ["--quick"], tmp_path)
    assert "## korea_2024: lowerings and exits of RUS-PRK, 20 seeds" in out
    for period in ("2024-2025", "2026 on"):
        assert re.search(rf"^\| 0\.01 \| {period} \| \d+ \| ([\d.]+|-) \|", out, re.M), period
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "noise_exits.py"), "--pact", "RUS-XYZ"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: --pact") and "RUS-PRK" in line


def test_occasions_grid_quick_prints_a_row_per_pair_and_rejects_a_bad_value(tmp_path):
    """docs/model.md 4.3 (`scripts/occasions_grid.py --seeds 1000 ...`), with --quick
    (20 seeds, a 2 x 2 grid): the header and one row per (association, bonus), each with
    four shares; a negative bonus is one line and exit 2."""
    out = run_script(ROOT / "scripts" / "occasions_grid.py", ["--quick"], tmp_path)
    assert "## china_cool_2024, 20 seeds, 24 months" in out
    for a, b in (("0", "0.01"), ("0", "0.04"), ("0.5", "0.01"), ("0.5", "0.04")):
        assert re.search(rf"^\| {a} \| {b} \|( [\d.]+ \[[\d.]+, [\d.]+\] \|){{4}}$", out, re.M)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "occasions_grid.py"), "--bonus", "-1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith("error: ")
    assert "occasions.0.bonus" in done.stderr and done.stdout == ""


def test_actions_report_quick_prints_each_table_of_section_4_3(tmp_path):
    """docs/model.md 4.3 (`scripts/actions_report.py --seeds 1000`), with --quick (60
    seeds): every event row, the summits per year of each scenario, who comes to each
    occasion, every weight and every library scenario."""
    from sim.scenarios import scenario_names

    out = run_script(ROOT / "scripts" / "actions_report.py", ["--quick"], tmp_path)
    assert "## Below the pact: default scenario, 60 seeds" in out
    for event in ("munitions PRK -> RUS in force", "troops PRK -> RUS deployed",
                  "a China -> North Korea summit", "CHN-PRK treaty lowered or left by 2025-07",
                  "CHN-PRK treaty lowered or left at the end",
                  "RUS-PRK treaty signed"):  # fmt: skip
        assert f"| {event} | " in out, event
    for name in ("korea_2024", "northeast_asia_2024", "china_cool_2024"):
        assert re.search(
            rf"summits per year in {name}, either way \(mean over runs\): 2024: [\d.]+, .* "
            r"2030: [\d.]+",
            out,
        ), name
    assert "## The record's China-North Korea visits, 60 seeds" in out
    for part in ("a visit by 2024-06", "no visit 2024-07 .. 2025-08", "a visit in 2025-09",
                 "all together (the record's pattern)"):  # fmt: skip
        assert re.search(rf"\n\| {re.escape(part)}.* \| [\d.]+ \[.*\] \| [\d.]+ \[.*\] \|", out), (
            part
        )
    for name in ("china_cool_2024", "northeast_asia_2024"):  # who comes to each occasion
        assert f"## Who comes to each occasion in {name}, 60 seeds" in out, name
    assert re.search(
        r"\n\| Victory parade, Beijing \(80th\) \| 2025-09 \| PRK -> CHN \| [\d.]+ \[", out
    )
    assert re.search(r"\n\| APEC summit, Gyeongju \| 2025-10 \| CHN -> KOR \| [\d.]+ \[", out)
    for weight in ("0", "0.01", "0.45"):
        assert f"\n| {weight} | " in out, weight
    for name in scenario_names():
        assert f"\n| {name} | " in out, name


def nea_facts_args(*extra: str) -> list[str]:
    """scripts/scenario_facts.py's arguments for the six-state scenario with its own facts
    file, as docs/record_counter_bloc.md's commands give them, and ``extra``."""
    return ["--scenario", str(ROOT / "configs/scenarios/northeast_asia_2024.toml"),
            "--facts", str(ROOT / "configs/validation/northeast_asia_2024.toml"),
            *extra, "--set", 'checkpoints=["2025-07","2025-12"]']  # fmt: skip


def test_scenario_facts_counterfactuals_as_record_counter_bloc_names_them(tmp_path):
    """docs/record_counter_bloc.md's counterfactual table: the command as the page gives
    it, with 6 seeds instead of 300. The channel at CHN us_ties 0.1 is the six-state facts
    file's own (--facts is read)."""
    args = nea_facts_args("--seeds", "6", "--channels", "6", "--players", "none")
    out = run_script(ROOT / "scripts" / "scenario_facts.py", args, tmp_path)
    assert "Counterfactuals (6 seeds, paired):" in out
    assert "| fact | channel removed | with | without | effect (with - without) |" in out
    assert "| F1 | US counter-balancing (at CHN us_ties 0.1) |" in out
    for fact in ("F2", "F3", "F4", "F5", "F5 level"):
        assert f"\n| {fact} | " in out, fact
    assert "| action |" not in out  # --players none: no action table


def test_scenario_facts_statics_as_record_counter_bloc_gives_them(tmp_path):
    """docs/record_counter_bloc.md's comparative statics (`--statics 300`), 2 seeds: every
    value of every static of the six-state facts file, the trilateral's at CHN us_ties 0.1
    (at 0.01 they were flat), shares with their Wilson interval."""
    args = nea_facts_args("--seeds", "1", "--statics", "2", "--players", "none")
    out = run_script(ROOT / "scripts" / "scenario_facts.py", args, tmp_path)
    assert "Comparative statics (2 seeds per value, the same for each):" in out
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert len(rows) == 5 + 4 + 5 + 4 + 3 + 3 + 3 + 3
    assert "| `us.reactivity` (states.CHN.weights.us_ties=0.1) | 0.6 | P(tri) | " in out
    assert "us_ties=0.01" not in out
    assert re.search(r"\| `states.CHN.weights.us_ties` \| 0.45 \| P\(tri\) \| "
                     r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \|", out)  # fmt: skip


def test_scenario_facts_main_table_without_the_player(tmp_path):
    """docs/record_counter_bloc.md's facts table (`--seeds 1000 ... --players
    CHN,RUS,PRK,USA,KOR,JPN`, "add --no-player to compare"), 6 seeds, the player unset."""
    args = nea_facts_args("--seeds", "6", "--players", "CHN,RUS,PRK,USA,KOR,JPN", "--no-player")
    out = run_script(ROOT / "scripts" / "scenario_facts.py", args, tmp_path)
    assert "## northeast_asia_2024 without a US player: 6 seeds" in out
    for row in ("| F1 P(trilateral ever) |", "| F5 share PRK from CHN, end - r18 |",
                "F5 levels:", "| USA-KOR-JPN |", "| US-ROK treaty holds |",
                "| no bilateral Korea-Japan pact |"):  # fmt: skip
        assert row in out, row
    assert re.search(r"^\| \w+\.CHN>PRK \| ", out, flags=re.M)  # an action of China's


def test_recovery_real_tiny_prints_its_summary_table(tmp_path):
    """docs/validation_report.md's recovery table (`scripts/recovery_real.py
    --repetitions 40`), one repetition of a tiny calibration."""
    args = ["--repetitions", "1", "--population", "20", "--replicates", "4",
            "--max-generations", "2", "--ess-fraction", "0.5",
            "--out", str(tmp_path / "rec")]  # fmt: skip
    out = run_script(ROOT / "scripts" / "recovery_real.py", args, tmp_path)
    assert "## Recovery on the real model" in out
    assert "`python scripts/recovery_real.py --repetitions 1`" in out
    for param in ("drivers.rus_war.switch_hazard", "levels.1.talks_max",
                  "relations.RUS-PRK.affinity"):  # fmt: skip
        assert f"| `{param}` | " in out, param
    assert "| all | " in out
    assert any((tmp_path / "rec").iterdir())


def test_compare_batches_finds_two_worker_counts_identical_and_another_seed_different(
    tmp_path,
):
    """docs/batches.md (`scripts/compare_batches.py A B`): the same experiment on 1 and 2
    workers is identical table by table (exit 0), another root seed is not (exit 1), a
    folder without a runs table is one line (exit 2)."""
    from sim import api

    def batch(name: str, seed: int, workers: int) -> Path:
        grid = {"states.CHN.weights.us_ties": [0.0, 0.2]}
        exp = api.write_experiment(tmp_path / f"{name}.toml", grid, replicates=3, rounds=12,
                                   root_seed=seed)  # fmt: skip
        api.run_batch(exp, tmp_path / name, series=True, workers=workers, progress=False)
        return tmp_path / name

    def compare(a: Path, b: Path) -> subprocess.CompletedProcess[str]:
        script = str(ROOT / "scripts" / "compare_batches.py")
        return subprocess.run([sys.executable, script, str(a), str(b)],
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    one, two, other = batch("one", 5, 1), batch("two", 5, 2), batch("other", 6, 1)
    same = compare(one, two)
    assert same.returncode == 0, same.stdout + same.stderr
    # 2 points x 3 replicates = 6 runs; x 12 months = 72 series rows
    assert re.fullmatch(r"runs: 6 rows x \d+ columns: identical\n"
                        r"series: 72 rows x \d+ columns: identical\n", same.stdout)  # fmt: skip
    differ = compare(one, other)
    assert differ.returncode == 1 and differ.stdout.count(": DIFFERENT\n") == 2
    missing = compare(one, tmp_path / "nothing")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "has no runs table" in missing.stderr


def test_actions_report_set_applies_to_the_association_rows_and_refuses_a_typo(tmp_path):
    """docs/model.md 3.8: `actions_report.py --association 0.5 --set shocks.0.add=0.8`
    (a larger 2025 tariff shock); a wrong path is one line and exit 2, before any run."""
    bad = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "actions_report.py"), "--quick",
         "--association", "0.5", "--set", "shocks.0.ad=0.8"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "shocks.0.ad" in bad.stderr and "'add'" in bad.stderr
    args = ["--quick", "--association", "0.5", "--set", "shocks.0.add=0.8"]
    out = run_script(ROOT / "scripts" / "actions_report.py", args, tmp_path)
    assert "## The record's visits by us.association (korea_2024, shocks.0.add=0.8)" in out
    assert "\n| 0.5 | " in out


@pytest.mark.parametrize(
    "script,args",
    [
        ("scripts/actions_report.py", ["--seeds", "0"]),
        ("scripts/occasions_grid.py", ["--seeds", "-3"]),
        ("scripts/model_report.py", ["--seeds", "0"]),
        ("scripts/scenario_facts.py", ["--scenario", "korea_2024", "--seeds", "0"]),
        ("scripts/scenario_facts.py", ["--scenario", "korea_2025"]),
        ("scripts/scenario_facts.py", ["--scenario", "korea_2024", "--set", "us.nothing=1"]),
        ("benchmarks/bench_states.py", ["--runs", "zero"]),
    ],
)
def test_a_script_given_a_bad_count_or_scenario_says_so_in_one_line(script, args, tmp_path):
    """No traceback and nothing run: an error line naming the argument, exit 2."""
    done = subprocess.run(
        [sys.executable, str(ROOT / script), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()  # one line, as run.py's
    assert line.startswith("error: ")
