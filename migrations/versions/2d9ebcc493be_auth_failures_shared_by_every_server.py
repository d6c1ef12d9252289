"""auth failures shared by every server

Revision ID: 2d9ebcc493be
Revises: 5b1e0d7c9a42
Create Date: 2026-12-02 01:48:31.053809

"""
from alembic import op
import sqlalchemy as sa

import storefront.db


# revision identifiers, used by Alembic.
revision = '2d9ebcc493be'
down_revision = '5b1e0d7c9a42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auth_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', storefront.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_failure'))
    )
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.create_index('ix_auth_failure_at', ['at'], unique=False)
        batch_op.create_index('ix_auth_failure_key_at', ['key', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_auth_failure_key_at')
        batch_op.drop_index('ix_auth_failure_at')
    op.drop_table('auth_failure')
