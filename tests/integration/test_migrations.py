"""The Alembic migrations produce exactly the models' schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storefront import models  # noqa: F401  (complete metadata)
from storefront.db import Base


def test_migrations_match_the_models(app):
    from storefront.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migration_history_is_linear():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storefront.config import ROOT

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1


def test_markets_taxed_in_japan_move_to_per_order_rounding(tmp_path):
    """Qualified invoices round the consumption tax once per rate (消費税法施行令 Art. 70-10):
    the data migration b9d4a7f735f9 sets JP markets to "order" and leaves the others."""
    from decimal import Decimal

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import insert, select

    from storefront import create_app
    from storefront.extensions import db
    from storefront.markets.models import Market

    app = create_app(env="test", overrides={"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})
    table = Market.__table__
    with app.app_context():
        upgrade(revision="2d9ebcc493be")
        common = {"prices_include_tax": True, "is_default": False, "rounding": "minor", "tax_rate": Decimal(10),
                  "tax_name": "VAT", "price_uplift": Decimal(0), "derived_rounding": "minor", "incoterm": "DDP",
                  "tax_rounding": "line", "position": 0}
        db.session.execute(insert(table), [{**common, "code": "JP", "currency": "JPY", "tax_jurisdiction": "JP"},
                                           {**common, "code": "JPX", "currency": "JPY", "tax_jurisdiction": "JP"},
                                           {**common, "code": "DE", "currency": "EUR", "tax_jurisdiction": "DE"}])
        db.session.commit()

        def roundings():
            found = dict(db.session.execute(select(table.c.code, table.c.tax_rounding)).all())
            db.session.rollback()  # release SQLite's lock before the next migration
            return found

        upgrade(revision="b9d4a7f735f9")
        assert roundings() == {"JP": "order", "JPX": "order", "DE": "line"}
        downgrade(revision="2d9ebcc493be")
        assert roundings() == {"JP": "line", "JPX": "line", "DE": "line"}
        db.session.remove()
