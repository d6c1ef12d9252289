"""The hot queries use indexes on PostgreSQL (EXPLAIN), not sequential scans
of the big tables."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from storefront.browse import queries
from storefront.i18n.fallback import fallback_chain


@pytest.fixture
def pg(backend, session):
    if backend != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL, the production database")
    # Small demo tables would be scanned whatever the indexes: ask the planner
    # to use an index whenever one applies, then look for it in the plan.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return session


def plan(session, stmt, params=None) -> str:
    """EXPLAIN the statement as SQLAlchemy sends it, through the driver."""
    connection = session.connection()
    compiled = stmt.compile(connection)
    values = compiled.construct_params(params or {})
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", values).all()
    return "\n".join(r[0] for r in rows)


def test_slug_lookup_uses_the_slug_index(pg):
    text_plan = plan(pg, queries.slug_owners_statement("stolz-und-vorurteil-illustrierte-ausgabe"))
    assert "ix_product_translation_slug" in text_plan or "uq_product_translation_locale" in text_plan, text_plan


def test_listing_joins_through_primary_keys_and_indexes(pg):
    stmt, params = queries.prepared_page(market="DE", now=datetime.now(timezone.utc),
                                         chain=fallback_chain("de-DE", "en"), sort="name", limit=25)
    text_plan = plan(pg, stmt, params)
    # With sequential scans disabled, one still appears only where no index applies.
    assert "Seq Scan" not in text_plan, text_plan
    assert "product_translation" in text_plan and "Index" in text_plan


def test_variants_and_prices_of_a_page_use_indexes(pg):
    stmt = queries.variants_statement("DE", [1, 2, 3], datetime.now(timezone.utc))
    sql = stmt.compile(pg.connection(), compile_kwargs={"literal_binds": True})
    text_plan = "\n".join(r[0] for r in pg.connection().exec_driver_sql(f"EXPLAIN {sql}").all())
    assert "Seq Scan" not in text_plan, text_plan


def test_name_listing_walks_the_read_model_index(pg):
    """Ordered by name, a page can come off ix_product_listing_text_sort in
    order: no sort of the catalog. (The demo is small enough that sorting it is
    cheaper, so sorting is disabled here; the large-catalog benchmark shows the
    planner picking this plan by itself at 20,000 products.)"""
    pg.execute(text("SET LOCAL enable_sort = off"))
    chain = fallback_chain("de-DE", "en")
    stmt, params = queries.prepared_page(market="DE", now=datetime.now(timezone.utc), chain=chain, sort="name",
                                         limit=25, listing_chain=" ".join(chain))
    text_plan = plan(pg, stmt, params)
    assert "ix_product_listing_text_sort" in text_plan, text_plan
    assert "Sort Key" not in text_plan, text_plan
