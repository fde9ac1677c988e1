"""The reason recorded when a worker process dies (sim.batch.pool)."""

from __future__ import annotations

from sim.batch.pool import _death_reason


def test_death_reason_names_the_signal_not_the_executors_own_sigterm() -> None:
    """A worker SIGKILLed (-9); the executor then SIGTERMs (-15) the others."""
    assert _death_reason([-9, -15, None, 0]) == "worker process died (killed by SIGKILL)"


def test_death_reason_sigterm_alone_is_reported() -> None:
    assert _death_reason([-15, 0]) == "worker process died (killed by SIGTERM)"


def test_death_reason_exit_code_and_unknown() -> None:
    assert _death_reason([3]) == "worker process died (exit code 3)"
    assert _death_reason([None, 0]) == "worker process died (killed or out of memory)"
