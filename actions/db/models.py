"""The platform database as xinyong reads and writes it. docs/schema.md documents every table and
status for the other systems that share it; migrations/ is the only way the schema changes."""
from __future__ import annotations

import datetime as dt
import warnings

from sqlalchemy import (
    JSON,
    false,
    func,
    text,
    true,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

from actions.services import client_context

# SQLite keeps NUMERIC as a double. Amounts here are 万元 to six places (0.01 元), far inside a
# double's exact range, so SQLAlchemy's warning about it is noise.
warnings.filterwarnings("ignore", message="Dialect sqlite.*does \\*not\\* support Decimal")

# Stable constraint names, so migrations on SQLite (batch mode) and PostgreSQL agree.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Base = declarative_base(metadata=metadata)

# ---------------------------------------------------------------- vocabularies (the contract)
SUBJECT_TYPES = ("法人及非法人组织", "个体工商户", "自然人")
RECORD_KINDS = ("penalty", "license", "list")
DISPLAY_STATUSES = ("公示中", "异议处理中", "已修复停止公示", "已撤销", "已到期")
SEVERITY_TIERS = ("轻微", "一般", "严重")
TICKET_KINDS = ("objection", "repair")
TICKET_STATUSES = ("已提交", "已受理", "核实中", "审核中", "已办结", "退回补正")
# Objections: 更正 / 撤销 / 补充 / 停止公示 / 移出名单 / 维持; repairs: 准予修复 / 不予修复 (DOMAIN.md).
TICKET_OUTCOMES = ("更正", "撤销", "补充", "停止公示", "移出名单", "维持", "准予修复", "不予修复")
OBJECTION_GROUNDS = ("信息错误", "非本主体", "已撤销或变更", "超过公示期限", "其他")
HANDOFF_STATUSES = ("待处理", "处理中", "已关闭")
# What the outbox carries to a conversation: a person's reply, a ticket's new status, a handoff's end.
MESSAGE_KINDS = ("staff_reply", "ticket_status", "handoff_closed")
ACTOR_TYPES = ("anonymous", "subject", "staff", "system")
STAFF_ROLES = ("operator", "supervisor", "admin")
# A proposed record-changing decision (migration 0006): waiting, carried out, turned down, or
# replaced by another proposal or decision before anyone approved it.
PROPOSAL_STATUSES = ("待批准", "已批准", "已驳回", "已失效")
# List types the platform publishes; imports may bring others, so this is not a constraint.
LIST_TYPES = ("守信红名单", "严重失信主体名单", "重点关注名单", "大数据警示名单", "经营异常名录",
              "失信被执行人", "重大税收违法失信主体")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + v + "'" for v in values)
    return f"{column} IN ({quoted})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _timestamps():
    return (
        Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow,
               server_default=func.now()),
    )


class Subject(Base):
    """A company, organisation, individual business or natural person that records are about."""

    __tablename__ = "subjects"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    # NFKC, no spaces, Simplified, lower case (actions.services.textnorm.normalize_name): what
    # name searches match against. Writers outside xinyong must fill it the same way.
    name_norm = Column(String(400), nullable=False, index=True)  # NFKC may lengthen a name
    subject_type = Column(String(20), nullable=False)
    uscc = Column(String(18), unique=True)  # 统一社会信用代码 (行政相对人代码_1)
    reg_no = Column(String(50), index=True)  # 工商注册号 (代码_2)
    org_code = Column(String(9), index=True)  # 组织机构代码 (代码_3)
    tax_no = Column(String(50))  # 税务登记号 (代码_4)
    institution_no = Column(String(50))  # 事业单位证书号 (代码_5)
    social_org_no = Column(String(50))  # 社会组织登记证号 (代码_6)
    legal_rep = Column(String(100))  # 法定代表人
    legal_rep_id_type = Column(String(30))
    legal_rep_id_number = Column(String(40))  # personal data: never returned unmasked
    id_type = Column(String(30))  # natural persons: 证件类型
    id_number = Column(String(40), unique=True)  # natural persons: matching only, never shown whole
    region_code = Column(String(6))  # GB/T 2260 division code
    region_name = Column(String(50))
    created_at, updated_at = _timestamps()

    records = relationship("Record", back_populates="subject")
    __table_args__ = (CheckConstraint(_in("subject_type", SUBJECT_TYPES), name="subject_type"),)


