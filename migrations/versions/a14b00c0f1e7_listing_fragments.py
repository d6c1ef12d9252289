"""listing book: pre-encoded listing fragments per product, market and locale

Revision ID: a14b00c0f1e7
Revises: a7c2e4f6b813
Create Date: 2026-12-02 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a14b00c0f1e7'
down_revision = 'a7c2e4f6b813'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('listing_fragment',
    sa.Column('market_code', sa.String(length=8), nullable=False),
    sa.Column('locale', sa.String(length=35), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=120), nullable=False),
    sa.Column('generation', sa.String(length=32), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('variant_ids', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['market_code'], ['market.code'], name=op.f('fk_listing_fragment_market_code_market'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_listing_fragment_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('market_code', 'locale', 'product_id', name=op.f('pk_listing_fragment'))
    )
    with op.batch_alter_table('listing_fragment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_fragment_product_id'), ['product_id'], unique=False)


def downgrade():
    with op.batch_alter_table('listing_fragment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_fragment_product_id'))
    op.drop_table('listing_fragment')
