"""Every command the docs name still parses, each script it names declares the options the
docs give, each image the docs show is linked and regenerated, and each experiment the docs
run loads. The scripts' quick runs are in tests/test_doc_scripts.py.

A command is any ``python run.py ...``, ``python scripts/X.py ...`` or
``python benchmarks/X.py ...`` in README.md or docs/*.md, in a code block (fenced or
indented) or an inline code span. ``run.py`` commands are parsed by the real command
line with each subcommand's ``run`` replaced by a recorder (nothing runs); a script's or
benchmark's ``--flags`` must be options its parser declares. The benchmarks' quick runs
are in tests/test_benchmark_commands.py.
"""

from __future__ import annotations

import re
import shlex
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
