"""category translation updated_at (a category's translations can be outdated against their source text)

Revision ID: a7c2e4f6b813
Revises: e5a1c3f7b902
Create Date: 2026-12-02 17:45:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import storefront.db


# revision identifiers, used by Alembic.
revision = 'a7c2e4f6b813'
down_revision = 'e5a1c3f7b902'
branch_labels = None
depends_on = None

# Existing rows get one time: none is older than its source text, so none reads as outdated.
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def upgrade():
    with op.batch_alter_table('category_translation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', storefront.db.UTCDateTime(timezone=True), nullable=True))
    table = sa.table('category_translation', sa.column('updated_at', storefront.db.UTCDateTime(timezone=True)))
    op.execute(table.update().values(updated_at=EPOCH))
    with op.batch_alter_table('category_translation', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=storefront.db.UTCDateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('category_translation', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
