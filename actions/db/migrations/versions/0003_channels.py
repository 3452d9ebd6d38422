"""channels: console sessions, the outbox to conversations, staff-assisted conversations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

The staff console signs staff in (staff_sessions), answers handed-over conversations and tells
users of ticket changes through an outbox (channel_messages) that the web page and the Telegram
bridge deliver, and files on a caller's behalf (assist_conversations).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoff_requests') as batch:
        batch.add_column(sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'staff_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('user_agent', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_staff_id_staff_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash')),
    )
    op.create_index(op.f('ix_staff_sessions_staff_id'), 'staff_sessions', ['staff_id'], unique=False)
    op.create_table(
        'channel_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=30), nullable=True),
        sa.Column('sender_id', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('ticket_no', sa.String(length=20), nullable=True),
        sa.Column('handoff_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('staff_reply', 'ticket_status', 'handoff_closed')",
                           name=op.f('ck_channel_messages_kind')),
        sa.ForeignKeyConstraint(['handoff_id'], ['handoff_requests.id'],
                                name=op.f('fk_channel_messages_handoff_id_handoff_requests'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'],
                                name=op.f('fk_channel_messages_staff_id_staff_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_messages')),
    )
    op.create_index(op.f('ix_channel_messages_sender_id'), 'channel_messages', ['sender_id'], unique=False)
    op.create_index('ix_channel_messages_channel_delivered_at', 'channel_messages', ['channel', 'delivered_at'],
                    unique=False)
    op.create_table(
        'assist_conversations',
        sa.Column('sender_id', sa.String(length=200), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('caller', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'],
                                name=op.f('fk_assist_conversations_staff_id_staff_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('sender_id', name=op.f('pk_assist_conversations')),
    )


def downgrade() -> None:
    op.drop_table('assist_conversations')
    op.drop_index('ix_channel_messages_channel_delivered_at', table_name='channel_messages')
    op.drop_index(op.f('ix_channel_messages_sender_id'), table_name='channel_messages')
    op.drop_table('channel_messages')
    op.drop_index(op.f('ix_staff_sessions_staff_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
    with op.batch_alter_table('handoff_requests') as batch:
        batch.drop_column('last_message_at')
