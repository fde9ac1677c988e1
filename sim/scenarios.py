"""Find and build scenarios by name, path or object, with overrides (for the Python API).

The shipped configuration files (``configs/``) are package data of :mod:`sim`
(``sim/configs`` links to them in a checkout and is copied into a wheel), found with
:mod:`importlib.resources`, so a non-editable install finds them too.

Overrides are dotted scenario paths (as ``run.py simulate --set``) or *headline
parameters*, short keyword names derived from the scenario's states and drivers
(``chn_us_ties``, ``temperature``, ``<driver>_hazard``, ``us_reactivity``; see
:mod:`sim.headline`). A scenario with ``base = "other.toml"`` is merged onto its bases
first, as batches do.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sim.config import ConfigError, Scenario, build_scenario, load_raw
from sim.defaults import DEFAULT_SCENARIO, DEFAULT_SEED
from sim.headline import Headline, headline_paths, headlines, to_paths


def config_dir() -> Traversable:
    """The shipped ``configs`` folder (``scenarios/``, ``experiments/``) as a resource."""
    return resources.files("sim") / "configs"


def scenario_names() -> list[str]:
    """Names of the shipped scenarios (file stems under ``configs/scenarios``), sorted."""
    folder = config_dir() / "scenarios"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def scenario_path(name: str) -> Path:
    """Path of a shipped scenario file by name; :class:`ConfigError` for an unknown name."""
    path = Path(str(config_dir() / "scenarios" / f"{name}.toml"))
    if not path.is_file():
        raise ConfigError(
            f"scenario {name!r}", "", f"expected a scenario file or one of {scenario_names()}"
        )
    return path


def scenario_file(text: str | Path) -> Path:
    """A scenario given on the command line: an existing file, else a shipped scenario's
    name; :class:`ConfigError` listing the names otherwise."""
    path = Path(text)
    if path.exists():  # a folder or a special file: reading it names what it is
        return path
    if path.suffix == "" and path.name == str(text) and str(text) in scenario_names():
        return scenario_path(str(text)).resolve()  # the checkout's configs/, not the link
    raise ConfigError(
        str(text), "", f"file not found; expected a scenario file or one of {scenario_names()}"
    )


def experiment_names() -> list[str]:
    """Names of the shipped experiments (file stems under ``configs/experiments``), sorted."""
    folder = config_dir() / "experiments"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def experiment_file(text: str | Path) -> Path:
    """An experiment given on the command line: an existing file, else a shipped
    experiment's name (``default``, ``library``, ...); :class:`ConfigError` listing the
    names otherwise."""
    path = Path(text)
    if path.exists() or path.suffix != "" or path.name != str(text):
        if not path.exists():
            raise ConfigError(str(text), "", f"file not found; expected an experiment file "
                              f"or one of {experiment_names()}")  # fmt: skip
        return path
    if str(text) in experiment_names():
        return Path(str(config_dir() / "experiments" / f"{text}.toml")).resolve()
    raise ConfigError(
        str(text), "", f"file not found; expected an experiment file or one of {experiment_names()}"
    )


def scenario_headlines(scenario: Scenario | str | Path = DEFAULT_SCENARIO) -> list[Headline]:
    """The headline parameters of a scenario (by object, path or name)."""
    return headlines(_raw(scenario)[0])


def _raw(scenario: Scenario | str | Path) -> tuple[dict[str, Any], str]:
    """Raw scenario mapping and its source name, from an object, a path or a name."""
    if isinstance(scenario, Scenario):
        return scenario.model_dump(), f"scenario {scenario.name!r}"
    text = str(scenario)
    path = Path(text)
    if not (path.suffix == ".toml" or path.exists()):
        path = scenario_path(text)
    return load_raw(path), str(path)


def resolve_scenario(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """A validated :class:`Scenario` from a name, a TOML path or an object, with overrides.

    ``overrides`` maps dotted paths or headline keywords to values; bad values raise
    :class:`ConfigError` naming the source and field.
    """
    if isinstance(scenario, Scenario) and not overrides:
        return scenario
    raw, source = _raw(scenario)
    return build_scenario(raw, source, to_paths(overrides or {}, raw, source))


def model_arguments(
    scenario: Scenario | str | Path,
    seed: int | None,
    rng: int | None,
    overrides: Mapping[str, Any] | None,
    keywords: Mapping[str, Any],
) -> tuple[Scenario, int | None]:
    """Normalise :class:`~sim.model.DiplomacyModel`'s arguments: (scenario, seed).

    ``seed`` and ``rng`` are synonyms (Mesa passes either); both given must agree.
    ``overrides`` (dotted paths) and keyword headline parameters are applied together.
    Front ends may name the scenario ``scenario_name=``: Mesa 3.5's SolaraViz replaces a
    ``scenario`` argument with its own (empty) scenario object on reset, which means the
    default scenario here, with that object's ``rng`` as the seed.
    """
    merged = {**(overrides or {}), **keywords}
    if _is_mesa_scenario(scenario):  # Mesa >= 3.5's SolaraViz passes one on reset
        rng = rng if rng is not None else getattr(scenario, "rng", None)
        scenario = DEFAULT_SCENARIO
    if "scenario_name" in merged:
        scenario = merged.pop("scenario_name")
    if seed is not None and rng is not None and seed != rng:
        raise ValueError(f"seed={seed!r} and rng={rng!r} disagree; give one of them")
    return resolve_scenario(scenario, merged), seed if seed is not None else rng


def _is_mesa_scenario(obj: object) -> bool:
    """A ``mesa.experimental.scenarios.Scenario`` (Mesa >= 3.5), not one of ours."""
    return any(
        c.__name__ == "Scenario" and c.__module__.startswith("mesa.") for c in type(obj).__mro__
    )


__all__ = [
    "DEFAULT_SCENARIO",
    "DEFAULT_SEED",
    "Headline",
    "config_dir",
    "headline_paths",
    "headlines",
    "model_arguments",
    "resolve_scenario",
    "scenario_file",
    "scenario_headlines",
    "scenario_names",
    "scenario_path",
    "to_paths",
]
