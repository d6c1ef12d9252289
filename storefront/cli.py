"""``flask storefront ...``: one CLI, grouped by domain."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from storefront.extensions import db

storefront_cli = AppGroup("storefront", help="Storefront commands.")
demo_cli = AppGroup("demo", help="The demo catalog.")
storefront_cli.add_command(demo_cli)


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has markets.")
def demo_load(if_empty: bool) -> None:
    """Load the demo markets, catalog, prices and stock."""
    from storefront.demo.loader import is_empty, load_demo

    if not is_empty(db.session):
        if if_empty:
            click.echo("database not empty: demo catalog not loaded")
            return
        raise click.ClickException("the database already has data; load the demo into an empty database")
    counts = load_demo(db.session)
    db.session.commit()
    click.echo("demo catalog loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


def init_app(app: Flask) -> None:
    app.cli.add_command(storefront_cli)
