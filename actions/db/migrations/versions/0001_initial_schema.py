"""initial schema: subjects, records, tickets, staff, handoffs, audit log, name search index

Revision ID: 0001
Revises:
Create Date: 2026-11-23

The name search index is dialect-specific and pure SQL, so that other systems writing `subjects`
keep it in sync without our code: SQLite gets an FTS5 trigram table over subjects.name_norm kept
by triggers; PostgreSQL gets pg_trgm and a GIN trigram index on the same column.
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('actor_type', sa.String(length=10), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('channel', sa.String(length=30), nullable=True),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('target_type', sa.String(length=30), nullable=True),
    sa.Column('target_id', sa.String(length=100), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.CheckConstraint("actor_type IN ('anonymous', 'subject', 'staff', 'system')", name=op.f('ck_audit_log_actor_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('encoding', sa.String(length=20), nullable=True),
    sa.Column('strict', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('imported', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('updated', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('unchanged', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('rejected', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('rejects_file', sa.String(length=500), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.CheckConstraint("kind IN ('penalty', 'license', 'list', 'demo')", name=op.f('ck_import_batches_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=20), server_default='operator', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("role IN ('operator', 'supervisor', 'admin')", name=op.f('ck_staff_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_norm', sa.String(length=400), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('reg_no', sa.String(length=50), nullable=True),
    sa.Column('org_code', sa.String(length=9), nullable=True),
    sa.Column('tax_no', sa.String(length=50), nullable=True),
    sa.Column('institution_no', sa.String(length=50), nullable=True),
    sa.Column('social_org_no', sa.String(length=50), nullable=True),
    sa.Column('legal_rep', sa.String(length=100), nullable=True),
    sa.Column('legal_rep_id_type', sa.String(length=30), nullable=True),
    sa.Column('legal_rep_id_number', sa.String(length=40), nullable=True),
    sa.Column('id_type', sa.String(length=30), nullable=True),
    sa.Column('id_number', sa.String(length=40), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('region_name', sa.String(length=50), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("subject_type IN ('法人及非法人组织', '个体工商户', '自然人')", name=op.f('ck_subjects_subject_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects')),
    sa.UniqueConstraint('id_number', name=op.f('uq_subjects_id_number')),
    sa.UniqueConstraint('uscc', name=op.f('uq_subjects_uscc'))
    )
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subjects_name_norm'), ['name_norm'], unique=False)
        batch_op.create_index(batch_op.f('ix_subjects_org_code'), ['org_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_subjects_reg_no'), ['reg_no'], unique=False)

    op.create_table('ticket_counters',
    sa.Column('prefix', sa.String(length=2), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_no', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'day', name=op.f('pk_ticket_counters'))
    )
    op.create_table('handoff_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='待处理', nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('transcript', sa.JSON(), nullable=True),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('待处理', '处理中', '已关闭')", name=op.f('ck_handoff_requests_status')),
    sa.ForeignKeyConstraint(['assigned_to'], ['staff_users.id'], name=op.f('fk_handoff_requests_assigned_to_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_requests'))
    )
    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_requests_sender_id'), ['sender_id'], unique=False)

    op.create_table('records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('natural_key', sa.String(length=500), nullable=False),
    sa.Column('doc_number', sa.String(length=200), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('agency_code', sa.String(length=18), nullable=True),
    sa.Column('data_source', sa.String(length=200), nullable=True),
    sa.Column('data_source_code', sa.String(length=18), nullable=True),
    sa.Column('display_status', sa.String(length=10), server_default='公示中', nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('severity_tier', sa.String(length=4), nullable=True),
    sa.Column('display_until', sa.Date(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('punishment_suspended', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('violation_type', sa.String(length=300), nullable=True),
    sa.Column('violation_facts', sa.Text(), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('penalty_category', sa.String(length=200), nullable=True),
    sa.Column('penalty_content', sa.Text(), nullable=True),
    sa.Column('fine_amount', sa.Numeric(precision=18, scale=6), nullable=True),
    sa.Column('confiscation_amount', sa.Numeric(precision=18, scale=6), nullable=True),
    sa.Column('license_revoked', sa.String(length=300), nullable=True),
    sa.Column('license_doc_name', sa.String(length=200), nullable=True),
    sa.Column('license_category', sa.String(length=20), nullable=True),
    sa.Column('certificate_name', sa.String(length=200), nullable=True),
    sa.Column('license_number', sa.String(length=200), nullable=True),
    sa.Column('license_content', sa.Text(), nullable=True),
    sa.Column('current_status', sa.String(length=50), nullable=True),
    sa.Column('list_type', sa.String(length=50), nullable=True),
    sa.Column('list_reason', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("display_status IN ('公示中', '异议处理中', '已修复停止公示', '已撤销', '已到期')", name=op.f('ck_records_display_status')),
    sa.CheckConstraint("kind IN ('penalty', 'license', 'list')", name=op.f('ck_records_kind')),
    sa.CheckConstraint("severity_tier IS NULL OR severity_tier IN ('轻微', '一般', '严重')", name=op.f('ck_records_severity_tier')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_records_batch_id_import_batches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_records_subject_id_subjects'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records')),
    sa.UniqueConstraint('kind', 'natural_key', name=op.f('uq_records_kind_natural_key'))
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_records_doc_number'), ['doc_number'], unique=False)
        batch_op.create_index('ix_records_subject_kind_status', ['subject_id', 'kind', 'display_status'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_no', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='已提交', nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('ground', sa.String(length=20), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('performance', sa.Text(), nullable=True),
    sa.Column('commitment_text', sa.Text(), nullable=True),
    sa.Column('commitment_agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('channel', sa.String(length=30), nullable=True),
    sa.Column('sender_id', sa.String(length=200), nullable=True),
    sa.Column('staff_assisted_by', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("ground IS NULL OR ground IN ('信息错误', '非本主体', '已撤销或变更', '超过公示期限', '其他')", name=op.f('ck_tickets_ground')),
    sa.CheckConstraint("kind IN ('objection', 'repair')", name=op.f('ck_tickets_kind')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('更正', '撤销', '补充', '停止公示', '移出名单', '维持', '准予修复', '不予修复')", name=op.f('ck_tickets_outcome')),
    sa.CheckConstraint("status IN ('已提交', '已受理', '核实中', '审核中', '已办结', '退回补正')", name=op.f('ck_tickets_status')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_tickets_record_id_records'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['staff_assisted_by'], ['staff_users.id'], name=op.f('fk_tickets_staff_assisted_by_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_tickets_subject_id_subjects'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_tickets_idempotency_key')),
    sa.UniqueConstraint('ticket_no', name=op.f('uq_tickets_ticket_no'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_subject_id'), ['subject_id'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('actor_type', sa.String(length=10), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("actor_type IN ('anonymous', 'subject', 'staff', 'system')", name=op.f('ck_ticket_events_actor_type')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('更正', '撤销', '补充', '停止公示', '移出名单', '维持', '准予修复', '不予修复')", name=op.f('ck_ticket_events_outcome')),
    sa.CheckConstraint("status IN ('已提交', '已受理', '核实中', '审核中', '已办结', '退回补正')", name=op.f('ck_ticket_events_status')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)
    _create_name_index()


SQLITE_NAME_INDEX = [
    "CREATE VIRTUAL TABLE subjects_fts USING fts5("
    "name_norm, content='subjects', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER subjects_fts_ai AFTER INSERT ON subjects BEGIN "
    "INSERT INTO subjects_fts(rowid, name_norm) VALUES (new.id, new.name_norm); END",
    "CREATE TRIGGER subjects_fts_ad AFTER DELETE ON subjects BEGIN "
    "INSERT INTO subjects_fts(subjects_fts, rowid, name_norm) VALUES ('delete', old.id, old.name_norm); END",
    "CREATE TRIGGER subjects_fts_au AFTER UPDATE OF name_norm ON subjects BEGIN "
    "INSERT INTO subjects_fts(subjects_fts, rowid, name_norm) VALUES ('delete', old.id, old.name_norm); "
    "INSERT INTO subjects_fts(rowid, name_norm) VALUES (new.id, new.name_norm); END",
]
POSTGRES_NAME_INDEX = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_subjects_name_norm_trgm ON subjects USING gin (name_norm gin_trgm_ops)",
]


def _create_name_index() -> None:
    dialect = op.get_bind().dialect.name
    for stmt in {"sqlite": SQLITE_NAME_INDEX, "postgresql": POSTGRES_NAME_INDEX}.get(dialect, []):
        op.execute(stmt)


def _drop_name_index() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("subjects_fts_ai", "subjects_fts_ad", "subjects_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS subjects_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_subjects_name_norm_trgm")


def downgrade() -> None:
    _drop_name_index()
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))

    op.drop_table('ticket_events')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_subject_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_sender_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_record_id'))

    op.drop_table('tickets')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_subject_kind_status')
        batch_op.drop_index(batch_op.f('ix_records_doc_number'))

    op.drop_table('records')
    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_requests_sender_id'))

    op.drop_table('handoff_requests')
    op.drop_table('ticket_counters')
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subjects_reg_no'))
        batch_op.drop_index(batch_op.f('ix_subjects_org_code'))
        batch_op.drop_index(batch_op.f('ix_subjects_name_norm'))

    op.drop_table('subjects')
    op.drop_table('staff_users')
    op.drop_table('import_batches')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