class ImportBatch(Base):
    """One run of `xinyong import` (or of the demo seed): what came from which file, with its counts."""

    __tablename__ = "import_batches"
    id = Column(Integer, primary_key=True)
    kind = Column(String(10), nullable=False)
    file_name = Column(String(500), nullable=False)
    file_sha256 = Column(String(64))
    encoding = Column(String(20))
    strict = Column(Boolean, nullable=False, default=False, server_default=false())
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    finished_at = Column(DateTime(timezone=True))
    imported = Column(Integer, nullable=False, default=0, server_default=text("0"))
    updated = Column(Integer, nullable=False, default=0, server_default=text("0"))
    unchanged = Column(Integer, nullable=False, default=0, server_default=text("0"))
    rejected = Column(Integer, nullable=False, default=0, server_default=text("0"))
    rejects_file = Column(String(500))
    actor = Column(String(100))
    __table_args__ = (CheckConstraint(_in("kind", RECORD_KINDS + ("demo",)), name="kind"),)


class Record(Base):
    """A disclosed record: administrative penalty, administrative licence or list entry.

    One table for the three kinds so that objections, repairs and display status treat them alike;
    the kind-specific columns are empty for the other kinds. (kind, natural_key) identifies a record
    across imports: penalty = 文书号|处罚机关, licence = 文书号, list = 名单类型|代码|文书号.
    """

    __tablename__ = "records"
    id = Column(Integer, primary_key=True)
    kind = Column(String(10), nullable=False)
    subject_id = Column(Integer, ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False)
    natural_key = Column(String(500), nullable=False)  # 200-char doc number + | + 200-char agency
    doc_number = Column(String(200), nullable=False, index=True)  # 决定书文号 / 文书号
    decision_date = Column(Date, nullable=False)  # 处罚决定日期 / 许可决定日期 / 列入日期
    agency = Column(String(200), nullable=False)  # 处罚机关 / 许可机关 / 认定部门
    agency_code = Column(String(18))
    data_source = Column(String(200))
    data_source_code = Column(String(18))
    display_status = Column(String(10), nullable=False, default="公示中", server_default="公示中")
    status_changed_at = Column(DateTime(timezone=True))
    severity_tier = Column(String(4))  # 轻微 / 一般 / 严重 where the source states it
    display_until = Column(Date)  # 公示截止期
    # True: the source gave no 公示截止期 and display_until is the tier's maximum from the rules
    # table (services.display_periods.derived_display_until), shown as derived (migration 0007).
    display_until_derived = Column(Boolean, nullable=False, default=False, server_default=false())
    valid_from = Column(Date)  # 有效期自 (licences)
    valid_to = Column(Date)  # 处罚有效期 / 有效期至; 2099-12-31 = no expiry
    # Joint punishment measures are suspended while an objection is verified (大庆 seed 002).
    punishment_suspended = Column(Boolean, nullable=False, default=False, server_default=false())
    # Set when joint punishment ends for good: a granted repair or a revoked record (migration 0002).
    punishment_ended_at = Column(DateTime(timezone=True))
    remark = Column(Text)
    # penalties
    violation_type = Column(String(300))
    violation_facts = Column(Text)
    legal_basis = Column(Text)
    penalty_category = Column(String(200))
    penalty_content = Column(Text)
    fine_amount = Column(Numeric(18, 6))  # 罚款金额 in 万元
    confiscation_amount = Column(Numeric(18, 6))  # 没收违法所得、没收非法财物的金额 in 万元
    license_revoked = Column(String(300))  # 暂扣或吊销证照名称及编号
    # licences
    license_doc_name = Column(String(200))
    license_category = Column(String(20))  # 普通/特许/认可/核准/登记/其他
    certificate_name = Column(String(200))
    license_number = Column(String(200))
    license_content = Column(Text)
    current_status = Column(String(50))  # 当前状态 as the source wrote it
    # list entries
    list_type = Column(String(50))
    list_reason = Column(Text)  # 列入事由
    # provenance
    batch_id = Column(Integer, ForeignKey("import_batches.id", ondelete="SET NULL"))
    content_hash = Column(String(64))  # of the source fields, to tell updated from unchanged rows
    created_at, updated_at = _timestamps()

    subject = relationship("Subject", back_populates="records")
    __table_args__ = (
        UniqueConstraint("kind", "natural_key"),
        Index("ix_records_subject_kind_status", "subject_id", "kind", "display_status"),
        CheckConstraint(_in("kind", RECORD_KINDS), name="kind"),
        CheckConstraint(_in("display_status", DISPLAY_STATUSES), name="display_status"),
        CheckConstraint("severity_tier IS NULL OR " + _in("severity_tier", SEVERITY_TIERS),
                        name="severity_tier"),
    )


