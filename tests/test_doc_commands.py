"""Every command the docs name still parses, and the scripts that regenerate the docs'
tables run end to end in a quick mode (few seeds, a temp folder), so that "every figure in
the docs has a command that regenerates it" cannot break silently. Values are not
asserted (they are the scripts' job at full size); the tables' rows and headings are.

A command is any ``python run.py ...``, ``python scripts/X.py ...`` or
``python benchmarks/X.py ...`` in README.md or docs/*.md, in a code block (fenced or
indented) or an inline code span. ``run.py`` commands are parsed by the real command
line with each subcommand's ``run`` replaced by a recorder (nothing runs); a script's or
benchmark's ``--flags`` must be options its parser declares. The benchmarks' quick runs
are in tests/test_benchmark_commands.py.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
COMMAND = re.compile(
    r"(?:python3?|\.venv/bin/python)\s+((?:scripts|benchmarks)/\w+\.py|run\.py)([^`\n&#|]*)"
)


def code_spans(text: str) -> list[str]:
    """Fenced blocks, indented block lines and inline code spans, continuations joined."""
    text = text.replace("\\\n", " ")
    fenced = re.compile(r"^```[a-z]*\n.*?^```", flags=re.S | re.M)
    spans = [m.group(0) for m in fenced.finditer(text)]
    rest = fenced.sub("", text)
    spans += re.findall(r"^ {4,}(?:python|\.venv).*$", rest, flags=re.M)
    spans += [s.replace("\n", " ") for s in re.findall(r"`([^`]+)`", rest)]
    return spans


def doc_commands() -> list[tuple[str, str, list[str]]]:
    """(page, program, arguments) of every command the docs name, without duplicates."""
    found: dict[tuple[str, str], tuple[str, str, list[str]]] = {}
    for page in PAGES:
        for span in code_spans(page.read_text(encoding="utf-8")):
            for m in COMMAND.finditer(span):
                args = m.group(2).replace("\\", " ").strip()  # `\|` in a table cell
                found.setdefault((m.group(1), args), (page.name, m.group(1), args))
    return [(page, prog, shlex.split(args)) for page, prog, args in found.values()]


COMMANDS = doc_commands()


def test_the_docs_name_the_commands_of_their_tables():
    """The extraction finds the commands this file is about (a changed pattern would
    otherwise make the checks below vacuous)."""
    progs = {prog for _, prog, _ in COMMANDS}
    for script in ("scripts/model_report.py", "scripts/actions_report.py",
                   "scripts/scenario_facts.py", "scripts/recovery_real.py",
                   "benchmarks/bench_vs_v2.py", "benchmarks/bench_engines.py",
                   "benchmarks/memory_batch.py", "benchmarks/bench_states.py",
                   "benchmarks/profile_round.py", "benchmarks/bench_single_run.py",
                   "benchmarks/bench_v3.py", "scripts/compare_batches.py",
                   "scripts/occasions_grid.py", "scripts/noise_exits.py", "run.py"):  # fmt: skip
        assert script in progs, script
    flags = {a for _, prog, args in COMMANDS for a in args if prog == "scripts/scenario_facts.py"}
    assert {"--facts", "--channels", "--players", "--set"} <= flags


def declared_options(source: str) -> set[str]:
    """The ``--options`` a script's argparse parser declares."""
    return set(re.findall(r"add_argument\(\s*\"(--[\w-]+)\"", source))


SCRIPTS = [c for c in COMMANDS if c[1] != "run.py"]


@pytest.mark.parametrize(
    "page,prog,args", SCRIPTS, ids=[f"{p}:{prog} {shlex.join(a)}" for p, prog, a in SCRIPTS]
)
def test_each_named_script_exists_with_the_options_the_docs_give(page, prog, args):
    path = ROOT / prog
    assert path.is_file(), f"{page} names {prog}, which does not exist"
    options = declared_options(path.read_text(encoding="utf-8"))
    for arg in args:
        flag = arg.strip("[]").split("=")[0]
        if flag.startswith("--"):
            assert flag in options, f"{page}: {prog} has no option {flag}"


def parse_only(argv: list[str], monkeypatch, extra: list[str] | None = None) -> str:
    """``run.py argv`` through the real parser; the subcommand's run only records."""
    import importlib

    from sim import cli

    called: list[str] = []
    for name in cli.COMMANDS:
        module = importlib.import_module(f"sim.commands.{name}")
        monkeypatch.setattr(module, "run", lambda args, name=name: called.append(name) or 0)
    assert cli.main([*argv, *(extra or [])]) == 0
    return called[0]


RUN_PY = [(page, args) for page, prog, args in COMMANDS if prog == "run.py" and args]


def usage_line(args: list[str]) -> bool:
    """A usage line (``plot DIR [--out FIGDIR]``), not a command to type."""
    return any(ch in a for a in args for ch in "[]") and not any("=[" in a for a in args)


@pytest.mark.parametrize("page,args", RUN_PY, ids=[f"{p}:{shlex.join(a)}" for p, a in RUN_PY])
def test_each_run_py_command_in_the_docs_parses(page, args, monkeypatch, capsys):
    """Every ``run.py`` command line the docs give is accepted by its subcommand's parser
    (a renamed or removed option, a missing positional: exit 2 here, not in a reader's
    shell); a usage line's options are in its subcommand's --help. Bare ``run.py`` (the
    default experiment) is tests/test_cli.py's. The README's deliberate typo (``us_tie``)
    is a --set value, which parses."""
    if args == ["--version"] or usage_line(args):
        with pytest.raises(SystemExit) as done:
            parse_only([] if args == ["--version"] else [args[0]], monkeypatch, ["--help"])
        assert done.value.code == 0
        shown = capsys.readouterr().out
        for flag in (a.strip("[]") for a in args if a.strip("[]").startswith("--")):
            assert flag in shown, f"{page}: run.py {args[0]} has no option {flag}"
        return
    try:
        assert parse_only(args, monkeypatch) == args[0]
    except SystemExit as exc:
        pytest.fail(
            f"{page}: run.py {shlex.join(args)} exits {exc.code}: {capsys.readouterr().err}"
        )


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


