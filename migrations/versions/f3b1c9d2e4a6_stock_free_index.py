"""stock: an index holding free stock (the listing's availability read from the index alone)

Revision ID: f3b1c9d2e4a6
Revises: a14b00c0f1e7
Create Date: 2026-12-03 12:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3b1c9d2e4a6'
down_revision = 'a14b00c0f1e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock', schema=None) as batch_op:
        batch_op.create_index('ix_stock_free', ['variant_id', 'warehouse_code', 'quantity', 'reserved'], unique=False)


def downgrade():
    with op.batch_alter_table('stock', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_free')
