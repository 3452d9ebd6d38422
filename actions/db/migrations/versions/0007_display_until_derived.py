"""records.display_until_derived: a 公示截止期 the platform derived, not the source's

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

A record imported without 公示截止期 gets one from the rules table (its tier's maximum under the
rule in force, services.display_periods.derived_display_until); this flag says so, so that the
console and the replies can call it derived (推定) rather than the source's (issue 16).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('records') as batch:
        batch.add_column(sa.Column('display_until_derived', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('records') as batch:
        batch.drop_column('display_until_derived')
