"""Where ideas live: the layers of sim/ as the README's layout section gives them (every
module once, matching the tree), imports only downwards or within a layer, no import
cycles (type-only and function-level imports included), and backend switching only in
the command layer."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from conftest import DEFAULT_SCENARIO, ROOT

SIM = ROOT / "sim"
LAYER = re.compile(r"^(\d+)\. (\w+):")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SIM.rglob("*.py")}


def readme_layers(text: str) -> list[tuple[str, list[str]]]:
    """(layer name, files relative to sim/) from the README's layout block, bottom first."""
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    layers: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        head = LAYER.match(line)
        if head:
            layers.append((head.group(2), []))
        elif line.strip():
            layers[-1][1].extend(line.split())
    return layers


def expand(files: list[str]) -> list[str]:
    """Module names of the listed files; ``pkg/*.py`` is every module of the package."""
    out = []
    for f in files:
        paths = sorted((SIM / f).parent.glob("*.py")) if "*" in f else [SIM / f]
        out += [module_name(p) for p in paths]
    return out


def layer_of(text: str) -> dict[str, int]:
    """Module name -> layer number (1 = bottom); fails on a module listed twice."""
    out: dict[str, int] = {}
    for i, (_, files) in enumerate(readme_layers(text), start=1):
        for name in expand(files):
            assert name not in out, f"{name} is listed twice in the README's layout"
            out[name] = i
    return out


def imports(name: str, path: Path) -> set[str]:
    """sim modules ``path`` imports anywhere in it (top level, functions, TYPE_CHECKING):
    ``from a import b`` is a.b if that is a module, else a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for a in node.names:
                full = f"{base}.{a.name}"
                out.add(full if full in MODULES else base)
    return {m for m in out if m in MODULES and m != name}


def import_graph() -> dict[str, set[str]]:
    return {name: imports(name, path) for name, path in MODULES.items()}


def upward(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    return sorted(
        f"{a} (layer {layers[a]}) imports {b} (layer {layers[b]})"
        for a, targets in graph.items()
        for b in targets
        if layers[b] > layers[a]
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while not comp or comp[-1] != v:
                comp.append(stack.pop())
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def checked_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    return cycles(graph)


README = (ROOT / "README.md").read_text()


def test_readme_layout_lists_every_module_of_sim_once():
    layers = layer_of(README)
    assert sorted(set(MODULES) - set(layers)) == [], "modules missing from the README layout"
    assert sorted(set(layers) - set(MODULES)) == [], "README layout lists missing files"


def test_no_upward_imports():
    assert upward(import_graph(), layer_of(README)) == []


def test_no_import_cycles():
    assert checked_cycles(import_graph()) == []


def test_the_checks_catch_an_upward_import_and_a_cycle():
    """The checks fail on a made-up import: the results schema (tables) importing the
    batch session, which imports it back through the store."""
    graph = import_graph()
    graph["sim.results_schema"] = graph["sim.results_schema"] | {"sim.batch.session"}
    found = upward(graph, layer_of(README))
    assert "sim.results_schema (layer 2) imports sim.batch.session (layer 7)" in found
    assert any({"sim.results_schema", "sim.batch.session"} <= set(c) for c in checked_cycles(graph))


def test_a_module_listed_twice_is_refused():
    twice = README.replace("     api.py\n", "     api.py batch/session.py\n")
    with pytest.raises(AssertionError, match=r"sim\.batch\.session is listed twice"):
        layer_of(twice)


def test_package_reexports_exactly_the_api():
    import sim
    import sim.api

    assert list(sim._API) == sim.api.__all__


def test_library_code_never_switches_the_matplotlib_backend():
    offenders = [
        str(path.relative_to(SIM))
        for path in SIM.rglob("*.py")
        if "commands" not in path.parts and "matplotlib.use(" in path.read_text()
    ]
    assert offenders == []


MAX_FUNCTION_LINES, MAX_MODULE_LINES = 60, 400


def oversized(package: Path = SIM) -> list[str]:
    """Modules of ``package`` over :data:`MAX_MODULE_LINES` lines and functions (decorators
    included) over :data:`MAX_FUNCTION_LINES` lines, the rules and engines included."""
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            found.append(f"{rel}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                length = (node.end_lineno or start) - start + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{rel}:{start} {node.name}: {length} lines")
    return found


# Compiled kernels written out as one loop (a numba call per row costs more than the row):
# none in sim/ now; table_utility's is generated (sim/rules/kernel_source.py).
LONG_KERNELS: set[str] = set()


def _function(found: str) -> str:
    """``path:name`` of an :func:`oversized` entry (``path:line name: N lines``)."""
    where, name = found.split(" ")[:2]
    return f"{where.split(':')[0]}:{name.rstrip(':')}"


def test_functions_and_modules_are_short():
    assert [f for f in oversized() if _function(f) not in LONG_KERNELS] == []


def test_the_size_check_finds_a_long_function_and_module(tmp_path: Path):
    """A 61-line function in a 401-line module is found twice, in the rules too."""
    sim = tmp_path / "sim"
    (sim / "rules").mkdir(parents=True)
    body = "def long():\n" + "    x = 1\n" * 59 + "    return x\n"  # 61 lines
    (sim / "big.py").write_text(body + "\n" * 340)  # 401 lines
    (sim / "rules" / "big.py").write_text(body + "\n" * 340)
    (sim / "ok.py").write_text("def short():\n" + "    x = 1\n" * 58 + "    return x\n")
    assert oversized(sim) == [
        "sim/big.py: 401 lines",
        "sim/big.py:1 long: 61 lines",
        "sim/rules/big.py: 401 lines",
        "sim/rules/big.py:1 long: 61 lines",
    ]


# Files that may still name the default scenario's states or drivers (none now); an entry
# no longer needed fails test_the_allow_list_is_not_stale.
NAMES_ALLOWED: set[str] = set()


def default_names() -> set[str]:
    """The default scenario's state codes and driver names."""
    raw = tomllib.loads(DEFAULT_SCENARIO.read_text())
    return set(raw["states"]) | set(raw["drivers"])


