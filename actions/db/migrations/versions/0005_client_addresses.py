"""client addresses: limits per client address on lookups, new conversations and handoff requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

The limits per conversation count per sender id, which the client chooses: 200 fresh page ids
made 200 lookups. The channels now pass the client's address (never the client's own claim) and
the limits also count per address (actions/rules/limits.yml, address_*):

- audit_log.client_address: the address of the chat message a lookup was made for; the lookup
  limit per address counts it (index on (client_address, at));
- client_conversations: the first time each conversation was seen and from which address; new
  conversations per address are counted there (index on (client_address, first_seen_at));
- handoff_requests.client_address: handoff requests per address are limited, and the console
  flags bursts from one address (index on (client_address, created_at)).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('client_address', sa.String(length=64), nullable=True))
    op.create_index('ix_audit_log_client_address_at', 'audit_log', ['client_address', 'at'], unique=False)
    with op.batch_alter_table('handoff_requests') as batch:
        batch.add_column(sa.Column('client_address', sa.String(length=64), nullable=True))
    op.create_index('ix_handoff_requests_client_address_created_at', 'handoff_requests',
                    ['client_address', 'created_at'], unique=False)
    op.create_table(
        'client_conversations',
        sa.Column('sender_id', sa.String(length=200), nullable=False),
        sa.Column('client_address', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=30), nullable=True),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint('sender_id', name=op.f('pk_client_conversations')),
    )
    op.create_index('ix_client_conversations_client_address_first_seen_at', 'client_conversations',
                    ['client_address', 'first_seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_client_conversations_client_address_first_seen_at', table_name='client_conversations')
    op.drop_table('client_conversations')
    op.drop_index('ix_handoff_requests_client_address_created_at', table_name='handoff_requests')
    with op.batch_alter_table('handoff_requests') as batch:
        batch.drop_column('client_address')
    op.drop_index('ix_audit_log_client_address_at', table_name='audit_log')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('client_address')
