"""The one-run page's form, without any widget: which scenario, seed and headline values a
model is built with, the sliders a scenario offers, what changed since the last build.

Pure functions over frozen values, so the app's behaviour is testable without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sim.config import unit_of
from sim.scenarios import DEFAULT_SCENARIO, DEFAULT_SEED, resolve_scenario, scenario_headlines


@dataclass(frozen=True)
class Slider:
    """One headline parameter as a slider: keyword, label, unit, range and the scenario's
    value (the range is widened to hold a value outside the usual one)."""

    key: str
    label: str
    unit: str
    low: float
    high: float
    step: float
    value: float

    def caption(self, value: float) -> str:
        """The label with the current value and its unit, e.g. ``temperature: 0.03 utility``."""
        unit = "" if self.unit in ("", "dimensionless") else f" {self.unit}"
        return f"{self.label}: {value:.3g}{unit}"


@dataclass(frozen=True)
class Form:
    """What a model is built from: a scenario (shipped name or TOML path), a seed and the
    headline values that differ from the scenario's (keyword -> value)."""

    scenario: str = DEFAULT_SCENARIO
    seed: int = DEFAULT_SEED
    values: Mapping[str, float] = field(default_factory=dict)

    def with_value(self, slider: Slider, value: float) -> Form:
        """The form with a slider moved; a value back at the scenario's is dropped."""
        values = {k: v for k, v in self.values.items() if k != slider.key}
        if float(value) != slider.value:
            values[slider.key] = float(value)
        return replace(self, values=values)


def _value_at(scenario: Any, path: str) -> Any:
    node = scenario
    for key in path.split("."):
        node = node[key] if isinstance(node, Mapping) else getattr(node, key)
    return node


def sliders(scenario: str) -> list[Slider]:
    """The scenario's headline parameters as sliders at its values (ConfigError if the
    scenario cannot be read)."""
    sc = resolve_scenario(scenario)
    out = []
    for h in scenario_headlines(sc):
        value = float(_value_at(sc, h.path))
        low, high = min(h.low, value), max(h.high, value)
        out.append(Slider(h.key, h.label, unit_of(h.path) or "", low, high, h.step, value))
    return out


def current(form: Form, slider: Slider) -> float:
    """The value a slider shows: the form's, else the scenario's."""
    return float(form.values.get(slider.key, slider.value))


def changes(form: Form, built: Form) -> list[str]:
    """What differs between the form and the one the shown model was built from."""
    out = []
    if form.scenario != built.scenario:
        out.append("scenario")
    if form.seed != built.seed:
        out.append("seed")
    keys = sorted(set(form.values) | set(built.values))
    out += [k for k in keys if form.values.get(k) != built.values.get(k)]
    return out


def one_line(exc: BaseException) -> str:
    """An error as one line for the page (its first line, with the kind of error)."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    kind = type(exc).__name__
    return f"{kind}: {first}" if first else kind


__all__ = ["Form", "Slider", "changes", "current", "one_line", "sliders"]