def test_scenario_facts_counterfactuals_as_record_counter_bloc_names_them(tmp_path):
    """docs/record_counter_bloc.md's counterfactual table: the command as the page gives
    it, with 6 seeds instead of 300. The channel at CHN us_ties 0.1 is the six-state facts
    file's own (--facts is read)."""
    args = ["--scenario", str(ROOT / "configs/scenarios/northeast_asia_2024.toml"),
            "--facts", str(ROOT / "configs/validation/northeast_asia_2024.toml"),
            "--seeds", "6", "--channels", "6", "--players", "none",
            "--set", 'checkpoints=["2025-07","2025-12"]']  # fmt: skip
    out = run_script(ROOT / "scripts" / "scenario_facts.py", args, tmp_path)
    assert "Counterfactuals (6 seeds, paired):" in out
    assert "| fact | channel removed | with | without | effect (with - without) |" in out
    assert "| F1 | US counter-balancing (at CHN us_ties 0.1) |" in out
    for fact in ("F2", "F3", "F4", "F5", "F5 level"):
        assert f"\n| {fact} | " in out, fact
    assert "| action |" not in out  # --players none: no action table


def test_scenario_facts_main_table_without_the_player(tmp_path):
    """docs/record_counter_bloc.md's facts table (`--seeds 1000 ... --players
    CHN,RUS,PRK,USA,KOR,JPN`, "add --no-player to compare"), 6 seeds, the player unset."""
    args = ["--scenario", str(ROOT / "configs/scenarios/northeast_asia_2024.toml"),
            "--facts", str(ROOT / "configs/validation/northeast_asia_2024.toml"),
            "--seeds", "6", "--set", 'checkpoints=["2025-07","2025-12"]',
            "--players", "CHN,RUS,PRK,USA,KOR,JPN", "--no-player"]  # fmt: skip
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


def test_every_docs_image_is_linked_and_written_by_the_browser_test():
    """Each PNG/SVG under docs/ is shown or linked by a page, each image a page links
    exists, and each is a screenshot that tests/test_app_browser.py saves (with
    APP_SCREENSHOT_DIR=docs it regenerates them; CI runs it without)."""
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    linked = set(re.findall(r"\]\((?:docs/)?([\w-]+\.(?:png|svg))\)", text))
    files = {p.name for p in (ROOT / "docs").iterdir() if p.suffix in (".png", ".svg")}
    assert linked == files
    browser = (ROOT / "tests" / "test_app_browser.py").read_text(encoding="utf-8")
    kinds = re.search(r'parametrize\("kind", \[(.*?)\]\)', browser).group(1)
    saved = set(re.findall(r'"([\w-]+\.png)"', browser))
    saved |= {f"report_{k}.png" for k in re.findall(r'"(\w+)"', kinds)}
    assert files <= saved, files - saved


def test_the_shipped_forecast_experiment_loads_a_posterior_as_the_docs_lay_it_out(tmp_path):
    """README and docs/calibration.md: `run.py calibrate ... --out results/calibration`, then
    `run.py batch configs/experiments/forecast_2024.toml`. The shipped file, at its place
    relative to a (tiny) results/calibration, loads its posterior design; it is the
    experiment `run.py validate` runs for its forecast section (same months, seed, scenario;
    sim/validation/forecast.py says "the same as")."""
    import shutil
    import tomllib

    from small_results import calibration

    from sim.experiment import load_experiment
    from sim.validation.forecast import forecast_experiment

    for folder in ("experiments", "scenarios"):
        (tmp_path / "configs" / folder).mkdir(parents=True)
    shipped = ROOT / "configs" / "experiments" / "forecast_2024.toml"
    path = tmp_path / "configs" / "experiments" / shipped.name
    shutil.copy(shipped, path)
    shutil.copy(ROOT / "configs/scenarios/korea_2024.toml", tmp_path / "configs/scenarios")
    (tmp_path / "results").mkdir()
    cal = calibration(tmp_path / "results")  # tmp/results/calibration
    exp = load_experiment(path)
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    assert exp.runs_total == spec["design"]["samples"] * spec["replicates"]
    ours = tomllib.loads(forecast_experiment(tmp_path / "v", cal, 2, 3).read_text())
    assert (spec["rounds"], spec["root_seed"]) == (ours["rounds"], ours["root_seed"])
    assert Path(ours["scenario"]).name == Path(spec["scenario"]).name
    visits = tomllib.loads((shipped.parent / "forecast_2024_visits.toml").read_text())
    assert visits["design"].pop("posterior") == "../../results/calibration_visits"
    spec["design"].pop("posterior")
    assert visits == spec  # the same forecast from the other calibration's posterior


def test_every_shipped_experiment_the_docs_run_loads():
    """Each configs/experiments/*.toml a docs command runs is a valid experiment (a
    posterior design needs its calibration: forecast_2024.toml is tested above, and
    forecast_2024_visits.toml differs from it only in that folder)."""
    from sim.experiment import load_experiment

    named = {a for _, prog, args in COMMANDS if prog == "run.py" for a in args}
    files = sorted(a for a in named if a.startswith("configs/experiments/"))
    assert "configs/experiments/discovery_lhs.toml" in files
    for name in files:
        if not name.endswith(("forecast_2024.toml", "forecast_2024_visits.toml")):
            assert load_experiment(ROOT / name).runs_total > 0, name


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
