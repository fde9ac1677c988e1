"""Units of design parameters come from the scenario file's comments and reach the plots."""

from __future__ import annotations

from pathlib import Path

from sim.analysis.batch import ScenarioInfo
from sim.config import field_units, unit_of

ROOT = Path(__file__).resolve().parents[1]

TEXT = """
rounds = 84                # horizon [months]
[negotiation]
temperature = 0.02         # logit noise [utility] (judgement)
[states.CHN.weights]       # weights over terms [dimensionless] (judgement)
security = 0.3
[drivers.rus_war]
switch_hazard = 0.035      # ceasefire hazard [1/month] (judgement)
effects = { "RUS.threat" = 0.3 }   # shifts [0-1] per unit of the driver
"""


def test_units_from_comments_with_table_fallback():
    units = field_units(TEXT)
    assert unit_of(units, "rounds") == "months"
    assert unit_of(units, "negotiation.temperature") == "utility"
    assert unit_of(units, "states.CHN.weights.security") == "dimensionless"  # from the header
    assert unit_of(units, "drivers.rus_war.switch_hazard") == "1/month"
    assert unit_of(units, 'drivers.rus_war.effects."RUS.threat"') == "0-1"
    assert unit_of(units, "negotiation.eagerness") is None


def test_default_scenario_parameters_have_units():
    units = field_units((ROOT / "configs" / "scenarios" / "korea_2024.toml").read_text())
    assert unit_of(units, "states.CHN.weights.us_ties") == "dimensionless"
    assert unit_of(units, "us.reactivity") == "utility"


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
