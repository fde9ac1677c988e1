"""Model v3 rules, each with hand-computed values at its boundaries: cooperation actions
(sim/rules/actions.py), relations that remember (relations.py), drivers that respond
(feedback.py), dated changes (sim/changes.py) and the memory of refusals (round.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.changes import after_horizon, change_rounds, scenario_at, value_at
from sim.config import ConfigError, load_scenario
from sim.rules.actions import (
    NO_GOOD,
    TRADE_GOOD,
    ActionParams,
    action_costs,
    action_values,
    cooperation,
    decide,
    one_action,
    open_actions,
    partner_hostility,
    with_one,
)
from sim.rules.compile import compile_params
from sim.rules.draws import draw_many
from sim.rules.feedback import FeedbackParams, feedback_push
from sim.rules.params import (
    initial_actions,
    initial_affinity,
    initial_levels,
    initial_talks,
)
from sim.rules.relations import RelationEvents, RelationParams, update_affinity
from sim.rules.round import initial_state, play_round, remember_refusals
from sim.rules.schedule import compile_schedule

APPROX = {"rel": 1e-12, "abs": 1e-12}
ROOT_SCENARIO = Path(__file__).resolve().parents[1] / "configs" / "scenarios" / "korea_2024.toml"


def two_kinds(**over) -> ActionParams:
    """Two states, two kinds: 'shells' (good 0) and 'aid' (trade); both dyads allowed."""
    base = {
        "names": ("shells", "aid"),
        "good": np.array([0, TRADE_GOOD]),
        "slots": np.array([[0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1]]),
        "allowed": np.array([[[False, False], [True, True]], [[True, True], [False, False]]]),
        "min_level": np.array([0, 0]),
        "cameo": ("material_cooperation", "material_cooperation"),
        "goldstein": np.array([8.3, 7.4]),
        "duration": np.array([3, 6]),
        "amount": np.array([0.5, 0.2]),
        "cost": np.array([0.01, 0.02]),
        "pact_discount": np.array([0.8, 0.0]),
        "payment": np.array([0.3, 0.0]),
        "visibility": np.array([0.2, 0.1]),
        "entanglement": np.array([0.4, 0.0]),
        "trust": np.array([0.01, 0.02]),
    }
    base.update(over)
    return ActionParams(**base)


def test_action_value_is_amount_times_need_times_offer_or_trade_need():
    a = two_kinds()
    needs = np.array([[[0.2], [0.9]]])  # (B=1, N=2, G=1): state 1 needs shells 0.9
    trade_need = np.array([[0.5, 0.7]])
    offers = np.array([[0.8], [0.1]])  # state 0 offers shells 0.8
    share = np.array([[0.0, 0.4], [0.9, 0.0]])  # [j, i]: state 1 trades 90% with state 0
    v = action_values(a, needs, trade_need, offers, share)
    assert v.shape == (1, 2, 2, 2)
    assert v[0, 0, 1, 0] == pytest.approx(0.5 * 0.9 * 0.8, **APPROX)  # 0 -> 1 shells
    assert v[0, 1, 0, 0] == pytest.approx(0.5 * 0.2 * 0.1, **APPROX)  # 1 -> 0 shells
    assert v[0, 0, 1, 1] == pytest.approx(0.2 * 0.7 * 0.9, **APPROX)  # aid: need x share
    assert v[0, 1, 0, 1] == pytest.approx(0.2 * 0.5 * 0.4, **APPROX)
    none = two_kinds(good=np.array([NO_GOOD, TRADE_GOOD]))
    assert action_values(none, needs, trade_need, offers, share)[0, 0, 1, 0] == 0.0


def test_pact_discount_at_full_commitment_and_without_a_pact():
    a = two_kinds()
    commit = np.array([[[0.0, 1.0], [1.0, 0.0]]])  # a treaty between the two
    cost = action_costs(a, commit)
    assert cost[0, 0, 1, 0] == pytest.approx(0.01 * (1 - 0.8), **APPROX)
    assert cost[0, 0, 1, 1] == pytest.approx(0.02, **APPROX)  # aid: no discount
    assert action_costs(a, np.zeros((1, 2, 2)))[0, 0, 1, 0] == pytest.approx(0.01, **APPROX)


def test_cooperation_books_flow_payment_cost_visibility_and_exposure():
    """One action in force, 0 -> 1 shells: value 0.36, cost 0.01, payment 0.3."""
    a = two_kinds()
    on = np.zeros((1, 2, 2, 2), dtype=bool)
    on[0, 0, 1, 0] = True
    value = np.zeros((1, 2, 2, 2))
    value[0, 0, 1, 0] = 0.36
    cost = np.full((1, 2, 2, 2), 0.01)
    hostility = np.array([0.5, 1.0])
    risk = np.array([[0.1, 0.6]])
    c = cooperation(on, value, cost, a, hostility, risk)
    assert c.flow[0, 1, 0] == pytest.approx(0.36, **APPROX)  # client 1 receives from 0
    assert c.flow[0, 0, 1] == 0.0
    assert c.economy[0, 0] == pytest.approx(0.3 * 0.36 - 0.01, **APPROX)
    assert c.economy[0, 1] == pytest.approx(-0.3 * 0.36, **APPROX)
    assert c.seen_us[0, 0] == pytest.approx(0.2 * 1.0, **APPROX)  # the other's hostility
    assert c.seen_us[0, 1] == pytest.approx(0.2 * 0.5, **APPROX)
    assert c.seen_cb[0, 0] == pytest.approx(0.2 * 0.75, **APPROX)  # the pair's mean
    assert c.exposure[0, 0] == pytest.approx(0.4 * 0.6, **APPROX)  # the recipient's risk
    assert c.exposure[0, 1] == 0.0


def test_an_action_is_open_only_at_its_pacts_level_and_not_while_in_force():
    a = two_kinds(min_level=np.array([2, 0]))  # shells need a treaty (level 2)
    act_left = np.zeros((1, 2, 2, 2), dtype=np.int16)
    act_left[0, 0, 1, 1] = 2  # aid 0 -> 1 in force
    treaty = np.array([[[0, 2], [2, 0]]])
    partnership = np.array([[[0, 1], [1, 0]]])
    assert open_actions(a, act_left, treaty)[0, 0, 1, 0]  # exactly at the level: open
    assert not open_actions(a, act_left, partnership)[0, 0, 1, 0]  # one below: not
    assert not open_actions(a, act_left, treaty)[0, 0, 1, 1]  # in force: not open again
    assert open_actions(a, act_left, treaty)[0, 1, 0, 1]
    assert not open_actions(a, act_left, treaty)[0, 0, 0, 0]  # never toward itself


def test_taking_needs_both_the_actor_and_the_recipient():
    """At zero gains each agrees with probability 1/2, so both with 1/4: a uniform just
    below 0.25 takes the action, 0.25 itself does not (the boundary). A recipient that
    loses a lot (gain -1 at temperature 0.01) blocks it whatever the actor wants."""
    zero = np.zeros(3)
    assert decide(zero, zero, 0.01, np.array([0.2499, 0.25, 0.9])).tolist() == [
        True, False, False
    ]  # fmt: skip
    assert not decide(np.array([1.0]), np.array([-1.0]), 0.01, np.array([1e-12]))[0]
    assert decide(np.array([1.0]), np.array([1.0]), 0.01, np.array([0.999]))[0]


def test_affinity_drifts_back_and_moves_with_events():
    baseline = np.array([[0.0, 0.5], [0.5, 0.0]])
    now = np.array([[[0.0, 0.9], [0.9, 0.0]]])
    r = RelationParams(drift=0.1, refusal=0.02, walkout=0.03, defection=0.05, signing=0.04)
    zero = np.zeros((1, 2, 2))
    coop = np.array([[[0.0, 0.01], [0.0, 0.0]]])  # an action 0 -> 1 with trust 0.01
    refused = np.array([[[0.0, 0.0], [1.0, 0.0]]])  # 1 proposed, 0 refused
    ev = RelationEvents(coop, np.array([[[0.0, 1.0], [1.0, 0.0]]]), refused, zero, zero)
    out = update_affinity(now, baseline, ev, r)
    want = 0.9 + 0.1 * (0.5 - 0.9) + 0.01 + 0.04 - 0.02
    assert out[0, 0, 1] == pytest.approx(want, **APPROX)
    assert out[0, 1, 0] == pytest.approx(want, **APPROX)  # symmetric
    assert out[0, 0, 0] == 0.0
    up = RelationEvents(np.full((1, 2, 2), 0.5), zero, zero, zero, zero)
    assert update_affinity(now, baseline, up, r)[0, 0, 1] == 1.0  # clipped at 1


def test_feedback_adds_coef_times_actions_in_force_or_pact_level():
    fb = FeedbackParams(
        driver=np.array([0, 1]),
        kind=np.array([0, -1]),
        actor=np.array([0, -1]),
        recipient=np.array([1, -1]),
        pact=np.array([-1, 0]),
        coef=np.array([0.005, -0.01]),
    )
    act_left = np.zeros((2, 2, 2, 1), dtype=np.int16)
    act_left[0, 0, 1, 0] = 1  # run 0: the action 0 -> 1 in force
    act_left[1, 1, 0, 0] = 3  # run 1: only the other direction
    levels = np.array([[2], [0]])
    push = feedback_push(fb, act_left, levels, 3)
    assert push[0].tolist() == pytest.approx([0.005, -0.02, 0.0], **APPROX)
    assert push[1].tolist() == pytest.approx([0.0, 0.0, 0.0], **APPROX)


def test_a_ramp_reaches_its_value_at_its_end():
    assert value_at(0.8, 0.5, at=3, ramp=0, r=2) == 0.8
    assert value_at(0.8, 0.5, at=3, ramp=0, r=3) == 0.5
    assert value_at(0.8, 0.5, at=3, ramp=2, r=3) == pytest.approx(0.7, **APPROX)
    assert value_at(0.8, 0.5, at=3, ramp=2, r=4) == pytest.approx(0.6, **APPROX)
    assert value_at(0.8, 0.5, at=3, ramp=2, r=5) == pytest.approx(0.5, **APPROX)
    assert value_at(0.8, 0.5, at=3, ramp=2, r=40) == pytest.approx(0.5, **APPROX)


def test_dated_change_applies_from_its_month(tmp_path):
    s = load_scenario(
        "configs/scenarios/korea_2024.toml",
        ['changes=[{at="2024-05", path="us.reactivity", value=0.5, ramp=1}]'],
    )
    assert change_rounds(s) == [0, 4, 5]
    assert scenario_at(s, 3).us.reactivity == 0.3
    assert scenario_at(s, 4).us.reactivity == pytest.approx(0.4)
    assert scenario_at(s, 5).us.reactivity == pytest.approx(0.5)


def test_a_change_at_the_start_month_is_in_force_from_round_0():
    """Round 0 reads the scenario in force at round 0: a change dated at the start
    (2024-01) acts at once, or its ramp begins there (0.3 -> 0.5 over two rounds)."""
    change = 'changes=[{at="2024-01", path="us.reactivity", value=0.5, ramp=1}]'
    sc = compile_schedule(load_scenario("configs/scenarios/korea_2024.toml", [change]))
    assert sc.starts == (0, 1)
    assert [sc.at(t).reactivity for t in (0, 1, 2)] == pytest.approx([0.4, 0.5, 0.5])


def test_a_change_past_the_horizon_acts_in_a_longer_run():
    """A run longer than the scenario's 12 months keeps a change dated 2025-03 (round 14)
    and its whole ramp; the late-entry note reads the run's length, not the scenario's."""
    sets = ["rounds=12", "checkpoints=[5, 11]", "shocks=[]",
            'changes=[{at="2025-03", path="us.reactivity", value=0.5, ramp=1}]']  # fmt: skip
    s = load_scenario("configs/scenarios/korea_2024.toml", sets)
    sc = compile_schedule(s)
    assert [sc.at(t).reactivity for t in (13, 14, 15, 40)] == pytest.approx([0.3, 0.4, 0.5, 0.5])
    assert len(after_horizon(s)) == 1 and after_horizon(s, 15) == []
    assert "after the run's last month (2025-02)" in after_horizon(s, 14)[0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ('[{at="2024-05", path="us.reactivity", value=-1.0}]', "changes.0.value"),
        ('[{at="2024-05", path="start", value=1.0}]', "changes.0.path"),
        ('[{at="2024-05", path="us.nothing", value=1.0}]', "changes.0.path"),
        ('[{at="2023-05", path="us.reactivity", value=1.0}]', "changes.0.at"),
        ('[{at="2024-01", path="us.reactivity", value=-1.0}]', "changes.0.value"),
        # read in the first month only, or a date: a change would silently do nothing
        ('[{at="2024-03", path="drivers.rus_war.initial", value=0.1}]', "changes.0.path"),
        ('[{at="2024-03", path="relations.CHN-RUS.initial", value=0.1}]', "changes.0.path"),
        ('[{at="2024-03", path="shocks.0.round", value=1.0}]', "changes.0.path"),
        # a whole-number field takes a whole number, as when set directly (not rounded)
        ('[{at="2024-03", path="negotiation.action_review", value=2.5}]', "changes.0.value"),
    ],
)
def test_a_bad_change_names_its_field(change, field):
    with pytest.raises(ConfigError) as err:
        load_scenario("configs/scenarios/korea_2024.toml", [f"changes={change}"])
    assert field in str(err.value)
    if ".initial" in change or ".round" in change:  # the start-only rule, not "no number"
        assert "acts after the start" in str(err.value)


def test_a_change_to_an_affinity_without_drift_is_refused_and_with_drift_it_acts():
    """A dated change to relations.*.affinity moves the baseline the affinity drifts back
    to (runs carry affinity in their state): at relation_dynamics.drift = 0 it did nothing
    (identical runs) and passed silently; it is refused unless a drift is set or changed.
    Fixed paths (feedback, occasions, ...) get a message that says they are fixed."""
    change = 'changes=[{at="2024-03", path="relations.CHN-PRK.affinity", value=-0.9}]'
    with pytest.raises(ConfigError) as err:
        load_scenario("configs/scenarios/korea_2024.toml", ["relation_dynamics.drift=0", change])
    assert "changes.0.path" in str(err.value) and "set a drift" in str(err.value)
    drifting = load_scenario("configs/scenarios/korea_2024.toml", [change])  # drift 0.1
    assert drifting.changes[0].value == -0.9
    later = ('changes=[{at="2024-03", path="relations.CHN-PRK.affinity", value=-0.9}, '
             '{at="2024-02", path="relation_dynamics.drift", value=0.2}]')  # fmt: skip
    assert len(load_scenario("configs/scenarios/korea_2024.toml",
                             ["relation_dynamics.drift=0", later]).changes) == 2  # fmt: skip
    with pytest.raises(ConfigError) as err:
        load_scenario("configs/scenarios/korea_2024.toml",
                      ['changes=[{at="2024-03", path="feedback.0.coef", value=0.1}]'])  # fmt: skip
    assert "fixed for a run" in str(err.value)


def test_changes_to_what_acts_after_the_start_are_kept():
    """The refusals above stop at their fields: a driver's mean, an affinity's baseline and
    a whole-number field given a whole number still change."""
    changes = [("drivers.rus_war.mean", 0.5), ("relations.CHN-RUS.affinity", 0.5),
               ("negotiation.action_review", 3.0)]  # fmt: skip
    listed = ", ".join(f'{{at="2024-03", path="{p}", value={v}}}' for p, v in changes)
    sets = ["relations.CHN-RUS.initial=0.5", f"changes=[{listed}]"]
    s = load_scenario("configs/scenarios/korea_2024.toml", sets)
    assert len(s.changes) == 3


def test_a_refused_raise_is_not_proposed_again_within_the_memory():
    class P:  # the two fields remember_refusals reads
        stacked = False

        class negotiation:
            refusal_memory = 6

    out = remember_refusals(
        np.full((2, 5), -1, dtype=np.int16), 10, P, np.array([3, 0]), np.array([[0], [4]])
    )
    assert out[0].tolist() == [-1, -1, -1, 16, -1]  # refused at 10: blocked while t < 16
    assert out[1].tolist() == [-1, -1, -1, -1, 16]  # talks failed: the same memory
    blocked_at_15, blocked_at_16 = out > 15, out > 16
    assert blocked_at_15[0, 3] and not blocked_at_16[0, 3]


def test_talks_that_failed_are_not_reopened_in_the_same_month():
    """3.12: a raise whose talks failed is not proposable for ``refusal_memory`` months,
    starting with the month they failed (the proposal reads the walk-out, it comes after
    the talks in the round). At temperature 0.05 talks fail often (200 runs x 36 months);
    the proposer never picks the raise that just failed."""
    s = load_scenario(ROOT_SCENARIO, ["negotiation.temperature=0.05"])
    p = compile_params(s)
    d = draw_many(list(range(200)), p, 36)
    state = initial_state(initial_levels(s, p.space), initial_talks(s, p.space), p,
                          d.u_start, initial_actions(s, p), initial_affinity(s, p))  # fmt: skip
    failed = 0
    for t in range(36):
        raise_of = p.space.raise_move[np.arange(p.space.n_pacts), state.talk_level]  # (B, P)
        state, out = play_round(state, t, d.at(t), p, value_end=False)
        just_failed = np.where(out.walked.any(axis=-1), raise_of, 0)  # (B, P)
        failed += int((just_failed > 0).sum())
        assert not (just_failed == out.move[:, None]).any(where=just_failed > 0)
    assert failed > 100  # the rule was exercised


def test_simulate_plot_writes_the_action_timeline(tmp_path, capsys):
    """`simulate --plot run.png` also draws the actions in force by pair (run_actions.png),
    and says so (it announced only run.png)."""
    from run import main

    assert (
        main(["simulate", "--seed", "5", "--rounds", "24", "--plot", str(tmp_path / "r.png")]) == 0
    )
    assert (tmp_path / "r_actions.png").stat().st_size > 10_000
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'r.png'}\nwrote {tmp_path / 'r_actions.png'}\n" in out


def _three_states():
    """CHN 0, RUS 1, PRK 2: CHN-PRK and RUS-PRK treaties (1.0), CHN-RUS partnership (0.5)."""
    h = np.array([0.5, 0.9, 0.7])
    commit = np.array([[[0.0, 0.5, 1.0], [0.5, 0.0, 1.0], [1.0, 1.0, 0.0]]])
    return h, commit


def test_partner_hostility_adds_the_partners_other_allies_at_their_commitment():
    """H[i, j] = h_j + a (sum_k C[j, k] h_k - C[j, i] h_i), by hand at a = 0.5."""
    h, commit = _three_states()
    got = partner_hostility(h, commit, 0.5)
    assert got[0, 0, 2] == pytest.approx(0.7 + 0.5 * 1.0 * 0.9, **APPROX)  # CHN with PRK: RUS
    assert got[0, 2, 0] == pytest.approx(0.5 + 0.5 * 0.5 * 0.9, **APPROX)  # PRK with CHN: RUS
    assert got[0, 0, 1] == pytest.approx(0.9 + 0.5 * 1.0 * 0.7, **APPROX)  # CHN with RUS: PRK
    assert got[0, 1, 2] == pytest.approx(0.7 + 0.5 * 1.0 * 0.5, **APPROX)  # RUS with PRK: CHN
    # at 0, and for a partner without other allies, only the partner's own hostility
    assert np.array_equal(partner_hostility(h, commit, 0.0)[0], np.broadcast_to(h, (3, 3)))
    alone = np.zeros((1, 3, 3))
    alone[0, 0, 2] = alone[0, 2, 0] = 1.0  # PRK allied with China only
    assert partner_hostility(h, alone, 0.5)[0, 0, 2] == pytest.approx(0.7, **APPROX)
    # stacked: one association per run
    two = partner_hostility(h, np.concatenate([commit, commit]), np.array([0.0, 0.5]))
    assert two[0, 0, 2] == pytest.approx(0.7, **APPROX)
    assert two[1, 0, 2] == pytest.approx(1.15, **APPROX)


def test_an_action_with_an_associated_partner_is_seen_with_its_allies_hostility():
    """A CHN -> PRK summit (visibility 0.1) in force at a = 0.5: seen_us of China reads
    PRK's hostility plus half of its ally Russia's, PRK's reads China's plus half of
    Russia's at their partnership; without association the two parties' own (as before);
    :func:`with_one` adds the same as :func:`cooperation` with the action in force."""
    h, commit = _three_states()
    a = ActionParams(
        names=("summit",), good=np.array([NO_GOOD]), slots=np.array([[0, 2, 0]]),
        allowed=np.zeros((3, 3, 1), dtype=bool), min_level=np.array([0]),
        cameo=("verbal_cooperation",), goldstein=np.array([1.9]), duration=np.array([6]),
        amount=np.array([0.3]), cost=np.array([0.002]), pact_discount=np.array([0.0]),
        payment=np.array([0.0]), visibility=np.array([0.1]), entanglement=np.array([0.0]),
        trust=np.array([0.01]),
    )  # fmt: skip
    on = np.zeros((1, 3, 3, 1), dtype=bool)
    on[0, 0, 2, 0] = True
    zeros, risk = np.zeros((1, 3, 3, 1)), np.zeros((1, 3))
    partner = partner_hostility(h, commit, 0.5)
    c = cooperation(on, zeros, zeros, a, h, risk, partner)
    assert c.seen_us[0, 0] == pytest.approx(0.1 * (0.7 + 0.5 * 0.9), **APPROX)
    assert c.seen_us[0, 2] == pytest.approx(0.1 * (0.5 + 0.5 * 0.5 * 0.9), **APPROX)
    assert c.seen_us[0, 1] == 0.0
    plain = cooperation(on, zeros, zeros, a, h, risk)
    assert plain.seen_us[0, 0] == pytest.approx(0.1 * 0.7, **APPROX)
    assert plain.seen_us[0, 2] == pytest.approx(0.1 * 0.5, **APPROX)
    assert np.array_equal(plain.seen_cb, c.seen_cb)  # counter-balancing reads the pair only
    none = cooperation(np.zeros_like(on), zeros, zeros, a, h, risk, partner)
    added = one_action(np.array([0]), a.slots, zeros, zeros, a, h, risk, partner)
    one = with_one(none, np.array([0]), added)
    assert one.seen_us[0] == pytest.approx(c.seen_us[0], **APPROX)


def test_a_negative_association_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"us\.association.*>= 0"):
        load_scenario(ROOT_SCENARIO, ["us.association=-0.5"])


def test_an_action_a_dated_change_opens_has_its_columns_in_both_engines():
    """Outcome rows are laid out by every stretch's actions (Schedule.recorded): an
    action that only a later change allows (China starts to offer munitions in May 2024)
    has its columns, and the Mesa model and the lockstep engine give the same row."""
    from sim.rules.schedule import compile_schedule
    from sim.runner import run_many

    s = load_scenario(
        ROOT_SCENARIO,
        [
            "states.CHN.offers.munitions=0",
            'changes=[{at="2024-05", path="states.CHN.offers.munitions", value=0.5}]',
        ],
    )
    sched = compile_schedule(s)
    kinds = list(s.actions)
    codes = list(s.states)
    shells = (codes.index("CHN"), codes.index("RUS"), kinds.index("munitions"))
    assert not sched.first.actions.allowed[shells]
    assert sched.recorded.actions.allowed[shells]
    key = "action_first." + sched.first.actions.key(*shells, sched.first.codes)
    (mesa,) = run_many(s, [5], 12, engine="mesa")
    (lock,) = run_many(s, [5], 12, engine="lockstep")
    assert key in mesa.outcome and key in lock.outcome
    assert mesa.outcome.keys() == lock.outcome.keys()
    assert all(np.array_equal(mesa.outcome[k], lock.outcome[k]) for k in mesa.outcome)


def test_an_action_a_dated_change_closes_keeps_its_series_columns_in_both_engines():
    """The per-month series are laid out by every stretch's actions too: North Korea's
    shells to Russia, in force from the start, closed from 2025-01, keep their columns in
    the Mesa model's series (model_series read the last stretch's parameters, which no
    longer allow them) as in the lockstep engine's, and both give the same frame."""
    import pandas as pd

    from sim.runner import run_many

    s = load_scenario(
        ROOT_SCENARIO,
        ['changes=[{at="2025-01", path="states.PRK.offers.munitions", value=0}]'],
    )
    (mesa,) = run_many(s, [0], 24, engine="mesa", series=True)
    (lock,) = run_many(s, [0], 24, engine="lockstep", series=True)
    col = "action.munitions.PRK>RUS"
    assert col in mesa.series and col in lock.series
    assert mesa.series[col].iloc[:12].all()  # in force through 2024
    assert mesa.outcome["action_months.munitions.PRK>RUS"] == int(mesa.series[col].sum())
    pd.testing.assert_frame_equal(mesa.series, lock.series)
