"""Talks and the round protocol: durations, walk-outs, signature, unanimity to open talks,
and the rule that noise cannot sign a pact a member loses from. Hand-made scenarios from
handmade.py; expected numbers computed by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from handmade import compile_raw, levels_of, three_raw, two_raw

from sim.config import build_scenario
from sim.model import DiplomacyModel
from sim.rules import compiled_talks
from sim.rules.decisions import MoveValues
from sim.rules.pacts import apply_moves, valid_moves
from sim.rules.talks import progress_talks, start_talks, talk_months

PA, PB, CL = 0, 1, 2


def _talks_raw():
    raw = three_raw()
    raw["levels"][0] |= {"talks_min": 2, "talks_max": 4}
    raw["levels"][1] |= {"talks_min": 6, "talks_max": 12}
    return raw


def test_talk_months_uniform_over_the_range():
    _, p, _ = compile_raw(_talks_raw())
    lv = np.array([1, 1, 1, 1, 2, 2, 2])
    u = np.array([0.0, 1 / 3 - 1e-9, 1 / 3, 0.999999, 0.0, 0.5, 1.0])
    # partnership 2..4 (3 values: u in [0, 1/3) -> 2, [1/3, 2/3) -> 3, ...); treaty 6..12
    np.testing.assert_array_equal(talk_months(lv, u, p), [2, 2, 3, 4, 6, 9, 12])


def test_talks_under_way_at_the_start():
    _, p, _ = compile_raw(_talks_raw())
    q = p.space.index(["PA", "CL"])
    u = np.zeros((2, p.space.n_pacts))
    u[1, q] = 0.999  # 12 months
    level, due = start_talks([q], [2], [-4], p, u)
    assert level[:, q].tolist() == [2, 2] and level.sum() == 4
    assert due[:, q].tolist() == [-4 + 6, -4 + 12]  # signed 6 or 12 months after opening


def _mv(p, levels, gains: dict[str, list[float]]):
    u = np.zeros((p.space.n_moves, p.n_states))
    for label, g in gains.items():
        u[p.space.labels.index(label)] = g
    return MoveValues(apply_moves(levels, p.space), u, valid_moves(levels, p.space))


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_each_member_stays_with_the_logit_of_its_net_gain_and_signs_at_the_due_round(engine):
    progress = progress_talks if engine == "numpy" else compiled_talks.progress_talks
    _, p, _ = compile_raw(_talks_raw())
    q = p.space.index(["PA", "CL"])
    levels = levels_of(p)
    # gains from the PA-CL treaty: PA 0.05 + T ln 3 -> P(stay) = 0.75; CL far above
    t = p.temperature
    one = _mv(p, levels, {"form PA-CL treaty": [0.05 + t * math.log(3), 0.0, 1.0]})
    mv = MoveValues(
        *(np.broadcast_to(a, (4, *a.shape)) for a in (one.configs, one.utility, one.valid))
    )
    talk_level = np.zeros((4, p.space.n_pacts), dtype=np.int8)
    talk_level[:, q] = 2
    due = np.zeros_like(talk_level, dtype=np.int16)
    due[:, q] = [5, 5, 4, 5]
    u = np.zeros((4, p.space.n_pacts, p.n_states))
    u[1, q, PA] = 0.75  # exactly at P(stay): walks out (u < P is required to stay)
    u[3, q, PA] = 0.7499
    new_levels, new_talk, new_due, signed, walked = progress(
        np.broadcast_to(levels, (4, p.space.n_pacts)), talk_level, due, 4, mv, p, u
    )
    # row 0: stays, not yet due; row 1: PA walks out; row 2: due at round 4 -> signed;
    # row 3: stays (u just below P(stay)), not due
    assert signed[:, q].tolist() == [False, False, True, False]
    assert walked[:, q, PA].tolist() == [False, True, False, False]
    assert not walked[:, q, CL].any()
    assert new_levels[:, q].tolist() == [0, 0, 2, 0]
    assert new_talk[:, q].tolist() == [2, 0, 0, 2]  # failed and signed talks close
    assert new_due[:, q].tolist() == [5, 0, 0, 5]


def _forced_model(raw, rounds, *, u_consent=0.0, u_talks=0.0, u_choice=None, rng=0):
    """A Mesa model whose draws are replaced: PA always proposes (u_recognize 0), fixed
    consent and talk draws (0 = agree/stay, 1 = refuse/walk out)."""
    model = DiplomacyModel(build_scenario(raw, "<forced>"), rng=rng, rounds=rounds)
    d = model.draws
    model.draws = replace(
        d,
        u_recognize=np.zeros_like(d.u_recognize),
        u_consent=np.full_like(d.u_consent, u_consent)
        if np.isscalar(u_consent)
        else np.broadcast_to(np.asarray(u_consent, float), d.u_consent.shape).copy(),
        u_talks=np.full_like(d.u_talks, u_talks),
        u_choice=d.u_choice if u_choice is None else np.full_like(d.u_choice, u_choice),
        u_duration=np.zeros_like(d.u_duration),
    )
    return model.run()


def _wants_only_pa_cl(raw):
    """Everyone values only a PA-CL treaty (US ties and influence weighted 0)."""
    for code in ("PA", "PB", "CL"):
        raw["states"][code]["weights"] = {
            "security": 1.0,
            "us_ties": 0.0,
            "regional_influence": 0.0,
        }
    raw["negotiation"]["temperature"] = 0.001  # the proposer picks its best move
    return raw


def test_talks_open_only_with_every_member_and_sign_months_later():
    raw = _wants_only_pa_cl(_talks_raw())
    model = _forced_model(raw, rounds=8)
    kinds = [e.kind for e in model.events]
    assert kinds[0] == "talks"  # round 0: PA proposes, the others agree -> talks open
    first = model.events[0]
    assert first.round == 0 and first.text.startswith("PA proposes")
    signed = [e for e in model.events if e.kind == "signed"]
    # talks last talks_min months (u_duration 0): a partnership 2, a treaty 6
    assert signed, kinds
    s = model.series()
    assert (s.levels[0] == 0).all()  # nothing is signed the month it is proposed
    months = int(signed[0].text.split(" after ")[1].split()[0])
    assert months in (2, 6)
    # CL always refuses: no pact containing CL ever opens talks or forms
    model = _forced_model(raw, rounds=8, u_consent=[0.0, 0.0, 1.0])
    with_cl = model.params.space.membership[:, CL]
    s = model.series()
    assert (s.levels[:, with_cl] == 0).all() and (s.talk_level[:, with_cl] == 0).all()
    refusals = [e for e in model.events if e.kind == "refused"]
    assert refusals and all("refused by CL" in e.text for e in refusals)


def test_a_walk_out_ends_the_talks():
    raw = _wants_only_pa_cl(_talks_raw())
    model = _forced_model(raw, rounds=3, u_talks=1.0)  # every member walks out each month
    assert any(e.kind == "failed" for e in model.events)
    assert (model.series().levels == 0).all()


def test_noise_cannot_sign_a_pact_a_member_loses_from():
    """CL loses from any pact: P(stay) per month is at most p0 = logistic(-0.05 / T)
    (gain < 0 minus formation cost 0.05), so with talks of at least 2 months a pact needs
    at least 3 of CL's mistakes in a row (agree, stay, stay): P(sign) <= p0^3 per attempt."""
    raw = _talks_raw()
    raw["states"]["CL"]["us_stake"] = 1.0  # CL values only US ties: every pact costs it
    raw["states"]["CL"]["weights"] = {"security": 0.0, "us_ties": 1.0, "regional_influence": 0.0}
    raw["negotiation"]["temperature"] = 0.05  # p0 <= logistic(-1) = 0.269 per decision
    s = build_scenario(raw, "<loses>")
    with_cl = None
    signed = attempts = 0
    for seed in range(200):
        model = DiplomacyModel(s, rng=seed, rounds=24, detail=False).run()
        with_cl = model.params.space.membership[:, CL]
        attempts += sum(e.kind == "talks" and "CL" in e.text for e in model.events)
        signed += int((model.series().levels[:, with_cl] > 0).any())
    # 0.269^3 = 0.0195 per attempt at most; allow 4 sd above the expected count
    bound = 0.0195 * attempts + 4 * math.sqrt(0.0195 * attempts) + 1
    assert signed <= bound, (signed, attempts)


