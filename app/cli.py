"""`flask …` commands: migrations, bootstrap an admin, demo data."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text

from app.auth.models import Role
from app.db import unit_of_work
from app.errors import DomainError


def upgrade_database(url: str, revision: str = "head") -> None:
    """Run Alembic migrations against `url` (used by `flask db-upgrade` and the tests)."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, revision)


user_cli = AppGroup("user", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="The Shanghai demo dataset.")


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value, show_default=True)
@click.option("--username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email, name, role, username, password):
    """Create a user (by default an admin, to bootstrap a new installation)."""
    from app.auth.service import create_user
    try:
        with unit_of_work() as session:
            user = create_user(session, email=email, name=name, role=Role(role), password=password,
                               username=username)
            click.echo(f"created {user.role.value} {user.email} (id {user.id})")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has work orders.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (the same seed gives the same data).")
def load_demo_command(if_empty, seed):
    """Load the Shanghai demo company: engineers, customers, sites, assets, open orders, spare parts,
    teams and SLA policies."""
    from app import demo
    with unit_of_work() as session:
        if if_empty and not demo.database_is_empty(session):
            click.echo("demo: database has data already; nothing loaded")
            return
        counts = demo.load_demo(session, seed=seed)
        # The spare parts build on the demo's engineers and orders (and live in their own package).
        from inventory.demo import load_inventory_demo
        counts |= load_inventory_demo(session, seed=seed, today=demo.reference_day())
        # Teams, SLA policies, past ratings and every order's clocks.
        from sla.demo import load_sla_demo
        counts |= load_sla_demo(session, seed=seed)
        # Today's two visits of the demo customer with a rating link and a tracking link.
        from customer_links.demo import load_links_demo
        counts |= load_links_demo(session)
    # Statistics for the planner now, not when autovacuum next passes: the first KPI
    # query on a freshly loaded demo would otherwise be planned for empty tables.
    with unit_of_work() as session:
        session.execute(text("ANALYZE"))
    click.echo("demo: loaded " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@demo_cli.command("accounts")
def demo_accounts_command():
    """Print the demo accounts, one per role."""
    from app import demo
    for role, email in demo.DEMO_ACCOUNTS:
        click.echo(f"{role:<17} {email}")


@demo_cli.command("links")
def demo_links_command():
    """Print the customer links that still work (rating and tracking), to open in a browser."""
    from sqlalchemy import select

    from customer_links.jobs import link_url
    from customer_links.models import CustomerLink
    from customer_links.service import link_status
    with unit_of_work() as session:
        links = session.scalars(select(CustomerLink).order_by(CustomerLink.id)).all()
        for link in links:
            if link_status(link) in ("pending", "sent", "failing"):
                click.echo(f"{link.kind.value:<9} {link.work_order.number:<16} {link_url(link)}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_cli)

    @app.cli.command("db-upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision):
        """Apply Alembic migrations up to REVISION (default head)."""
        upgrade_database(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
        click.echo(f"database upgraded to {revision}")
