"""order tax provider and calculation id (which provider taxed the order: builtin tables or Stripe Tax)

Revision ID: e5a1c3f7b902
Revises: 7c4e2b9d1f03
Create Date: 2026-12-02 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a1c3f7b902'
down_revision = '7c4e2b9d1f03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_provider', sa.String(length=16), nullable=False, server_default='builtin'))
        batch_op.add_column(sa.Column('tax_calculation_id', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('tax_calculation_id')
        batch_op.drop_column('tax_provider')