def test_agents_report_the_decisions_the_round_used():
    raw = two_raw()
    s = build_scenario(raw, "<agents>")
    model = DiplomacyModel(s, rng=3, rounds=4)
    for _ in range(4):
        model.step()
        out = model.last
        for agent in model.states:
            from sim.rules.decisions import move_values

            blocked = model.state.refused_until > model.round
            want = move_values(out.values, model.params, model.state.talk_level, blocked)
            want = want[0, :, agent.index]
            np.testing.assert_array_equal(agent.proposal_values(), want)
            m = int(np.argmax(want))
            assert agent.best_proposal() == model.params.space.labels[m]
            assert 0.0 <= agent.agree_probability(m) <= 1.0


@pytest.mark.parametrize("world", ["default", "stacked"])
def test_compiled_talks_are_progress_talks_on_random_months(world):
    """Random utilities, valid moves, talks, due rounds and draws: every output of the
    compiled month of talks equals the numpy definition's (tests/test_talks.py)."""
    from sim.config import load_scenario
    from sim.rules.compile import compile_params
    from sim.rules.stack import stack_params
    from tests.conftest import DEFAULT_SCENARIO

    runs = 2000
    a = compile_params(load_scenario(DEFAULT_SCENARIO))
    p = a
    if world == "stacked":
        other = ["negotiation.temperature=0.2", "negotiation.formation_cost=0.01"]
        b = compile_params(load_scenario(DEFAULT_SCENARIO, other))
        p = stack_params([a, b], [runs // 2, runs // 2])
    rng = np.random.default_rng(7)
    sp, n = p.space, p.n_states
    mv = MoveValues(None, rng.normal(0, 0.05, (runs, sp.n_moves, n)),
                    rng.random((runs, sp.n_moves)) < 0.8)  # fmt: skip
    levels = rng.integers(0, 3, (runs, sp.n_pacts)).astype(np.int8)
    talk_level = np.where(rng.random((runs, sp.n_pacts)) < 0.5,
                          rng.integers(1, 3, (runs, sp.n_pacts)), 0).astype(np.int8)  # fmt: skip
    due = rng.integers(3, 7, (runs, sp.n_pacts)).astype(np.int16)
    u = rng.random((runs, sp.n_pacts, n))
    want = progress_talks(levels, talk_level, due, 5, mv, p, u)
    got = compiled_talks.progress_talks(levels, talk_level, due, 5, mv, p, u)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
    assert want[3].any() and want[4].any() and (want[0] != levels).any()
