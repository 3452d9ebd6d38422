"""Four-eyes on decisions that change a published record (issue 15, finding 8), in the console and
in `xinyong tickets`, on SQLite and PostgreSQL. Before: one operator accepted an objection against
a 严重失信主体名单 entry and 撤销'd it in three requests.

The rule (services/four_eyes.py): 维持, 不予修复 and 退回补正 any staff member decides alone; 更正,
撤销 and 准予修复 one staff member proposes and another, a supervisor or an administrator, approves."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import AuditLog, Record, TicketProposal
from actions.services import demo_data, enquiry, staff, tickets
from tests.console_client import console_client

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

HONGTAI = "912306047LY7DWQT7J"
PASSWORD = "lotus-pond-2026"


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    staff.add("wangfang", PASSWORD, display_name="王芳")  # operator
    staff.add("lisi", PASSWORD, role="supervisor", display_name="李四")
    staff.add("zhaoliu", PASSWORD, role="admin", display_name="赵六")
    return engine


async def _signed_in(username: str):
    c = await console_client()
    resp, _ = await c.login(username, PASSWORD)
    assert resp.status == 200
    return c


@pytest.fixture
async def consoles(demo):
    made = {name: await _signed_in(name) for name in ("wangfang", "lisi", "zhaoliu")}
    yield made
    for c in made.values():
        await c.client.close()


def _listed_record():
    """A record on a 严重失信主体名单 (or any displayed list entry), as in the probe."""
    with session_scope() as s:
        row = s.execute(sa.select(Record).where(Record.kind == "list", Record.display_status == "公示中")
                        .order_by((Record.list_type == "严重失信主体名单").desc(), Record.id)).scalars().first()
        return row.id, row.display_status


def _objection(record_id: int, key: str) -> str:
    return tickets.file(tickets.Filing(kind="objection", record_id=record_id, idempotency_key=key,
                                       sender_id="web-rolesrolesroles01", channel="web", ground="非本主体",
                                       description="不是本公司", contact_name="张伟",
                                       contact_phone="13912345678")).ticket.ticket_no


def _repair(key: str) -> str:
    record = next(r for r in enquiry.by_code(HONGTAI).enquiry.records if r.display_status == "公示中")
    return tickets.file(tickets.Filing(kind="repair", record_id=record.id, idempotency_key=key,
                                       performance="罚款已缴清", commitment_text="承诺")).ticket.ticket_no


def _status(record_id: int) -> str:
    with session_scope() as s:
        return s.get(Record, record_id).display_status


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.execute(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars())


def _proposals() -> list[TicketProposal]:
    with session_scope() as s:
        return list(s.execute(sa.select(TicketProposal).order_by(TicketProposal.id)).scalars())


async def test_one_operator_cannot_take_a_listed_record_down(consoles):
    op = consoles["wangfang"]
    record_id, _ = _listed_record()
    no = _objection(record_id, "roles:1")
    assert (await op.post(f"/console/tickets/{no}/accept")).status == 200
    assert (await op.post(f"/console/tickets/{no}/accept")).status == 200  # 核实中
    for outcome in ("撤销", "更正"):
        resp = await op.post(f"/console/tickets/{no}/decide", {"outcome": outcome, "note": "核实为录入错误"})
        html = await resp.text()
        assert resp.status == 403 and "主管" in html and "不能单独决定" in html, html[:300]
        status, body = await op.api("POST", f"/console/api/tickets/{no}/decide", {"outcome": outcome})
        assert status == 403 and "提请批准" in body["error"]
    t = tickets.get(no)
    assert t.status == "核实中" and t.outcome is None and _status(record_id) == "异议处理中"
    refused = _audit("ticket_decide_refused")
    assert len(refused) == 4 and {r.actor for r in refused} == {"王芳（wangfang）"}
    assert {r.detail["outcome"] for r in refused} == {"撤销", "更正"} and refused[0].channel == "console"
    # nor can they approve someone else's proposal
    await consoles["lisi"].post(f"/console/tickets/{no}/propose", {"outcome": "撤销", "note": "经核实非本主体"})
    status, body = await op.api("POST", f"/console/api/tickets/{no}/approve", {"outcome": "撤销"})
    assert status == 403 and _status(record_id) == "异议处理中"


async def test_a_supervisor_alone_cannot_either_and_never_approves_their_own_proposal(consoles):
    sup = consoles["lisi"]
    record_id, _ = _listed_record()
    no = _objection(record_id, "roles:2")
    status, body = await sup.api("POST", f"/console/api/tickets/{no}/decide", {"outcome": "撤销"})
    assert status == 403 and "双人复核" in body["error"]
    status, _ = await sup.api("POST", f"/console/api/tickets/{no}/propose", {"outcome": "撤销", "note": "非本主体"})
    assert status == 200
    status, body = await sup.api("POST", f"/console/api/tickets/{no}/approve", {"outcome": "撤销"})
    assert status == 403 and "不能批准自己提出的决定" in body["error"]
    resp = await sup.post(f"/console/tickets/{no}/approve", {"outcome": "撤销"})
    assert resp.status == 403
    assert _status(record_id) == "异议处理中" and tickets.get(no).is_open
    assert [p.status for p in _proposals()] == ["待批准"]


async def test_proposed_by_an_operator_and_approved_by_a_supervisor_the_record_comes_down(consoles):
    op, sup = consoles["wangfang"], consoles["lisi"]
    record_id, _ = _listed_record()
    no = _objection(record_id, "roles:3")
    resp = await op.post(f"/console/tickets/{no}/propose", {"outcome": "撤销", "note": "经核实非本主体"})
    assert resp.status == 200 and "待批准" in await resp.text()
    assert _status(record_id) == "异议处理中" and tickets.get(no).status == "已提交"  # nothing decided yet
    html = await (await sup.get(f"/console/tickets/{no}")).text()
    assert "王芳（wangfang）" in html and "批准" in html and f"/console/tickets/{no}/approve" in html
    op_html = await (await op.get(f"/console/tickets/{no}")).text()
    assert f"/console/tickets/{no}/approve" not in op_html  # an operator is not offered the approval
    # the supervisor approves the outcome that was proposed, not another
    status, body = await sup.api("POST", f"/console/api/tickets/{no}/approve", {"outcome": "更正"})
    assert status == 403 and "待批准的提议是【撤销】" in body["error"]
    resp = await sup.post(f"/console/tickets/{no}/approve", {"outcome": "撤销"})
    assert resp.status == 200
    t = tickets.get(no)
    assert (t.status, t.outcome, t.record_status) == ("已办结", "撤销", "已撤销") and _status(record_id) == "已撤销"
    assert t.events[-1].actor == "李四（lisi）" and t.events[-1].note == "经核实非本主体"
    decided = _audit("ticket_decide")[-1]
    assert decided.actor == "李四（lisi）" and decided.detail["proposed_by"] == "王芳（wangfang）"
    assert [a.actor for a in _audit("ticket_propose")] == ["王芳（wangfang）"]
    assert [p.status for p in _proposals()] == ["已批准"]


async def test_an_admin_approves_a_repair_and_a_supervisor_may_turn_a_proposal_down(consoles):
    op, sup, admin = consoles["wangfang"], consoles["lisi"], consoles["zhaoliu"]
    no = _repair("roles:4")
    status, body = await op.api("POST", f"/console/api/tickets/{no}/decide", {"outcome": "准予修复"})
    assert status == 403 and "主管" in body["error"]
    await op.api("POST", f"/console/api/tickets/{no}/propose", {"outcome": "准予修复"})
    status, body = await op.api("POST", f"/console/api/tickets/{no}/reject", {})
    assert status == 403  # turning a proposal down is a supervisor's too
    status, body = await sup.api("POST", f"/console/api/tickets/{no}/reject", {"note": "材料不全"})
    assert status == 200 and body["status"] == "已提交"
    assert [p.status for p in _proposals()] == ["已驳回"]
    status, body = await admin.api("POST", f"/console/api/tickets/{no}/approve", {"outcome": "准予修复"})
    assert status == 403  # nothing pending any more
    await op.api("POST", f"/console/api/tickets/{no}/propose", {"outcome": "准予修复"})
    status, body = await admin.api("POST", f"/console/api/tickets/{no}/approve", {"outcome": "准予修复"})
    assert status == 200 and body["record_status"] == "已修复停止公示"


async def test_an_operator_decides_alone_what_leaves_the_record_published(consoles):
    op = consoles["wangfang"]
    record_id, _ = _listed_record()
    no = _objection(record_id, "roles:5")
    status, body = await op.api("POST", f"/console/api/tickets/{no}/decide", {"outcome": "退回补正", "note": "请补充材料"})
    assert status == 200 and body["status"] == "退回补正"
    await op.api("POST", f"/console/api/tickets/{no}/accept", {})
    status, body = await op.api("POST", f"/console/api/tickets/{no}/decide", {"outcome": "维持"})
    assert status == 200 and body["outcome"] == "维持" and _status(record_id) == "公示中"
    repair = _repair("roles:6")
    status, body = await op.api("POST", f"/console/api/tickets/{repair}/decide", {"outcome": "不予修复"})
    assert status == 200 and body["outcome"] == "不予修复"
    # proposing what needs no approval is pointless, and said so
    other = _objection(_listed_record()[0], "roles:7")
    status, body = await op.api("POST", f"/console/api/tickets/{other}/propose", {"outcome": "维持"})
    assert status == 400 and "无需提请批准" in body["error"]


def test_the_cli_with_a_staff_name_follows_the_same_rule(demo, cli):
    record_id, _ = _listed_record()
    no = _objection(record_id, "roles:cli")
    code, _, err = cli("tickets", "decide", no, "撤销", "--staff", "wangfang")
    assert code == 1 and "不能单独决定" in err and _status(record_id) == "异议处理中"
    assert _audit("ticket_decide_refused")[-1].actor.startswith("王芳（wangfang）")
    code, _, err = cli("tickets", "decide", no, "撤销", "--staff", "no-such-account")
    assert code == 1 and "没有用户名为 no-such-account 的在用工作台账号" in err
    code, out, _ = cli("tickets", "propose", no, "撤销", "--staff", "wangfang", "--note", "经核实非本主体")
    assert code == 0 and "已提请批准" in out
    code, _, err = cli("tickets", "decide", no, "撤销", "--staff", "wangfang")
    assert code == 1  # an operator still cannot
    code, out, err = cli("tickets", "decide", no, "撤销", "--staff", "lisi")
    assert code == 0 and "已办结（撤销）" in out and "已撤销" in out, err
    assert _audit("ticket_decide")[-1].detail["proposed_by"] == "王芳（wangfang）"


def test_the_cli_without_a_staff_name_is_the_local_administrator(demo, cli, monkeypatch):
    monkeypatch.delenv("XINYONG_STAFF", raising=False)
    record_id, _ = _listed_record()
    no = _objection(record_id, "roles:admin")
    code, out, err = cli("tickets", "decide", no, "撤销", "--note", "行政复议决定撤销")
    assert code == 0 and "已撤销" in out, err
    assert _audit("ticket_decide")[-1].actor.endswith("（本机管理员）")
    code, _, err = cli("tickets", "propose", _objection(_listed_record()[0], "roles:admin2"), "撤销")
    assert code == 1 and "--staff" in err


def test_resetting_a_password_keeps_the_role(demo, cli, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("new-river-stone-99\n"))
    code, out, _ = cli("staff", "add", "lisi")
    assert code == 0 and "supervisor" in out
    assert staff.by_username("lisi").role == "supervisor"
