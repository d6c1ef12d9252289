"""refund provider call lease (a requested refund can be retried once no call is in flight)

Revision ID: 7c4e2b9d1f03
Revises: b9d4a7f735f9
Create Date: 2026-12-02 04:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.db


# revision identifiers, used by Alembic.
revision = '7c4e2b9d1f03'
down_revision = 'b9d4a7f735f9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_call_until', storefront.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_column('provider_call_until')
