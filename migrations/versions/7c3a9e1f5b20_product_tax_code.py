"""product tax code (Stripe product tax codes and project sub-codes)

Existing products keep tax_code NULL: they are taxed by their tax_category as
before until the merchant (or the demo loader) gives them a code.

Revision ID: 7c3a9e1f5b20
Revises: 2d9ebcc493be
Create Date: 2026-12-02 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3a9e1f5b20'
down_revision = '2d9ebcc493be'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_code', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('tax_code')
