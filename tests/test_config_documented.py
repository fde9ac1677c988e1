"""Every line of every config file that sets something carries a comment.

The brief asks that every parameter have a meaning, unit and source in the config. This
test enforces the mechanical part of that: each key line of each TOML under ``configs/``
(scenarios, experiments, calibrations, validation files) has a ``#`` comment on the same
line; a table header (``[x]``, ``[[x]]``) or a key whose value is an inline table or array
may instead be explained by a comment line directly above it; in a repeated block
(``[[x]]``) whose header says "fields as above", a key already commented in an earlier
block of the same array needs no comment again. Whether the comment says something
sensible is for review.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
SCENARIOS = CONFIGS / "scenarios"
FILES = sorted(CONFIGS.glob("*/*.toml"))
FOLDERS = {"scenarios", "experiments", "calibration", "validation"}  # every one is checked

_HEADER = re.compile(r"^\s*\[\[?[^\]]+\]\]?")
_KEY = re.compile(
    r"""^\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*\s*="""
)


def comment_start(line: str) -> int:
    """Index of the ``#`` that starts a comment (outside quoted strings), or -1."""
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return i
        i += 1
    return -1


def undocumented(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every key or header line that lacks the required comment."""
    lines = text.splitlines()
    missing: list[tuple[int, str]] = []
    depth = 0  # open brackets of a multi-line array or inline table being skipped
    in_multiline_string = False
    commented: dict[str, set[str]] = {}  # array of tables -> keys commented in its blocks
    array, as_above = "", False  # the current [[array]] block, and whether it says so
    for n, line in enumerate(lines, start=1):
        if in_multiline_string:
            if '"""' in line or "'''" in line:
                in_multiline_string = False
            continue
        if depth > 0:
            code = line[: comment_start(line)] if comment_start(line) >= 0 else line
            depth += code.count("[") + code.count("{") - code.count("]") - code.count("}")
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cut = comment_start(line)
        code = line if cut < 0 else line[:cut]
        has_comment = cut >= 0 and line[cut + 1 :].strip() != ""
        above_is_comment = n >= 2 and lines[n - 2].strip().startswith("#")
        if _HEADER.match(line) and not _KEY.match(line):
            if not (has_comment or above_is_comment):
                missing.append((n, line))
            repeated = code.strip().startswith("[[")
            array = code.strip().strip("[]").strip() if repeated else ""
            as_above = repeated and has_comment and "fields as above" in line[cut:]
            continue
        if _KEY.match(line):
            key, value = (part.strip() for part in code.split("=", 1))
            compound = value.startswith(("{", "["))
            if has_comment and array:
                commented.setdefault(array, set()).add(key)
            known = as_above and key in commented.get(array, set())
            if not (has_comment or (compound and above_is_comment) or known):
                missing.append((n, line))
            if value.startswith(('"""', "'''")) and value.count(value[:3]) == 1:
                in_multiline_string = True
            depth = value.count("[") + value.count("{") - value.count("]") - value.count("}")
            depth = max(depth, 0) if compound else 0
            continue
        missing.append((n, line))  # neither a key, a header nor a comment: unexpected
    return missing


def test_there_are_configs_in_every_folder_and_no_other():
    assert {p.parent.name for p in FILES} == FOLDERS


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_every_key_line_is_commented(path: Path):
    text = path.read_text(encoding="utf-8")
    tomllib.loads(text)  # the file is valid TOML
    missing = undocumented(text)
    report = "\n".join(f"  {path.name}:{n}: {line.strip()}" for n, line in missing)
    assert not missing, f"lines without a comment (meaning, unit, source):\n{report}"


def test_checker_flags_uncommented_lines():
    text = (
        "# a header comment\n"
        "[a]\n"
        "x = 1  # documented [unit] (judgement)\n"
        'y = "a # inside a string"\n'
        "\n"
        "[b]\n"
        "# explains the inline table below\n"
        "t = { p = 1 }\n"
        "u = 2\n"
    )
    assert [n for n, _ in undocumented(text)] == [4, 6, 9]


def test_a_repeated_block_that_says_fields_as_above_needs_only_new_keys_commented():
    text = (
        "[[w]]  # a window\n"
        "first = 0  # [round]\n"
        "taken = true  # the record has one\n"
        "[[w]]  # fields as above\n"
        "first = 6\n"
        "taken = false\n"
        "label = 'new'\n"  # 7: not commented in an earlier block
        "[[v]]  # fields as above\n"
        "first = 1\n"  # 9: another array's key
        "[[w]]  # another window\n"
        "first = 20\n"  # 11: the header does not say "fields as above"
    )
    assert [n for n, _ in undocumented(text)] == [7, 9, 11]


def test_docs_calibration_lists_the_shipped_calibrations_targets_priors_and_checkpoints():
    """docs/calibration.md's "What is calibrated to what" said 7 targets, checkpoints 5, 11,
    23 and the priors before they were widened; it gives the file's."""
    root = SCENARIOS.parent.parent
    cal = tomllib.loads((root / "configs" / "calibration" / "korea_2024.toml").read_text())
    doc = (root / "docs" / "calibration.md").read_text()
    section = doc.split("## What is calibrated to what", 1)[1].split("### ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \|.*\| (\d{4}-\d\d) \|", section, re.M)
    assert rows == [(t["name"], t["statistic"], t["date"]) for t in cal["targets"]]
    assert f"{len(cal['targets'])} targets" in section
    marks = cal["scenario_overrides"]["checkpoints"]
    assert "checkpoints " + ", ".join(map(str, marks[:-1])) + f" and {marks[-1]}" in section
    priors = " ".join(section.split("Priors (", 1)[1].split())  # one line
    for name, p in cal["priors"].items():
        short = name.removeprefix("negotiation.") if "formation" in name or "exit" in name else name
        if p["dist"] == "normal":
            told = f"normal {p['mean']:g} ± {p['sd']:g} truncated to {p['low']:g}–{p['high']:g}"
        elif p.get("integer"):
            told = f"whole months {p['low'] + 0.5:g}–{p['high'] - 0.5:g}"
        else:
            told = f"{p['dist'].replace('loguniform', 'log-uniform')} {p['low']:g}–{p['high']:g}"
        assert (
            f"`{short}` ({told}" in priors or f"`{short}` (longest treaty talks, {told}" in priors
        ), name
