"""Utility terms against numbers computed by hand on the tiny scenarios of handmade.py.

Every expected value is written out as arithmetic on the scenario's inputs (see the
comments), never obtained by calling the code under test. Conventions: U = US bloc
capability = 0.3 + 0.1 = 0.4; partnership = (commitment 0.5, entanglement 0.2), treaty =
(1.0, 1.0); sat(x) = x / (1 + |x|); reactivity 0.5; bloc_visibility 2.0.
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import compile_raw, levels_of, three_raw, two_raw

from sim.rules.params import pair_table
from sim.rules.utility import (
    attributes,
    counterbalancing,
    pair_strength,
    saturate,
    support,
    support_share,
    terms,
    utility,
)

PA, PB, CL = 0, 1, 2
SEC, US, INF, ECO = 0, 1, 2, 3
APPROX = {"rel": 1e-12, "abs": 1e-12}


@pytest.fixture(scope="module")
def hand3():
    return compile_raw(three_raw())


def sat(x: float) -> float:
    return x / (1 + abs(x))


# -- helpers -------------------------------------------------------------------------------


def test_saturate_hand_values():
    x = np.array([0.0, 1.0, -1.0, 3.0, -0.25])
    # 0/1, 1/2, -1/2, 3/4, -0.25/1.25
    assert saturate(x) == pytest.approx([0.0, 0.5, -0.5, 0.75, -0.2], **APPROX)
    big = saturate(np.array([1e12, -1e12]))
    assert np.all(np.abs(big) < 1.0)
    assert big[0] > 0 > big[1]


def test_pair_strength_takes_strongest_shared_pact():
    # States 0, 1, 2; pacts: {0,1}, {0,2}, {1,2}, {0,1,2}
    membership = np.array(
        [[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]],
        dtype=bool,
    )
    by_level = np.array([0.0, 0.5, 1.0])
    levels = np.array([2, 0, 0, 1])  # {0,1} treaty and the trilateral partnership
    got = pair_strength(levels, pair_table(membership), by_level)
    expected = np.array(
        [
            [0.0, 1.0, 0.5],  # 0-1: max(treaty 1.0, trilateral 0.5); 0-2: trilateral only
            [1.0, 0.0, 0.5],
            [0.5, 0.5, 0.0],
        ]
    )
    np.testing.assert_array_equal(got, expected)
    # batch axis: an empty configuration gives zeros
    both = pair_strength(
        np.stack([levels, np.zeros(4, dtype=int)]), pair_table(membership), by_level
    )
    np.testing.assert_array_equal(both[0], expected)
    np.testing.assert_array_equal(both[1], np.zeros((3, 3)))


@pytest.mark.parametrize("kind", ["rising", "not_rising", "per_run", "ids"])
def test_a_batchs_compiled_pair_strength_is_pair_strengths(kind):
    """A batch (levels (B, P)) reads pair strengths in a compiled loop: the same values as
    pair_strengths (the definition), for strengths that rise with the level (the highest
    level taken) and that do not (the maximum over the shared pacts), per run or not."""
    from sim.rules.strength import pair_strengths

    rng = np.random.default_rng(9)
    membership = rng.random((9, 5)) < 0.5
    membership[:, :2] = True  # every pact holds a pair
    levels = rng.integers(0, 3, (400, 9)).astype(np.int8)
    by_level = {
        "rising": np.array([0.0, 0.4, 1.0]),
        "not_rising": np.array([0.1, 0.9, 0.3]),
        "per_run": np.sort(rng.random((400, 3)), axis=-1),
        "ids": np.arange(3),
    }[kind]
    table, per_run = pair_table(membership), kind == "per_run"
    got = pair_strength(levels, table, by_level, per_run=per_run)
    want = pair_strengths(levels, table, by_level, per_run=per_run)[0]
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_support_share_zero_support_client_gives_zero():
    sup = np.array([[0.0, 3.0, 1.0], [0.0, 0.0, 0.0], [2.0, 2.0, 0.0]])
    got = support_share(sup)
    np.testing.assert_allclose(got, [[0.0, 0.75, 0.25], [0.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    assert not np.isnan(got).any()


def test_derived_threat(hand3):
    _, _, attrs = hand3
    # PB has no threat: hostility * U / (U + capability) = 1.0 * 0.4 / (0.4 + 0.1) = 0.8
    assert attrs.threat == pytest.approx([0.5, 0.8, 1.0], **APPROX)


# -- one treaty: PA-CL ---------------------------------------------------------------------


def test_terms_single_treaty(hand3):
    _, p, attrs = hand3
    t = terms(levels_of(p, PA_CL=2), attrs, p)

    # PA. Deterrence: weight (commitment 1 x visibility 1) x affinity(PA,CL) 1.0 x
    # cap_CL / U = 0.05 / 0.4 = 0.125. Supply: affinity 1 x commitment 1 x goods value
    # needs_PA . offers_CL = 0.5 * 0.5 = 0.25. Entrapment: aversion 1.0 x entanglement 1 x
    # conflict_risk_CL 0.2 = 0.2. security = threat 0.5 * sat(0.125) + sat(0.25) - 0.2
    assert t[PA, SEC] == pytest.approx(0.5 * (0.125 / 1.125) + 0.25 / 1.25 - 0.2, **APPROX)
    # us_ties = -us_stake 0.6 x reactivity 0.5 x (commitment 1 x vis 1 x hostility_CL 1.0)
    assert t[PA, US] == pytest.approx(-0.3, **APPROX)
    # leverage: stakes[PA,CL] 1.0 x share of CL's support from PA (only patron) 1.0 = 1.0;
    # counter-balancing = 0.5 x (1 x 1 x mean hostility (0.5 + 1.0) / 2) = 0.375;
    # influence = 1.0 - presence 0.2 x 0.375 - autonomy 0 = 0.925
    assert t[PA, INF] == pytest.approx(1.0 - 0.2 * 0.375, **APPROX)
    # economy = trade_need 0.5 x (commitment 1 x affinity 1 x trade_share[PA,CL] 0.1)
    assert t[PA, ECO] == pytest.approx(0.05, **APPROX)

    # CL. Deterrence: 1 x 1.0 x cap_PA 0.2 / 0.4 = 0.5; supply: needs_CL 1.0 x offers_PA 0.8
    # = 0.8; entrapment aversion 0 -> 0. security = 1.0 * sat(0.5) + sat(0.8)
    assert t[CL, SEC] == pytest.approx(0.5 / 1.5 + 0.8 / 1.8, **APPROX)
    assert t[CL, US] == pytest.approx(0.0, **APPROX)  # us_stake 0
    # dependence: share[CL,PA]^2 x asym = 1 x (0.2 - 0.05) / (0.2 + 0.05) = 0.6;
    # influence = -presence 0.5 x 0.375 - autonomy 0.5 x 0.6
    assert t[CL, INF] == pytest.approx(-0.5 * 0.375 - 0.5 * 0.6, **APPROX)
    # economy = trade_need 1.0 x (1 x 1.0 x trade_share[CL,PA] 0.5)
    assert t[CL, ECO] == pytest.approx(0.5, **APPROX)

    # PB is in no pact: no deterrence, supply or entrapment, no alignment, no leverage;
    # counter-balancing reaches it only through presence, which is 0.
    np.testing.assert_allclose(t[PB], 0.0, atol=1e-15)

    # Total utility is the weighted sum (all weights 1 here).
    u = utility(levels_of(p, PA_CL=2), attrs, p)
    assert u[PA] == pytest.approx(t[PA].sum(), **APPROX)


# -- a second patron: PA-CL treaty + PB-CL partnership -------------------------------------


def test_second_patron_dilutes_leverage_and_dependence(hand3):
    _, p, attrs = hand3
    lv = levels_of(p, PA_CL=2, PB_CL=1)
    # Support to CL: from PA = commitment 1 x (needs 1.0 x offers_PA 0.8 + trade_share 0.5
    # x trade_need 1.0) = 1.3; from PB = 0.5 x (1.0 x 0.6 + 0.25 x 1.0) = 0.425.
    commit = pair_strength(lv, p.pair_table, p.commitment)
    sup = support(commit, attrs, p)
    assert sup[CL, PA] == pytest.approx(1.3, **APPROX)
    assert sup[CL, PB] == pytest.approx(0.425, **APPROX)
    share = support_share(sup)
    assert share[CL, PA] == pytest.approx(1.3 / 1.725, **APPROX)  # 52/69
    assert share[CL, PB] == pytest.approx(0.425 / 1.725, **APPROX)  # 17/69
    # PA has no pact with PB: PA's support comes from CL only -> share 1.
    assert share[PA] == pytest.approx([0.0, 0.0, 1.0], **APPROX)

    t = terms(lv, attrs, p)
    # counter-balancing = 0.5 x (treaty PA-CL: 1 x 1 x 0.75 + partnership PB-CL:
    # 0.5 x 1 x (1.0 + 1.0) / 2) = 0.5 x 1.25 = 0.625
    assert counterbalancing(lv, p) == pytest.approx(0.625, **APPROX)
    # Counter-balancing aimed at a state comes from the pacts it belongs to:
    # PA (PA-CL only): 0.5 x 0.75 = 0.375; CL (both pacts): 0.625.
    # PA's leverage (treaty: commitment 1) falls from 1.0 to 1.0 x 52/69;
    # influence = 52/69 - 0.2 x 0.375
    assert t[PA, INF] == pytest.approx(52 / 69 - 0.2 * 0.375, **APPROX)
    # PB: leverage = stakes 0.5 x commitment of the PB-CL partnership 0.5 x 17/69;
    # presence 0 (a hold counted at the firmness of the tie)
    assert t[PB, INF] == pytest.approx(0.5 * 0.5 * 17 / 69, **APPROX)
    # CL's dependence: (52/69)^2 x 0.6 + (17/69)^2 x asym(PB) (0.1 - 0.05)/(0.1 + 0.05)
    dep = (52 / 69) ** 2 * 0.6 + (17 / 69) ** 2 * (1 / 3)
    assert t[CL, INF] == pytest.approx(-0.5 * 0.625 - 0.5 * dep, **APPROX)
    assert dep < 0.6  # a second patron lowers dependence on the stronger one

    # PB security: deterrence = (0.5 x 1) x affinity 0.5 x cap_CL 0.05 / 0.4 = 0.03125;
    # supply = affinity 0.5 x commitment 0.5 x (needs 0.25 x offers_CL 0.5) = 0.03125;
    # entrapment = aversion 0.5 x entanglement 0.2 x conflict_risk_CL 0.2 = 0.02;
    # threat 0.8 (derived)
    assert t[PB, SEC] == pytest.approx(0.8 * sat(0.03125) + sat(0.03125) - 0.02, **APPROX)
    # PB us_ties = -0.2 x 0.5 x (0.5 x 1 x hostility_CL 1.0) = -0.05
    assert t[PB, US] == pytest.approx(-0.05, **APPROX)
    # PB economy: no trade with CL -> 0
    assert t[PB, ECO] == pytest.approx(0.0, **APPROX)

    # CL: deterrence = 1 x 1.0 x 0.2/0.4 + 0.5 x 0.5 x 0.1/0.4 = 0.5625;
    # supply = 1 x 1 x 0.8 + 0.5 x 0.5 x 0.6 = 0.95
    assert t[CL, SEC] == pytest.approx(sat(0.5625) + sat(0.95), **APPROX)
    # economy = 1.0 x (1 x 1 x 0.5 + 0.5 x 0.5 x 0.25) = 0.5625
    assert t[CL, ECO] == pytest.approx(0.5625, **APPROX)


# -- the trilateral: a visible bloc --------------------------------------------------------


def test_trilateral_bloc_is_more_visible(hand3):
    _, p, attrs = hand3
    lv = levels_of(p, PA_PB_CL=1)
    t = terms(lv, attrs, p)
    # visibility = 1 + bloc_visibility 2 x (3 - 2) = 3; weight = commitment 0.5 x 3 = 1.5.
    # PA deterrence = 1.5 x (aff 0.5 x 0.1/0.4 + aff 1.0 x 0.05/0.4) = 1.5 x 0.25 = 0.375
    # supply = 0.5 x 0.5 x (0.5 x 0.6) + 1.0 x 0.5 x (0.5 x 0.5) = 0.075 + 0.125 = 0.2
    # entrapment = 1.0 x (0.2 x 0.5 + 0.2 x 0.2) = 0.14
    assert t[PA, SEC] == pytest.approx(0.5 * sat(0.375) + sat(0.2) - 0.14, **APPROX)
    # us_ties = -0.6 x 0.5 x (1.5 x mean hostility of co-members (1.0 + 1.0) / 2) = -0.45,
    # against -0.6 x 0.5 x (0.5 x 1 x 1.0) = -0.15 for a bilateral partnership with CL.
    assert t[PA, US] == pytest.approx(-0.45, **APPROX)
    bilateral = terms(levels_of(p, PA_CL=1), attrs, p)
    assert bilateral[PA, US] == pytest.approx(-0.15, **APPROX)
    # counter-balancing = 0.5 x 1.5 x mean hostility (0.5 + 1 + 1) / 3
    assert counterbalancing(lv, p) == pytest.approx(0.5 * 1.5 * 2.5 / 3, **APPROX)
    # PA economy = 0.5 x (0.5 x 0.5 x 0.2 + 0.5 x 1.0 x 0.1) = 0.05
    assert t[PA, ECO] == pytest.approx(0.05, **APPROX)


# -- relations: affinity scales what a partner is worth -----------------------------------


def test_negative_affinity_turns_supply_and_trade_into_losses():
    raw = two_raw()
    raw["relations"]["PA-CL"]["affinity"] = -0.5
    _, p, attrs = compile_raw(raw)
    t = terms(levels_of(p, PA_CL=2), attrs, p)
    # PA: deterrence = 1 x (-0.5) x 0.05/0.4 = -0.0625; supply = -0.5 x 1 x 0.25 = -0.125;
    # entrapment 0.2 as before (not scaled by affinity)
    assert t[0, SEC] == pytest.approx(0.5 * sat(-0.0625) + sat(-0.125) - 0.2, **APPROX)
    # economy = 0.5 x (1 x -0.5 x 0.1) = -0.025
    assert t[0, ECO] == pytest.approx(-0.025, **APPROX)


def _gain_of_sharing(affinity: float) -> np.ndarray:
    """Each state's utility in the trilateral minus with two bilaterals to CL."""
    raw = three_raw()
    raw["relations"]["PA-PB"]["affinity"] = affinity
    _, p, attrs = compile_raw(raw)
    together = utility(levels_of(p, PA_PB_CL=1), attrs, p)
    apart = utility(levels_of(p, PA_CL=1, PB_CL=1), attrs, p)
    alone = utility(levels_of(p), attrs, p)
    return together - apart, apart - alone


