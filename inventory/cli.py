"""`flask inventory reconcile`: prove the cached stock levels equal the ledger."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import get_session
from inventory import queries

inventory_cli = AppGroup("inventory", help="Spare parts.")


@inventory_cli.command("reconcile")
def reconcile_command():
    """Compare every level with the sum of its ledger rows; exit 1 on any difference."""
    differences = queries.reconcile(get_session())
    if not differences:
        click.echo("stock levels agree with the ledger")
        return
    for row in differences:
        click.echo(f"part {row['part_id']} at location {row['location_id']}: {row['what']} cached "
                   f"{row['cached']}, ledger {row['ledger']}")
    raise SystemExit(1)
