"""listing book: fragments stored with every variant available (no placeholders)

The fragments written before this revision hold a placeholder where each
variant's availability goes; from this revision they hold ``true`` and the
listing patches only the variants without free stock. The old fragments are
dropped: until ``flask storefront catalog refresh`` (``make run`` runs it; run
it after the deploy) listings build their products the long way, never wrong.

Revision ID: b7e2d4f6a8c1
Revises: f3b1c9d2e4a6
Create Date: 2026-12-03 14:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e2d4f6a8c1'
down_revision = 'f3b1c9d2e4a6'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM listing_fragment")


def downgrade():
    op.execute("DELETE FROM listing_fragment")  # (the older code reads placeholders: rebuilt by its refresh)
