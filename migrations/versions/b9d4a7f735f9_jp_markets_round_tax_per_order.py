"""Japanese markets round consumption tax per order (qualified invoices)

Japan's qualified invoice system (適格請求書等保存方式, from 2023-10-01) allows one
rounding of the consumption tax per tax rate per invoice, never a sum of
per-line rounded amounts (消費税法施行令 Art. 70-10, e-Gov
https://laws.e-gov.go.jp/law/363CO0000000360; National Tax Agency, インボイス制度
Q&A on 端数処理, https://www.nta.go.jp/taxes/shiraberu/zeimokubetsu/shohi/keigenzeiritsu/invoice.htm,
2023). Markets taxed in Japan switch to per-order rounding
(storefront.tax.calculation, rounding="order": one rounding per rate group).
Downgrade puts them back to per-line rounding.

Revision ID: b9d4a7f735f9
Revises: 7c3a9e1f5b20
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9d4a7f735f9'
down_revision = '7c3a9e1f5b20'
branch_labels = None
depends_on = None

market = sa.table("market", sa.column("code", sa.String), sa.column("tax_jurisdiction", sa.String),
                  sa.column("tax_rounding", sa.String))
TAXED_IN_JAPAN = sa.or_(market.c.tax_jurisdiction == "JP",
                        sa.and_(market.c.tax_jurisdiction.is_(None), market.c.code == "JP"))


def upgrade():
    op.execute(market.update().where(TAXED_IN_JAPAN).values(tax_rounding="order"))


def downgrade():
    op.execute(market.update().where(TAXED_IN_JAPAN).values(tax_rounding="line"))
