"""order flag and 64-bit amount_minor

Orders flagged for the merchant (paid after cancellation with the stock gone,
a payment of another amount or currency), and ``amount_minor`` as BIGINT:
Stripe amounts have up to 12 digits, int4 overflows above 21,474,836.47.

Revision ID: 0e0db4063f78
Revises: 8203feb2e999
Create Date: 2026-12-02 01:46:44.924848

"""
from alembic import op
import sqlalchemy as sa

import storefront.db


# revision identifiers, used by Alembic.
revision = '0e0db4063f78'
down_revision = '8203feb2e999'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.alter_column('amount_minor', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('flag', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('flagged_at', storefront.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('flagged_at')
        batch_op.drop_column('flag')
        batch_op.alter_column('amount_minor', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
