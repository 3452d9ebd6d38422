"""ticket decisions: when a ticket was decided and when a record's joint punishment ended

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

A decision (xinyong tickets decide, later the staff console) closes a ticket and changes its
record in one transaction; these two columns let other systems see when.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('records') as batch:
        batch.add_column(sa.Column('punishment_ended_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('decided_at')
    with op.batch_alter_table('records') as batch:
        batch.drop_column('punishment_ended_at')
