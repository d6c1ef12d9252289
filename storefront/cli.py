"""``flask storefront ...``: one CLI, grouped by domain."""
from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from storefront.extensions import db
from storefront import clock
from storefront.admin import audit
from storefront.admin.tokens import create_token
from storefront.admin.tokens import list_tokens
from storefront.admin.tokens import revoke
from storefront.browse import book
from storefront.catalog import listing
from storefront.checkout.models import Cart
from storefront.demo.loader import is_empty, load_demo
from storefront.errors import StorefrontError
from storefront.orders.models import OutboxMessage
from storefront.db import retry_when_locked, sqlite_locked
from storefront.orders.services import cancel_intents, expire_batch, order_by_token
from storefront.orders import worker
from storefront.payments.wiring import gateway
from storefront.devtools.localstripe import LocalStripeError, TEST_CARD, is_local_api_base, pay_payment_intent
from storefront.pricing import fx
from storefront.pricing.services import reprice
from storefront.tax.services import DATA_FILE, load_rates

class _StorefrontGroup(AppGroup):
    """A database without the tables yet is a message, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig)
            if "no such table" in text or ("relation" in text and "does not exist" in text):
                raise click.ClickException(
                    "the database has no tables yet: run `flask db upgrade` first (make run does)") from None
            raise


storefront_cli = _StorefrontGroup("storefront", help="Storefront commands.")
demo_cli = AppGroup("demo", help="The demo catalog.")
fx_cli = AppGroup("fx", help="Exchange rates.")
prices_cli = AppGroup("prices", help="Prices.")
tax_cli = AppGroup("tax", help="Tax rates.")
carts_cli = AppGroup("carts", help="Carts.")
tokens_cli = AppGroup("tokens", help="Merchant API tokens.")
orders_cli = AppGroup("orders", help="Orders.")
outbox_cli = AppGroup("outbox", help="Messages waiting for delivery.")
catalog_cli = AppGroup("catalog", help="The catalog.")
payments_cli = AppGroup("payments", help="Payments (localstripe for development).")
storefront_cli.add_command(demo_cli)
storefront_cli.add_command(fx_cli)
storefront_cli.add_command(prices_cli)
storefront_cli.add_command(tax_cli)
storefront_cli.add_command(carts_cli)
storefront_cli.add_command(tokens_cli)
storefront_cli.add_command(orders_cli)
storefront_cli.add_command(outbox_cli)
storefront_cli.add_command(catalog_cli)
storefront_cli.add_command(payments_cli)


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has markets.")
def demo_load(if_empty: bool) -> None:
    """Load the demo markets, catalog, prices and stock."""
    if not is_empty(db.session):
        if if_empty:
            click.echo("database not empty: demo catalog not loaded")
            return
        raise click.ClickException("the database already has data; load the demo into an empty database")
    from flask import current_app

    counts = load_demo(db.session, default_locale=current_app.config["DEFAULT_LOCALE"])
    db.session.commit()
    click.echo("demo catalog loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@catalog_cli.command("refresh")
@click.option("--rebuild", is_flag=True, help="Rebuild every fragment, current or not.")
def catalog_refresh(rebuild: bool) -> None:
    """Rebuild the listing book's fragments that are missing or stale (a new
    generation, a sale that started or ended, a dated tax rate change).
    Schedule it every few minutes, and run it after a deploy; writers keep
    the book current in between (storefront.browse.book)."""
    started = time.perf_counter()
    written = book.build(db.session) if rebuild else book.refresh(db.session)
    db.session.commit()
    click.echo(f"listing book: {written} fragment(s) written in {time.perf_counter() - started:.1f} s")


@catalog_cli.command("index")
@click.option("--rebuild", is_flag=True, help="Drop the listing read model and build it afresh.")
def catalog_index(rebuild: bool) -> None:
    """Build the listing read model for every market locale that lacks it
    (after an upgrade or a change of DEFAULT_LOCALE; merchant changes keep it current)."""
    from flask import current_app


    default = current_app.config["DEFAULT_LOCALE"]
    if rebuild:
        built = listing.rebuild(db.session, listing.chains_in_use(db.session, default))
    else:
        built = listing.index_in_use(db.session, default)
    db.session.commit()
    if built:
        click.echo(f"listing index built for {len(built)} locale chain(s): " + ", ".join(built))
    else:
        click.echo("listing index: every market locale is indexed already")


@fx_cli.command("import")
@click.argument("source", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")
@click.option("--latest-only", is_flag=True, help="Of a history file, import only the newest day.")
def fx_import(source: str, latest_only: bool) -> None:
    """Import ECB euro reference rates from a file or URL, then reprice."""
    from flask import current_app


    try:
        days, result = fx.import_ecb(db.session, fx.read_source(source), base=current_app.config["BASE_CURRENCY"],
                                     now=clock.now(), latest_only=latest_only)
    except (OSError, ValueError, StorefrontError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    newest = days[0]
    click.echo(f"imported {sum(len(d.rates) for d in days)} rates for {len(days)} day(s), newest {newest.date} "
               f"({len(newest.rates)} currencies); {result.changed} derived prices changed")


@prices_cli.command("reprice")
def prices_reprice() -> None:
    """Re-derive every price from base prices and current rates."""
    from flask import current_app


    result = reprice(db.session, base_currency=current_app.config["BASE_CURRENCY"], now=clock.now())
    db.session.commit()
    click.echo(f"{result.inserted} added, {result.updated} updated, {result.removed} removed, {result.unchanged} unchanged")


@tax_cli.command("load")
@click.argument("path", required=False)
def tax_load(path: str | None) -> None:
    """(Re)load the tax rates data file (storefront/tax/data/rates.json); merchant overrides stay."""
    from pathlib import Path


    count = load_rates(db.session, Path(path) if path else DATA_FILE)
    db.session.commit()
    click.echo(f"{count} tax rates loaded")


@carts_cli.command("purge")
def carts_purge() -> None:
    """Delete open carts that have expired (abandoned)."""
    from sqlalchemy import delete


    result = db.session.execute(delete(Cart).where(Cart.status == "open", Cart.expires_at <= clock.now()))
    db.session.commit()
    click.echo(f"{result.rowcount} expired carts deleted")


@orders_cli.command("expire")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Orders canceled per transaction.")
@click.option("--wait", "give_up_after", default=120.0, show_default=True, type=click.FloatRange(0),
              help="Seconds a batch keeps waiting for SQLite's write lock before giving up.")
def orders_expire(batch: int, give_up_after: float) -> None:
    """Cancel unpaid orders whose stock reservation ran out, releasing the stock.

    In short transactions of --batch orders, each waiting its turn for SQLite's
    write lock while webhooks and shoppers write; PaymentIntents are canceled
    after each batch is committed (no provider call holds the lock)."""
    count = 0
    while True:
        try:
            expired = retry_when_locked(db.session, lambda: expire_batch(db.session, clock.now(), batch),
                                        give_up_after=give_up_after)
        except OperationalError as err:
            if not sqlite_locked(err):
                raise
            click.echo(f"{count} unpaid orders canceled; the database stayed locked for {give_up_after:g} s: "
                       "run the command again", err=True)
            raise SystemExit(1) from None
        cancel_intents(gateway(), [intent for _, intent in expired if intent])
        if not expired:  # those canceled are no longer due: the last batch finds none
            break
        count += len(expired)
    click.echo(f"{count} unpaid orders canceled")


@payments_cli.command("pay-local")
@click.argument("order_token")
@click.option("--payment-method", default=TEST_CARD, show_default=True,
              help="A Stripe test PaymentMethod (pm_card_visa_chargeDeclined declines).")
@click.option("--wait", "wait_seconds", default=10.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait for the webhook to mark the order paid (0: do not wait).")
def payments_pay_local(order_token: str, payment_method: str, wait_seconds: float) -> None:
    """Pay an order's PaymentIntent on localstripe (attach a test card, confirm).

    localstripe then sends payment_intent.succeeded to the webhook registered by
    `make run-local-payments`, which marks the order paid. Refuses unless
    STRIPE_API_BASE points at a server that is not Stripe."""
    api_base = current_app.config.get("STRIPE_API_BASE") or ""
    if not is_local_api_base(api_base):
        raise click.ClickException(
            f"STRIPE_API_BASE={api_base!r} is not a local Stripe server; export the STRIPE_API_BASE and "
            "STRIPE_SECRET_KEY that `make run-local-payments` printed (README, \"Paying locally\")")
    try:
        order = order_by_token(db.session, order_token)
    except StorefrontError as exc:
        raise click.ClickException(str(exc.message)) from None
    if not order.payment_intent_id:
        raise click.ClickException(f"order {order.id} has no PaymentIntent")
    intent_id, status = order.payment_intent_id, order.status
    db.session.rollback()  # hold no transaction while the webhook writes
    if status != "pending_payment":
        raise click.ClickException(f"order {order_token} is {status}, not pending_payment")
    try:
        intent = pay_payment_intent(api_base, current_app.config["STRIPE_SECRET_KEY"], intent_id, payment_method)
    except LocalStripeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{intent_id}: {intent.get('status')}")
    if intent.get("status") != "succeeded" or not wait_seconds:
        return
    deadline = time.monotonic() + wait_seconds
    while True:
        status = order_by_token(db.session, order_token).status
        db.session.rollback()
        if status != "pending_payment" or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if status == "pending_payment":
        raise click.ClickException(f"order still pending_payment after {wait_seconds:g} s: is the server "
                                   "running with the webhook registered (make run-local-payments)?")
    click.echo(f"order {order_token}: {status}")


@outbox_cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include messages already sent.")
def outbox_list(show_all: bool) -> None:
    """Print the messages waiting for delivery (order confirmations)."""
    from sqlalchemy import select


    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if not show_all:
        stmt = stmt.where(OutboxMessage.sent_at.is_(None))
    messages = db.session.scalars(stmt).all()
    for m in messages:
        tried = f", {m.attempts} attempt(s), last error: {m.last_error}" if m.last_error else ""
        click.echo(f"--- #{m.id} {m.kind} to {m.recipient} [{m.locale}] {m.status}{tried}")
        click.echo(f"Subject: {m.subject}\n")
        click.echo(m.body)
    click.echo(f"{len(messages)} message(s)")


@outbox_cli.command("deliver")
@click.option("--watch", is_flag=True, help="Keep running: deliver as messages come (the worker mode).")
@click.option("--poll", "poll_seconds", type=float, default=None, help="Seconds between polls when idle "
              "(default OUTBOX_POLL_SECONDS).")
def outbox_deliver(watch: bool, poll_seconds: float | None) -> None:
    """Send the messages that are due (e-mail by SMTP, webhooks by HTTPS), retrying failures with backoff."""
    _deliver(watch, poll_seconds)


@outbox_cli.command("worker")
@click.option("--poll", "poll_seconds", type=float, default=None, help="Seconds between polls when idle.")
def outbox_worker(poll_seconds: float | None) -> None:
    """Deliver continuously until SIGTERM or Ctrl-C (the message in hand is finished first)."""
    _deliver(True, poll_seconds)


def _deliver(watch: bool, poll_seconds: float | None) -> None:
    import signal
    import threading
    from datetime import timedelta

    from flask import current_app

    config = current_app.config
    transports, policy = worker.transports_from_config(config), worker.policy_from_config(config)
    options = {"batch": 20, "lease": timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])}
    if not watch:
        counts = worker.deliver_pass(db.session, transports, policy, clock.now, **options)
    else:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        poll = config["OUTBOX_POLL_SECONDS"] if poll_seconds is None else poll_seconds
        click.echo(f"outbox worker started: delivering what is due, polling every {poll:g} s when idle; "
                   "SIGTERM or Ctrl-C stops it after the message in hand", err=True)
        counts = worker.run(db.session, transports, policy, clock.now, stop=stop, poll_seconds=poll, **options)
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "nothing due")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["admin", "catalog", "pricing", "orders"]), help="Repeat for several roles.")
def tokens_create(name: str, roles: tuple[str, ...]) -> None:
    """Create a merchant API token; the secret is printed once."""
    secret, row = create_token(db.session, name, roles, "cli", clock.now())
    audit.record(db.session, "create", "api_token", row.id, None, {"name": row.name, "roles": row.roles})
    db.session.commit()
    click.echo(f"token {row.id} ({', '.join(row.roles)}): {secret}")
    click.echo("Store it now: it is not shown again.")


@tokens_cli.command("list")
def tokens_list() -> None:
    """List tokens (prefixes only)."""
    for t in list_tokens(db.session):
        state = "revoked" if t.revoked_at else "active"
        click.echo(f"{t.id}\t{t.prefix}…\t{t.name}\t{','.join(t.roles)}\t{state}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke a token."""
    revoke(db.session, token_id, clock.now())
    db.session.commit()
    click.echo(f"token {token_id} revoked")


def init_app(app: Flask) -> None:
    app.cli.add_command(storefront_cli)
