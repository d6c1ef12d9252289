"""outbox delivery state and merchant webhook subscriptions

Messages already sent stay sent; the others become pending, due at once.

Revision ID: 5b1e0d7c9a42
Revises: 0e0db4063f78
Create Date: 2026-12-02 01:55:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.db


# revision identifiers, used by Alembic.
revision = '5b1e0d7c9a42'
down_revision = '0e0db4063f78'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', storefront.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', storefront.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', storefront.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_until', storefront.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_attempt_at', storefront.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_subscription_id'), ['subscription_id'], unique=False)
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_subscription_id_webhook_subscription'),
                                    'webhook_subscription', ['subscription_id'], ['id'], ondelete='CASCADE')
    op.execute("UPDATE outbox_message SET status = 'sent' WHERE sent_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_subscription_id_webhook_subscription'),
                                 type_='foreignkey')
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_index(batch_op.f('ix_outbox_message_subscription_id'))
        batch_op.drop_column('subscription_id')
        batch_op.drop_column('last_error')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
    op.execute("DELETE FROM outbox_message WHERE kind = 'webhook'")
    op.drop_table('webhook_subscription')
