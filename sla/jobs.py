"""Background jobs of the SLA, run by the RQ worker (`app/cron.py` enqueues the sweep
every `SWEEP_INTERVAL_S` seconds)."""
from __future__ import annotations

import logging
import time
from typing import Any

from app.background import with_app
from app.db import unit_of_work
from sla import sweeper

log = logging.getLogger(__name__)
SWEEP_INTERVAL_S = 30
# One transaction per this many orders: locks are held briefly and work is saved as it goes.
BATCH_ORDERS = 200
# A sweep that finds more than it can do in this time leaves the rest to the next one.
SWEEP_BUDGET_S = 25.0


def sweep_due_clocks(batch_orders: int = BATCH_ORDERS, budget_s: float = SWEEP_BUDGET_S) -> dict[str, Any]:
    """Raise every SLA warning and breach that has fallen due; answers the totals."""
    return with_app(_sweep, batch_orders, budget_s)


def _sweep(batch_orders: int, budget_s: float) -> dict[str, Any]:
    started = time.monotonic()
    totals = {"orders": 0, "raised": 0, "batches": 0}
    while time.monotonic() - started < budget_s:
        with unit_of_work() as session:
            report = sweeper.sweep(session, limit=batch_orders)
        totals["batches"] += 1
        totals["orders"] += report.orders
        totals["raised"] += report.raised
        # A short batch: nothing more is due, or the rest is held by another sweeper.
        if report.orders < batch_orders:
            break
    totals["seconds"] = round(time.monotonic() - started, 3)
    if totals["raised"]:
        log.info("SLA sweep: %(raised)d raised on %(orders)d orders in %(seconds)ss", totals)
    return totals