class TicketCounter(Base):
    """Per-prefix, per-day sequence behind ticket numbers YY-YYYYMMDD-NNNN / XF-YYYYMMDD-NNNN."""

    __tablename__ = "ticket_counters"
    prefix = Column(String(2), primary_key=True)
    day = Column(Date, primary_key=True)
    last_no = Column(Integer, nullable=False, default=0, server_default=text("0"))


class StaffUser(Base):
    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True)
    username = Column(String(50), nullable=False, unique=True)
    display_name = Column(String(100))
    password_hash = Column(String(300), nullable=False)
    role = Column(String(20), nullable=False, default="operator", server_default="operator")
    active = Column(Boolean, nullable=False, default=True, server_default=true())
    failed_logins = Column(Integer, nullable=False, default=0, server_default=text("0"))
    locked_until = Column(DateTime(timezone=True))
    last_login_at = Column(DateTime(timezone=True))
    created_at, updated_at = _timestamps()
    __table_args__ = (CheckConstraint(_in("role", STAFF_ROLES), name="role"),)


class Ticket(Base):
    """An objection (异议, YY-…) or a credit repair application (信用修复, XF-…)."""

    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    ticket_no = Column(String(20), nullable=False, unique=True)
    kind = Column(String(10), nullable=False)
    status = Column(String(10), nullable=False, default="已提交", server_default="已提交")
    outcome = Column(String(10))
    record_id = Column(Integer, ForeignKey("records.id", ondelete="RESTRICT"), nullable=False, index=True)
    subject_id = Column(Integer, ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False, index=True)
    ground = Column(String(20))  # objections: one of OBJECTION_GROUNDS
    description = Column(Text)
    evidence = Column(Text)
    performance = Column(Text)  # repairs: how the penalty was performed
    commitment_text = Column(Text)  # repairs: the credit commitment as shown to the applicant
    commitment_agreed_at = Column(DateTime(timezone=True))
    contact_name = Column(String(100))
    contact_phone = Column(String(30))
    channel = Column(String(30))  # rest, socketio, telegram, console, …
    sender_id = Column(String(200), index=True)  # the conversation that filed it
    staff_assisted_by = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    # A retried or doubly confirmed filing carries the same key and finds the first ticket.
    idempotency_key = Column(String(200), unique=True)
    due_date = Column(Date)
    decided_at = Column(DateTime(timezone=True))  # when it reached 已办结 (migration 0002)
    created_at, updated_at = _timestamps()

    events = relationship("TicketEvent", back_populates="ticket", order_by="TicketEvent.id")
    __table_args__ = (
        CheckConstraint(_in("kind", TICKET_KINDS), name="kind"),
        CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", TICKET_OUTCOMES), name="outcome"),
        CheckConstraint("ground IS NULL OR " + _in("ground", OBJECTION_GROUNDS), name="ground"),
    )


class TicketEvent(Base):
    """The status history of a ticket: one row per change, never updated."""

    __tablename__ = "ticket_events"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    status = Column(String(10), nullable=False)
    outcome = Column(String(10))
    actor_type = Column(String(10), nullable=False)
    actor = Column(String(200))
    note = Column(Text)

    ticket = relationship("Ticket", back_populates="events")
    __table_args__ = (
        CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", TICKET_OUTCOMES), name="outcome"),
        CheckConstraint(_in("actor_type", ACTOR_TYPES), name="actor_type"),
    )


class TicketProposal(Base):
    """A decision that changes a published record (更正, 撤销, 准予修复), proposed by one staff member
    and carried out only when a supervisor or administrator who is someone else approves it
    (four-eyes, migration 0006). The ticket keeps its status meanwhile; the applicant sees nothing
    of it until the decision."""

    __tablename__ = "ticket_proposals"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    outcome = Column(String(10), nullable=False)
    note = Column(Text)
    status = Column(String(10), nullable=False, default="待批准", server_default="待批准")
    proposed_by = Column(Integer, ForeignKey("staff_users.id", ondelete="RESTRICT"), nullable=False)
    proposed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    # Who approved or turned it down; None when the local administrator (the CLI without --staff) did.
    decided_by = Column(Integer, ForeignKey("staff_users.id", ondelete="RESTRICT"))
    decided_at = Column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(_in("status", PROPOSAL_STATUSES), name="status"),
        CheckConstraint(_in("outcome", TICKET_OUTCOMES), name="outcome"),
    )


