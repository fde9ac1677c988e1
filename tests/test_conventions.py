"""Conventions of research software: LICENSE, CITATION.cff, CHANGELOG, one version
everywhere, `--version`, the console script, one CLI vocabulary, CSV export.

Rules: the version is sim/version.py's in pyproject (dynamic), CITATION.cff, CHANGELOG and
`--version`; every command's help is free of a literal "%%" and names an output folder
`--out DIR`, a worker count `--workers N`; old flag spellings still parse; `export` writes
the runs table as CSV with the Parquet table's rows and columns.
"""

from __future__ import annotations

import argparse
import tomllib
from importlib import metadata

import pandas as pd
import pytest
import yaml
from conftest import ROOT
from runcli import main

import sim.cli
from sim import api
from sim.version import MODEL_VERSION, __version__


def test_license_is_the_mit_license_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert project["scripts"]["trilateral-sim"] == "sim.cli:script"
    assert "version" in project["dynamic"]


def test_citation_cff_is_valid_1_2_0_and_carries_the_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "license"):  # required + ours
        assert cff[key], key
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["version"] == __version__ and cff["license"] == "MIT"
    readme = (ROOT / "README.md").read_text()
    assert "## How to cite" in readme and "CITATION.cff" in readme
    # the citation example and `--version`'s output quoted there are this version's
    assert f"(version {__version__}, model version {MODEL_VERSION})" in readme
    assert f"`trilateral-sim {__version__} (model version {MODEL_VERSION})`" in readme


def test_changelog_lists_this_version_and_the_model_versions():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{__version__}]" in text and f"model version {MODEL_VERSION}" in text
    assert "Model version 1" in text


def test_version_flag_and_installed_metadata(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == (
        f"trilateral-sim {__version__} (model version {MODEL_VERSION})"
    )
    assert metadata.version("trilateral-sim") == __version__ == "0.3.0"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    import importlib

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    for name in sim.cli.COMMANDS:
        importlib.import_module(f"sim.commands.{name}").register(sub)
    return dict(sub.choices)


def test_one_vocabulary_across_commands():
    for name, parser in _subparsers().items():
        text = parser.format_help()
        assert "%%" not in text, name
        for action in parser._actions:
            if "--out" in action.option_strings:
                assert action.metavar == "DIR", name
            if "--workers" in action.option_strings:
                assert action.metavar == "N", name
            if "--scheduler" in action.option_strings:
                assert action.metavar == "ADDRESS", name
        if "--no-progress" in text:
            raise AssertionError(f"{name}: --no-progress shown; --quiet is the flag")


def test_old_spellings_still_parse():
    parsers = _subparsers()
    old = parsers["batch"].parse_args(["e.toml", "--no-progress"])
    new = parsers["batch"].parse_args(["e.toml", "--quiet"])
    assert old.no_progress and new.no_progress
    assert parsers["calibrate"].parse_args(["c.toml", "--out", "d", "--no-progress"]).quiet


def test_export_writes_the_runs_table_as_csv(tmp_path, capsys):
    exp = api.write_experiment(
        tmp_path / "exp.toml", {"negotiation.temperature": [0.01]},
        replicates=3, rounds=6,
    )  # fmt: skip
    api.run_batch(exp, tmp_path / "batch", series=True)
    assert main(["export", str(tmp_path / "batch"), "--series"]) == 0
    assert "runs.csv" in capsys.readouterr().out
    runs = pd.read_csv(tmp_path / "batch" / "runs.csv")
    parquet = api.load_results(tmp_path / "batch").runs
    assert list(runs.columns) == list(parquet.columns) and len(runs) == 3
    assert runs["seed"].tolist() == parquet["seed"].tolist()
    assert len(pd.read_csv(tmp_path / "batch" / "series.csv")) == 3 * 6
    assert main(["export", str(tmp_path / "nothing")]) == 2
