"""The rules that turn one poll's keepalive times into latency and loss (ssh_latency.classify).
The real link is in tests/integration/test_lossy_link.py; these are the edges."""

from __future__ import annotations

import pytest

from erpconsole.services.hosts.ssh_latency import SLACK_S, Verdict, classify

ON, LOST = Verdict.ON_TIME, Verdict.LOST


def burst(*rtts: float | None, best: float | None = None):
    sends = [10.0 * i for i in range(len(rtts))]
    return classify(sends, [None if r is None else s + r for s, r in zip(sends, rtts)], best)


def test_a_resent_probe_is_lost_and_left_out_of_the_median():
    b = burst(0.050, 0.051, 0.320, 0.050, 0.052)  # the third waited for a TCP resend
    assert b.verdicts == (ON, ON, LOST, ON, ON) and b.lost == 1
    assert b.latency_ms == pytest.approx(50.5)
    assert b.deadline_s == pytest.approx(0.050 * 1.5 + SLACK_S)


def test_the_best_round_trip_of_earlier_polls_sets_the_deadline():
    """All of this poll's probes late against the link's best: all lost, no latency."""
    b = burst(0.330, 0.320, best=0.050)
    assert b.verdicts == (LOST, LOST) and b.latency_ms is None


def test_a_probe_with_no_answer_is_lost():
    assert burst(0.001, None).verdicts == (ON, LOST)
    nothing = burst(None)
    assert nothing.verdicts == (LOST,) and nothing.latency_ms is None and nothing.deadline_s is None


def test_scheduling_noise_within_the_slack_is_not_loss():
    b = burst(0.0003, 0.0003 + SLACK_S * 0.9, 0.0004)
    assert b.verdicts == (ON, ON, ON) and b.lost == 0
