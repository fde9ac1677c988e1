"""The United States as a player (sim/rules/players.py, docs/model.md 3.14).

Hand-computed cases on a 4-state toy (the four-state fixture with its fourth state renamed
USA and named the US player): the US-ties term reads the actual relation with the player
(affinity + commitment of their strongest pact, minus the expected reaction to visible
alignment), the rivals' own pacts add to the counter-balancing a state's own visible
alignment is expected to draw and raise the threat, the
player proposes and consents by the logit rule; without a player nothing changes.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FOUR_STATES
from runcli import main

from sim.config import ConfigError, load_scenario
from sim.rules.compile import compile_params
from sim.rules.context import context
from sim.rules.decisions import evaluate_moves
from sim.rules.drivers import initial_drivers
from sim.rules.logit import accept_probability
from sim.rules.pacts import apply_moves
from sim.rules.params import initial_levels
from sim.rules.players import rival_alignment, rivalry, tie_with_player, us_ties
from sim.rules.utility import _deterrence, attributes, config_terms, term_arrays

CHN, RUS, PRK, USA = range(4)
TOY_FILE: list = []  # the toy scenario's path, set by the fixture


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """four_states.toml with KOR renamed USA (hostility 0, us_stake 0.4) and USA the player."""
    path = tmp_path_factory.mktemp("toy") / "toy.toml"
    path.write_text(FOUR_STATES.read_text().replace("KOR", "USA"))
    TOY_FILE[:] = [path]
    s = load_scenario(path, ["us.player=USA"])
    return s, compile_params(s)


def _state(p, affinity=None):
    x, _ = initial_drivers(p, (1,))
    attrs = attributes(x, p)
    aff = np.array(p.affinity if affinity is None else affinity)[None]
    return attrs, context(aff, p)


def _levels(p, **pacts):
    out = np.zeros((1, p.space.n_pacts), dtype=np.int8)
    for key, level in pacts.items():
        out[0, p.space.index(key.split("_"))] = level
    return out


def test_rivalry_by_hand():
    # three states; pact 0 = {0, 1}, pact 1 = {0, 1, 2}
    a = np.array([[0.0, 0.2, -0.6], [0.2, 0.0, -0.4], [-0.6, -0.4, 0.0]])
    m = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)
    riv = rivalry(a, m)
    # state 2 faces pact 0 of members hostile to it by 0.6 and 0.4: mean 0.5
    np.testing.assert_allclose(riv, [[0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    # weight 2 on pact 0 (e.g. a treaty seen at visibility 2): R = (0, 0, 1.0)
    np.testing.assert_allclose(rival_alignment(np.array([2.0, 3.0]), a, m), [0.0, 0.0, 1.0])


def test_tie_and_us_ties_by_hand():
    a = np.array([[0.0, -0.3], [-0.3, 0.0]])
    c = np.array([[0.0, 0.5], [0.5, 0.0]])
    tie = tie_with_player(c, a, player=1)
    np.testing.assert_allclose(tie, [0.2, 0.0])  # -0.3 + 0.5, and 0 for the player
    # us_stake 0.8, reactivity 0.3, seen 1.45, at stake 1 + A = 0.7:
    # 0.8 * (0.2 - 0.3 * 1.45 * 0.7) = 0.8 * (0.2 - 0.3045) = -0.0836
    out = us_ties(np.array([0.8, 0.9]), tie, np.array([1.45, 0.0]), 0.3, a, player=1)
    np.testing.assert_allclose(out, [-0.0836, 0.0])
    # at enmity (A = -1) the expected reaction costs nothing: 0.8 * (-1 + 0.5) = -0.4
    enemy = np.array([[0.0, -1.0], [-1.0, 0.0]])
    tie = tie_with_player(c, enemy, player=1)
    out = us_ties(np.array([0.8, 0.9]), tie, np.array([1.45, 0.0]), 0.3, enemy, player=1)
    np.testing.assert_allclose(out, [-0.4, 0.0])


def test_china_us_ties_reads_its_affinity_with_the_player(toy):
    s, p = toy
    assert p.player == USA
    aff = np.array(p.affinity)
    aff[CHN, USA] = aff[USA, CHN] = 0.25
    attrs, ctx = _state(p, aff)
    stake = attrs.us_stake[0]
    levels = initial_levels(s, p.space)[None]  # CHN-PRK treaty, CHN-RUS partnership
    ties = term_arrays(levels, attrs, p, ctx)[1][0]
    # seen by China: CHN-PRK treaty 1.0 x PRK hostility 1.0 + CHN-RUS 0.5 x RUS 0.9 = 1.45;
    # at stake 1 + 0.25: us_ties = stake x (0.25 + 0 - 0.3 x 1.45 x 1.25) = stake x -0.29375
    assert ties[CHN] == pytest.approx(stake[CHN] * -0.29375, abs=1e-12)
    assert ties[USA] == 0.0
    # a CHN-USA partnership adds its commitment 0.5; the US's hostility 0 adds nothing seen
    with_us = levels.copy()
    with_us[0, p.space.index(("CHN", "USA"))] = 1
    ties2 = term_arrays(with_us, attrs, p, ctx)[1][0]
    assert ties2[CHN] == pytest.approx(stake[CHN] * (0.75 - 0.54375), abs=1e-12)
    # the relation remembers: at affinity -0.5, stake x (-0.5 - 0.435 x 0.5) = -0.7175
    aff[CHN, USA] = aff[USA, CHN] = -0.5
    ties3 = term_arrays(levels, attrs, p, _state(p, aff)[1])[1][0]
    assert ties3[CHN] == pytest.approx(stake[CHN] * -0.7175, abs=1e-12)


def test_the_relation_sets_what_alignment_costs_china(toy):
    _, p = toy
    attrs, _ = _state(p)
    stake = attrs.us_stake[0, CHN]
    without = _levels(p, CHN_PRK=2)
    with_tri = _levels(p, CHN_PRK=2, CHN_RUS_PRK=1)
    # the trilateral adds to what China shows: weight 2.5 x co-members' mean hostility
    # (0.9 + 1.0) / 2 = 2.375; its US-ties cost is stake x 0.3 x 2.375 x (1 + A)
    for a, at_stake in ((0.6, 1.6), (0.0, 1.0), (-0.6, 0.4)):
        aff = np.array(p.affinity)
        aff[CHN, USA] = aff[USA, CHN] = a
        ctx = _state(p, aff)[1]
        gain = term_arrays(with_tri, attrs, p, ctx)[1][0, CHN]
        gain -= term_arrays(without, attrs, p, ctx)[1][0, CHN]
        assert gain == pytest.approx(-stake * 0.3 * 2.375 * at_stake, abs=1e-12)


def test_rivals_pacts_raise_the_players_threat(toy):
    _, p = toy
    attrs, ctx = _state(p)
    without = _levels(p, CHN_USA=1)  # the US in a CHN-USA partnership
    with_tri = _levels(p, CHN_USA=1, CHN_RUS_PRK=1)  # ... and the trilateral formed
    sec0 = term_arrays(without, attrs, p, ctx)[0][0, USA]
    sec1 = term_arrays(with_tri, attrs, p, ctx)[0][0, USA]
    # toy affinities toward USA: CHN 0.6, RUS -0.3, PRK -0.9 -> mean max(0, -A) = 0.4;
    # weight = commitment 0.5 x visibility (1 + 4) = 2.5 -> R_USA = 1.0, x reactivity 0.3;
    # the US's own pacts (deterrence, supply, exposure) are the same in both
    t = attrs.threat[0, USA]
    ct = config_terms(without, p)
    det = _deterrence(ct.weight, ctx.co_capability)[0, USA]
    assert det > 0
    assert sec1 - sec0 == pytest.approx((min(t + 0.3, 1.0) - t) * det, abs=1e-12)


def test_counterbalancing_on_north_korea_by_hand(toy):
    _, p = toy
    attrs, ctx = _state(p)
    base = term_arrays(_levels(p), attrs, p, ctx)[2][0, PRK]
    # a CHN-USA treaty: weight 1 x 1; members' hostility to PRK: CHN 0 (affinity 0.5), USA 0.9
    # -> R_PRK = 0.45, counter-balancing 0.3 x 0.45 = 0.135, influence -= presence 0.3 x it
    infl = term_arrays(_levels(p, CHN_USA=2), attrs, p, ctx)[2][0, PRK]
    assert infl - base == pytest.approx(-0.3 * 0.135, abs=1e-12)


def test_own_alignment_still_draws_the_expected_counterbalancing(toy):
    s, p = toy
    p0 = compile_params(s.model_copy(update={"us": s.us.model_copy(update={"player": None})}))
    attrs, ctx = _state(p)
    # North Korea in the trilateral (its own visible alignment) while a CHN-USA treaty
    # (R_PRK = 0.45, as above) is the rivals' alignment
    levels = _levels(p, CHN_USA=2, CHN_RUS_PRK=1)
    own = config_terms(levels, p0).cb_member[0, PRK]  # the reaction function's expectation
    assert own > 0
    with_player = term_arrays(levels, attrs, p, ctx)[2][0, PRK]
    reaction_only = term_arrays(levels, attrs, p0, context(ctx.affinity, p0))[2][0, PRK]
    # with a player, presence x (expected reaction + reactivity x R): the difference is the
    # rivals' part alone, presence 0.3 x reactivity 0.3 x R 0.45
    assert with_player - reaction_only == pytest.approx(-0.3 * 0.3 * 0.45, abs=1e-12)


def test_the_player_consents_by_the_logit_rule(toy):
    s, p = toy
    attrs, ctx = _state(p)
    levels = initial_levels(s, p.space)[None]
    mv = evaluate_moves(levels, attrs, p, ctx)
    move = p.space.raise_move[p.space.index(("CHN", "USA")), 1]  # form a partnership
    gain = mv.gains[0, move, USA]
    cost = p.negotiation.formation_cost
    t = p.temperature
    assert accept_probability(gain, cost, t) == pytest.approx(1 / (1 + np.exp(-(gain - cost) / t)))
    # in that gain the player's own US-ties term is 0; China's gains the commitment 0.5 x
    # its stake (the US's hostility is 0: nothing more is seen)
    before = term_arrays(levels, attrs, p, ctx)[1][0]
    after = term_arrays(mv_levels(levels, move, p), attrs, p, ctx)[1][0]
    assert before[USA] == after[USA] == 0.0
    assert after[CHN] - before[CHN] == pytest.approx(0.5 * attrs.us_stake[0, CHN], abs=1e-12)


def mv_levels(levels, move, p):
    """The configuration after one move."""
    return apply_moves(levels, p.space, np.array([move]))


def test_without_a_player_the_reaction_function_stays(toy):
    s, _ = toy
    p = compile_params(s.model_copy(update={"us": s.us.model_copy(update={"player": None})}))
    assert p.player == -1
    attrs, ctx = _state(p)
    levels = initial_levels(s, p.space)[None]
    ties = term_arrays(levels, attrs, p, ctx)[1][0]
    # China: -stake x reactivity 0.3 x seen 1.45, whatever its affinity with the USA
    assert ties[CHN] == pytest.approx(-attrs.us_stake[0, CHN] * 0.3 * 1.45, abs=1e-12)


def test_a_bad_player_is_a_one_line_error(capsys):
    with pytest.raises(ConfigError) as info:
        load_scenario(FOUR_STATES, ["us.player=XXX"])
    assert info.value.field == "us.player"
    assert main(["simulate", "--scenario", str(FOUR_STATES), "--set", "us.player=XXX"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "'us.player'" in err and "a state of the scenario" in err


def test_the_round_passes_the_players_loss_to_alignment_with_its_adversaries(toy, tmp_path):
    from sim.rules.round import _player_loss

    _, p0 = toy
    n_k = p0.actions.n_kinds
    on = np.zeros((1, 4, 4, n_k), dtype=bool)
    levels = _levels(p0, CHN_PRK=2)  # China's treaty with North Korea, nothing else
    assert _player_loss(levels, on, p0) is None  # rate 0 (the default): nothing changes
    path = tmp_path / "aligned.toml"  # the toy with a loss rate of 0.01 a month
    path.write_text(TOY_FILE[0].read_text() + "\n[relation_dynamics]\nalignment = 0.01\n")
    p = compile_params(load_scenario(path, ["us.player=USA"]))
    loss = _player_loss(levels, on, p)[0]
    # the US's adversaries at baseline: RUS (A0 -0.3) and PRK (-0.9); China's treaty with
    # PRK (commitment 1) costs China's tie with the US 0.01 x 0.9 x 1 = 0.009, both ways;
    # North Korea's treaty is with China, no US adversary: nothing
    assert loss[CHN, USA] == pytest.approx(0.009, abs=1e-15) == loss[USA, CHN]
    assert np.count_nonzero(loss) == 2
    # without a player the round passes nothing whatever the rate
    none = compile_params(load_scenario(path))
    assert _player_loss(levels, on, none) is None
