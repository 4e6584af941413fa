"""`flask kpis check` on a few hand-made orders: every figure agrees, and it says so."""
from __future__ import annotations

from app.workorders.models import Channel, Status
from tests.factories import RatingFactory
from tests.kpis.build import at, order, path


def test_the_check_command_agrees_and_reports(app, session):
    first = order(at(3, 2, 9), channel=Channel.WECHAT, status=Status.CLOSED)
    path(first, ("assigned", at(3, 2, 9, 30)), ("en_route", at(3, 2, 10)), ("on_site", at(3, 2, 10, 40)),
         ("resolved", at(3, 2, 12)))
    RatingFactory(work_order_id=first.id, csat=5, nps=10, rated_at=at(3, 3, 9))
    order(at(3, 20, 9), channel=Channel.PHONE)
    session.commit()

    result = app.test_cli_runner().invoke(args=["kpis", "check", "--from", "2026-03-01", "--to", "2026-03-31",
                                                "--period", "week", "--verbose"])
    assert result.exit_code == 0, result.output
    assert "0 disagree" in result.output
    assert "ok  volume-by-channel      2026-03-02 wechat orders" in result.output
    assert "ok  time-to-resolve        2026-03-02 mean_minutes                 kpi=180.0 direct=180.0" in result.output
