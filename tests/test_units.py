"""Units of design parameters live in the scenario schema's field metadata and reach the plots."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import BaseModel

from sim.analysis.batch import ScenarioInfo
from sim.config import _model_at, unit_of
from sim.schema import Scenario
from sim.schema_dynamics import Action, Change, Feedback, Occasion, RelationDynamics
from sim.schema_parts import (
    Driver,
    Level,
    Negotiation,
    Relation,
    Shock,
    StateConfig,
    Talks,
    UnitedStates,
    Weights,
)


@pytest.mark.parametrize(
    ("path", "unit"),
    [
        ("negotiation.temperature", "utility"),
        ("negotiation.eagerness", "1/utility"),
        ("states.CHN.weights.security", "dimensionless"),  # a nested table
        ("states.CHN.capability", "CINC"),
        ("states.CHN.threat", "0-1"),  # optional field
        ("states.PRK.needs.munitions", "0-1"),  # a key of a table of values
        ("drivers.rus_war.switch_hazard", "1/month"),
        ('drivers.rus_war.effects."RUS.threat"', "attribute per unit of driver"),
        ("levels.1.commitment", "0-1"),  # an element of a list of tables
        ("shocks.0.round", "round"),
        ("us.reactivity", "utility"),
        ("relations.CHN-RUS.affinity", "-1..1"),
    ],
)
def test_unit_of_a_path_from_the_schema(path, unit):
    assert unit_of(path) == unit


def test_paths_without_a_unit():
    assert unit_of("states.CHN.name") is None  # text
    assert unit_of("states.CHN.nonsense") is None
    assert unit_of("nowhere.at.all") is None


NUMBERS = (float, int)


def _is_number(annotation) -> bool:
    return annotation in NUMBERS or any(_is_number(a) for a in get_args(annotation))


PREFIX = {
    Scenario: "",
    StateConfig: "states.X",
    Weights: "states.X.weights",
    Level: "levels.0",
    Talks: "initial_talks.A-B",
    Relation: "relations.A-B",
    Driver: "drivers.d",
    Shock: "shocks.0",
    UnitedStates: "us",
    Negotiation: "negotiation",
    Action: "actions.k",
    RelationDynamics: "relation_dynamics",
    Occasion: "occasions.0",
    Feedback: "feedback.0",
    Change: "changes.0",
}
NO_UNIT = {(Change, "value")}  # a dated change's value has the unit of the path it sets


def _numbers(annotation) -> bool:
    """A number, or a list or table of numbers (checkpoints, initial_actions)."""
    return _is_number(annotation) or any(_numbers(a) for a in get_args(annotation))


@pytest.mark.parametrize("model", list(PREFIX), ids=lambda m: m.__name__)
def test_every_numeric_field_has_a_unit(model: type[BaseModel]):
    prefix = PREFIX[model]
    if prefix:
        assert _model_at(prefix.split(".")) is model  # the structure map follows the schema
    missing = [
        name
        for name, field in model.model_fields.items()
        if _numbers(field.annotation)
        and (model, name) not in NO_UNIT
        and unit_of(f"{prefix}.{name}".lstrip(".")) is None
    ]
    assert missing == []


def test_axis_label_names_the_unit():
    info = ScenarioInfo.from_manifest(
        {
            "scenario_info": {
                "states": ["A", "B"],
                "pacts": ["A-B"],
                "target": "A-B",
                "levels": ["none", "pact"],
                "start": "2024-01",
                "units": {"us.reactivity": "utility"},
            }
        }
    )
    assert info.param_label("us.reactivity") == "us.reactivity [utility]"
    assert info.param_label("other.path") == "other.path"
