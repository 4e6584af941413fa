"""`flask sla …`: the SLA from the command line (operations, benchmarks)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import unit_of_work
from sla import service
from sla.jobs import sweep_due_clocks

sla_cli = AppGroup("sla", help="SLA clocks and their sweeper.")


@sla_cli.command("sweep")
def sweep_command():
    """Raise the SLA warnings and breaches due now (what the worker does every 30 s)."""
    totals = sweep_due_clocks()
    click.echo(f"raised {totals['raised']} on {totals['orders']} orders in {totals['seconds']} s")


@sla_cli.command("refresh")
def refresh_command():
    """Recompute the clocks of every open order (after importing orders in bulk)."""
    with unit_of_work() as session:
        count = service.refresh_open_orders(session)
    click.echo(f"refreshed the clocks of {count} open orders")
