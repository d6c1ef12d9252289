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
