"""audit log by actor and time: the lookup and sign-in limits count from it

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The limits on lookups per conversation (and per staff member) and on failed console sign-ins per
client address count an actor's recent audit entries (actions/services/rate_limit.py), on every
lookup. An index on (actor, at) makes that a short range scan instead of a scan of the log.
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_log_actor_at', 'audit_log', ['actor', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_actor_at', table_name='audit_log')