def naming(names: set[str], package: Path = SIM) -> dict[str, list[str]]:
    """Files of ``package`` (relative to its parent) -> the ``names`` they contain as words
    (case-sensitive: 'CHN', 'rus_war'; 'chn_us_ties' or 'RUS-PRK' ... 'RUS' is a word)."""
    word = re.compile(
        r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, sorted(names))) + r")(?![A-Za-z0-9_])"
    )
    found = {}
    for path in sorted(package.rglob("*.py")):
        hits = sorted(set(word.findall(path.read_text())))
        if hits:
            found[path.relative_to(package.parent).as_posix()] = hits
    return found


def test_no_code_names_a_state_or_driver_of_the_default_scenario():
    """What a scenario names lives in configs/ (and tests); sim/ reads it from there."""
    names = default_names()
    assert {"CHN", "RUS", "PRK", "rus_war"} <= names  # the scenario read is the default one
    found = {f: hits for f, hits in naming(names).items() if f not in NAMES_ALLOWED}
    assert found == {}


def test_the_allow_list_is_not_stale():
    assert set(naming(default_names())) >= NAMES_ALLOWED


def test_the_name_check_finds_a_state_code_and_a_driver(tmp_path: Path):
    sim = tmp_path / "sim"
    sim.mkdir()
    (sim / "a.py").write_text('KEY = "first_round.CHN-RUS"\nX = 1  # rus_war\n')
    (sim / "b.py").write_text('ok = "chn_us_ties", "RUSSIA", "drivers_rus_war_x"\n')
    assert naming({"CHN", "RUS", "rus_war"}, sim) == {"sim/a.py": ["CHN", "RUS", "rus_war"]}
