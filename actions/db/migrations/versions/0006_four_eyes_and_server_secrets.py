"""four-eyes decisions and shared server secrets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

- ticket_proposals: a decision that changes a published record (更正, 撤销, 准予修复) is proposed by
  one staff member and carried out only when a supervisor or administrator who is someone else
  approves it; one operator alone can no longer take a record off a list (issue 15, finding 8).
- server_secrets: keys every web server replica shares through the database, first the one that
  signs the console sign-in form's CSRF token (a token must be one the server issued).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OUTCOMES = ("更正", "撤销", "补充", "停止公示", "移出名单", "维持", "准予修复", "不予修复")
STATUSES = ("待批准", "已批准", "已驳回", "已失效")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        'ticket_proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=10), server_default='待批准', nullable=False),
        sa.Column('proposed_by', sa.Integer(), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in('status', STATUSES), name=op.f('ck_ticket_proposals_status')),
        sa.CheckConstraint(_in('outcome', OUTCOMES), name=op.f('ck_ticket_proposals_outcome')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_proposals_ticket_id_tickets'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['proposed_by'], ['staff_users.id'],
                                name=op.f('fk_ticket_proposals_proposed_by_staff_users'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['decided_by'], ['staff_users.id'],
                                name=op.f('fk_ticket_proposals_decided_by_staff_users'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_proposals')),
    )
    op.create_index('ix_ticket_proposals_ticket_id', 'ticket_proposals', ['ticket_id'], unique=False)
    op.create_table(
        'server_secrets',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_server_secrets')),
    )


def downgrade() -> None:
    op.drop_table('server_secrets')
    op.drop_index('ix_ticket_proposals_ticket_id', table_name='ticket_proposals')
    op.drop_table('ticket_proposals')