class HandoffRequest(Base):
    """A conversation handed to a person: shown in the staff console queue."""

    __tablename__ = "handoff_requests"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(200), nullable=False, index=True)
    channel = Column(String(30))
    status = Column(String(10), nullable=False, default="待处理", server_default="待处理")
    reason = Column(String(200))
    transcript = Column(JSON)  # [{"role": "user"|"bot"|"staff", "text": …, "at": …}, …]
    assigned_to = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    closed_at = Column(DateTime(timezone=True))
    # The newest message either way (migration 0003): the console queue shows who waits longest.
    last_message_at = Column(DateTime(timezone=True))
    # The client address the request came from (migration 0005; None for Telegram and the console):
    # requests per address are limited, and the console flags bursts from one address.
    client_address = Column(String(64))
    __table_args__ = (
        CheckConstraint(_in("status", HANDOFF_STATUSES), name="status"),
        Index("ix_handoff_requests_client_address_created_at", "client_address", "created_at"),
    )


class StaffSession(Base):
    """A signed-in console session (migration 0003). The cookie holds a random token; only its
    SHA-256 is stored, so a copy of the database cannot be used to sign in."""

    __tablename__ = "staff_sessions"
    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    staff_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    last_seen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    expires_at = Column(DateTime(timezone=True), nullable=False)
    ip = Column(String(64))
    user_agent = Column(String(300))


class ChannelMessage(Base):
    """The outbox (migration 0003): a message for a conversation that the assistant did not say in
    reply to its user, committed with the change it reports; each channel delivers its own."""

    __tablename__ = "channel_messages"
    id = Column(Integer, primary_key=True)
    channel = Column(String(30))
    sender_id = Column(String(200), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    text = Column(Text, nullable=False)
    ticket_no = Column(String(20))
    handoff_id = Column(Integer, ForeignKey("handoff_requests.id", ondelete="SET NULL"))
    staff_id = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    delivered_at = Column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_channel_messages_channel_delivered_at", "channel", "delivered_at"),
        CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind"),
    )


class AssistConversation(Base):
    """A conversation a staff member holds with the assistant on a caller's behalf (migration 0003).
    The console creates the row before the first message, so the action server knows a filing from
    that conversation is staff-assisted without trusting anything the message itself says."""

    __tablename__ = "assist_conversations"
    sender_id = Column(String(200), primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    caller = Column(String(100))  # how the operator noted the caller (name or phone), optional
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())


class AuditLog(Base):
    """Who looked up or changed what, when: every lookup and every staff action."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now(), index=True)
    actor_type = Column(String(10), nullable=False)
    actor = Column(String(200))
    channel = Column(String(30))
    action = Column(String(50), nullable=False, index=True)
    target_type = Column(String(30))
    target_id = Column(String(100))
    detail = Column(JSON)
    # The chat client's address (migration 0005), when the entry is written for a message that came
    # with one: filled from services.client_context, so no call site passes it. The lookup limit per
    # address counts by it.
    client_address = Column(String(64), default=client_context.current)
    __table_args__ = (
        # The lookup and sign-in limits count an actor's recent entries (migration 0004).
        Index("ix_audit_log_actor_at", "actor", "at"),
        # The lookup limit per client address counts an address's recent entries (migration 0005).
        Index("ix_audit_log_client_address_at", "client_address", "at"),
        CheckConstraint(_in("actor_type", ACTOR_TYPES), name="actor_type"),
    )


class ClientConversation(Base):
    """The first time a conversation (sender) was seen, and from which client address (migration
    0005): new conversations per address are limited, so fresh conversation ids cannot reset the
    limits kept per conversation. Written by the channels (bot/channels/clients.py), not by actions."""

    __tablename__ = "client_conversations"
    sender_id = Column(String(200), primary_key=True)
    client_address = Column(String(64), nullable=False)
    channel = Column(String(30))
    first_seen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
    __table_args__ = (Index("ix_client_conversations_client_address_first_seen_at", "client_address",
                            "first_seen_at"),)


class ServerSecret(Base):
    """Keys the web servers share (migration 0006), such as the one that signs the console sign-in
    form's CSRF token: created by the first server that needs it and kept in the database, so a
    token issued by one replica is accepted by every other."""

    __tablename__ = "server_secrets"
    name = Column(String(50), primary_key=True)
    value = Column(String(200), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now())