def test_rivals_lose_from_sharing_a_pact_while_each_values_the_third():
    rival, rival_values_cl = _gain_of_sharing(-0.8)
    friend, _ = _gain_of_sharing(0.8)
    # Each patron values its tie with the client (bilaterals beat no pacts).
    assert rival_values_cl[PA] > 0 and rival_values_cl[PB] > 0
    # Rivals lose from sharing one pact with the client, and gain less than friends.
    assert rival[PA] < 0 and rival[PB] < 0
    assert rival[PA] < friend[PA] and rival[PB] < friend[PB]
    # The client's valuation does not depend on the patrons' relation.
    assert rival[CL] == pytest.approx(friend[CL], **APPROX)


# -- drivers shift attributes --------------------------------------------------------------


def test_driver_effects_shift_attributes_by_hand():
    raw = three_raw()
    raw["drivers"] = {
        "war": {
            "initial": 0.5,
            "mean": 0.5,
            "effects": {"PA.threat": 0.4, "PA.needs.arms": 0.5, "CL.us_stake": -1.0},
        }
    }
    _, p, _ = compile_raw(raw)
    attrs = attributes(np.array([0.5]), p)
    # PA threat 0.5 + 0.4 x 0.5 = 0.7; needs 0.5 + 0.5 x 0.5 = 0.75;
    # CL us_stake 0 - 1.0 x 0.5 -> clipped to 0
    assert attrs.threat[PA] == pytest.approx(0.7, **APPROX)
    assert attrs.needs[PA, 0] == pytest.approx(0.75, **APPROX)
    assert attrs.us_stake[CL] == 0.0
    # at 2.0 the threat would be 1.3: clipped to 1
    assert attributes(np.array([2.0]), p).threat[PA] == 1.0
    # the higher need raises PA's supply from a PA-CL treaty: 1 x 1 x 0.75 x 0.5
    t = terms(levels_of(p, PA_CL=2), attrs, p)
    assert t[PA, SEC] == pytest.approx(0.7 * sat(0.125) + sat(0.375) - 0.2, **APPROX)
