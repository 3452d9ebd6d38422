"""The enquiry service and its wording, on the demo data (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from actions.db.models import AuditLog
from actions.services import demo_data, enquiry, enquiry_text

HONGTAI = "912306047LY7DWQT7J"  # a penalty under objection, an expired one, a licence
JINHE = "91230602YTR8FXXX1E"  # its penalty was repaired
PERSON_ID = "230602197810070431"  # on the court's defaulter list


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=60, seed=7)
    return engine


def test_lookup_by_code_in_any_typing(demo):
    found = enquiry.by_code(" 9123 0604 7ly7 dwqt7j ", "u1")
    assert found.check.valid and found.enquiry.subject.name == "大庆市鸿泰石油技术服务有限公司"
    assert found.enquiry.counts == {"penalty": 2, "license": 1, "list": 0}


def test_a_wrong_check_digit_is_reported_not_looked_up(demo):
    found = enquiry.by_code(HONGTAI[:-1] + "K", "u1")
    assert not found.check.valid and "校验位" in found.check.reason and found.enquiry is None


def test_records_under_objection_carry_the_suspension_rule_with_its_source(demo):
    text = enquiry_text.render(enquiry.by_code(HONGTAI).enquiry).text
    assert "异议处理中" in text
    assert "联合惩戒措施在信息核实期间暂不执行" in text and "大庆市建立完善守信联合激励和失信联合惩戒制度实施方案" in text
    assert demo_data.showcase_refs().docs["expired"] not in text  # expired: not displayed


def test_repaired_records_are_not_shown_nor_counted_to_the_public(demo):
    e = enquiry.by_code(JINHE).enquiry
    text = enquiry_text.render(e).text
    assert demo_data.showcase_refs().docs["repaired"] not in text and e.hidden is None and "不再公示" not in text
    staff = enquiry.by_code(JINHE, audience="staff").enquiry
    assert staff.hidden == 1 and "另有 1 条" in enquiry_text.render(staff).text


def test_a_person_is_shown_masked_and_only_with_court_lists(demo):
    e = enquiry.by_code(PERSON_ID).enquiry
    text = enquiry_text.render(e).text
    assert PERSON_ID not in text and "2306**********0431" in text
    assert {r.list_type for r in e.records} == {"失信被执行人"}


def test_people_are_never_found_by_name(demo):
    assert enquiry.by_name("赵文强").exact is None and enquiry.by_name("赵文强").candidates == []


def test_name_search_exact_fragment_traditional_and_too_short(demo):
    assert enquiry.by_name("大庆市金禾餐饮管理有限公司").exact.subject.code == JINHE
    assert enquiry.by_name("大慶市鴻泰石油").exact.subject.code == HONGTAI  # Traditional, one match
    many = enquiry.by_name("有限公司")
    assert many.exact is None and 2 <= len(many.candidates) <= 5
    assert enquiry.by_name("鸿泰").too_short
    assert enquiry.by_name("完全不存在的名字公司").candidates == []


def test_a_kind_asked_for_is_the_only_kind_shown(demo):
    e = enquiry.by_code(HONGTAI, kinds=("license",)).enquiry
    text = enquiry_text.render(e).text
    assert "排污许可证" in text and "庆环罚" not in text
    none = enquiry_text.render(enquiry.by_code(HONGTAI, kinds=("list",)).enquiry).text
    assert "没有公示中的名单信息" in none


def test_long_results_come_page_by_page(demo):
    e = enquiry.by_code(HONGTAI).enquiry
    first = enquiry_text.render(e, 0, page_size=2)
    assert first.shown == 2 and first.next_offset == 2 and "查看更多" in first.text
    last = enquiry_text.render(e, 2, page_size=2)
    assert last.shown == 1 and last.next_offset is None and "鸿泰" not in last.text.split("\n")[0]
    assert "没有更多" in enquiry_text.render(e, 3, page_size=2).text


def test_english_wording(demo):
    text = enquiry_text.render(enquiry.by_code(HONGTAI).enquiry, english=True).text
    assert "Public records: 2 administrative penalties, 1 administrative licences." in text
    assert "Under objection" in text


def test_every_lookup_is_audited_without_unmasked_ids(demo, engine):
    enquiry.by_code(PERSON_ID, "sender-a")
    enquiry.by_name("金禾餐饮", "sender-a")
    with engine.connect() as c:
        rows = c.execute(sa.select(AuditLog.action, AuditLog.actor, AuditLog.detail)).all()
    assert {r.action for r in rows} >= {"lookup_code", "lookup_name"}
    assert all(PERSON_ID not in str(r.detail) for r in rows)


def test_a_shortened_place_still_finds_the_subject(demo):
    found = enquiry.by_name("哈尔滨北辰物流")  # the record says 哈尔滨市北辰物流有限公司
    assert found.exact and found.exact.subject.name == "哈尔滨市北辰物流有限公司"
