"""What the assistant says about the law, over every reply the wording modules can produce (no
database): the lookup (enquiry_text), the filings (filing_text), the policy answers (policy_rules,
policy_answer).

- Quotes are quotes: every span in “ ” or 「 」 is verbatim in policy_docs/ or a rule's `quote`.
  Words to reply with, buttons and statuses are written 【…】, never in quotation marks.
- Local rules stay local: 大庆's suspension of punishment during an objection only for 大庆 records,
  a region's time limits only for that region's, the platform's target said as its own.
- The commitment is the platform's template under 36号, never 陕西's text.
- Nothing says a penalty "cannot be repaired early" or cites 总局令第45号 for repair.
- A lookup shows each record's 失信程度 (推定 where derived), its 公示截止期, a list entry's 有效期至.

Expected dates are written out by hand from ../shared/DOMAIN.md, not computed with the code under test.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from actions.services import eligibility as elig
from actions.services import enquiry_text, filing_text, policy_answer
from actions.services.enquiry import KINDS, Enquiry, RecordView
from actions.services.policy_docs import POLICY_DIR
from actions.services.policy_rules import rule_clauses
from actions.services.policy_search import index
from actions.services.subjects import SubjectView
from actions.services.textnorm import to_simplified
from actions.services.tickets import EventView, TicketView
from actions.services.workflow_rules import RULES_FILE, rules

D = dt.date
TODAY = D(2026, 12, 5)
DAQING, FUZHOU, XIAN = "黑龙江省大庆市萨尔图区", "福建省福州市鼓楼区", "陕西省西安市雁塔区"
HARBIN, SHANGHAI, HANGZHOU = "黑龙江省哈尔滨市南岗区", "上海市浦东新区", "浙江省杭州市西湖区"
REGIONS = (DAQING, FUZHOU, XIAN, HARBIN, SHANGHAI, HANGZHOU, None)
SUSPENSION = "联合惩戒措施在信息核实期间暂不执行"
DAQING_PLAN = "《大庆市建立完善守信联合激励和失信联合惩戒制度实施方案》"
TITLE_58 = "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令2023年第58号）"
MARKET = "大庆市市场监督管理局"


def penalty(decided, category="罚款", status="公示中", agency="大庆市生态环境局", tier=None, display_until=None,
            valid_to=None, content=None, fine=None):
    return RecordView(kind="penalty", doc_number="庆环罚〔2026〕37号", decision_date=decided, agency=agency,
                      display_status=status, punishment_suspended=False, severity_tier=tier,
                      display_until=display_until, valid_to=valid_to, category=category, content=content,
                      fine_amount=None if fine is None else Decimal(str(fine)))


def listed(list_type, decided, valid_to=None, status="公示中"):
    return RecordView(kind="list", doc_number="庆发改名〔2026〕5号", decision_date=decided, agency="大庆市发展和改革委员会",
                      display_status=status, punishment_suspended=False, list_type=list_type, valid_to=valid_to,
                      list_reason="测试事由")


LICENCE = RecordView(kind="license", doc_number="庆环许〔2025〕9号", decision_date=D(2025, 4, 1), agency="大庆市生态环境局",
                     display_status="公示中", punishment_suspended=False, valid_from=D(2025, 4, 1),
                     valid_to=D(2099, 12, 31), category="普通", license_name="排污许可证", license_number="A-1")

# Each tier, each rule set, under objection, a 45号 restriction, lapsed, and every list of the table.
RECORDS = [
    penalty(D(2026, 5, 6), "罚款", fine=0.5),                       # 一般 推定, 36号
    penalty(D(2026, 10, 12), "警告"),                               # 轻微 推定
    penalty(D(2026, 6, 1), "吊销许可证件"),                           # 严重 推定, too early
    penalty(D(2026, 6, 1), "吊销许可证件", tier="严重", display_until=D(2028, 1, 1)),  # stated, its own end
    penalty(D(2026, 3, 2), "罚款"),                                 # transitional: 58号 and 36号
    penalty(D(2025, 6, 1), "吊销许可证件", agency=MARKET, content="特种设备使用单位未经检验使用"),  # 58号 sector minimum
    penalty(D(2026, 6, 1), "限制从业", agency=MARKET, valid_to=D(2031, 6, 1)),  # 45号 第十三条
    penalty(D(2026, 5, 6), "罚款", status="异议处理中"),
    penalty(D(2026, 8, 1), "警告"),                                 # lapsed on TODAY
    penalty(D(2025, 1, 15), "罚款"),                                # lapsed, 58号 era
    listed("严重失信主体名单", D(2026, 5, 1), valid_to=D(2029, 5, 1)),
    listed("严重失信主体名单", D(2025, 3, 1)),
    listed("重点关注名单", D(2026, 2, 1)),
    listed("大数据警示名单", D(2026, 2, 1)),
    listed("经营异常名录", D(2026, 11, 1)),
    listed("失信被执行人", D(2026, 1, 10), valid_to=D(2099, 12, 31)),
    listed("重大税收违法失信主体", D(2026, 1, 10)),
    listed("守信红名单", D(2025, 9, 1), valid_to=D(2028, 9, 1)),
    listed("严重失信主体名单", D(2026, 5, 1), status="异议处理中"),
]


def subject(region):
    return SubjectView(1, "大庆市鸿泰石油技术服务有限公司", "法人及非法人组织", "912306047LY7DWQT7J", region, None)


def enquiry_of(region, records=RECORDS):
    records = [*records, LICENCE]
    counts = {k: sum(1 for r in records if r.kind == k) for k in KINDS}
    return Enquiry(subject(region), records, KINDS, counts)


def ticket(kind="objection", status="已提交", outcome=None, region=None):
    at = dt.datetime(2026, 12, 1, 9, 0)
    events = (EventView(at, "已提交", None, "user", "经信用助手提交"),)
    if status == "退回补正":
        events += (EventView(at, "退回补正", None, "staff", "请补充缴款凭证", "op1"),)
    return TicketView(ticket_no="YY-20261201-0001" if kind == "objection" else "XF-20261201-0001", kind=kind,
                      status=status, outcome=outcome, created_at=at, due_date=D(2026, 12, 8), decided_at=None,
                      subject_name="大庆市鸿泰石油技术服务有限公司", subject_type="法人及非法人组织",
                      record_doc="庆环罚〔2026〕37号", record_kind="penalty", record_status="异议处理中",
                      sender_id="u1", events=events, subject_region=region)


STATUSES = [("已提交", None), ("核实中", None), ("审核中", None), ("退回补正", None), ("已办结", "更正"),
            ("已办结", "撤销"), ("已办结", "维持"), ("已办结", "准予修复"), ("已办结", "不予修复")]


def lookup_texts(region):
    e = enquiry_of(region)
    out = []
    for english in (False, True):
        offset = 0
        while offset is not None:
            page = enquiry_text.render(e, offset, english=english, page_size=4)
            out.append(page.text)
            offset = page.next_offset
    return out


def filing_texts(region):
    out = [filing_text.commitment(), filing_text.bad_phone("12345"),
           filing_text.summary("objection", "测试公司", RECORDS[0], {"objection_ground": "信息错误",
                               "objection_description": "金额有误", "objection_evidence": "缴款凭证",
                               "contact_name": "张三", "contact_phone": "13912345678"}),
           filing_text.summary("repair", "测试公司", RECORDS[0], {"repair_performance": "已缴清",
                               "contact_name": "张三", "contact_phone": "13912345678"})]
    for kind, (created, same) in itertools.product(("objection", "repair"), ((True, False), (False, True), (False, False))):
        out.append(filing_text.receipt(ticket(kind, region=region), created, same))
    for kind, (status, outcome), full in itertools.product(("objection", "repair"), STATUSES, (True, False)):
        t = ticket(kind, status, outcome, region)
        out += [filing_text.status(t, full), filing_text.notice(t), filing_text.brief(t)]
    for record, performed in itertools.product(RECORDS + [LICENCE], (None, elig.PERFORMED, elig.NOT_YET, elig.INSTALMENTS)):
        verdict = elig.assess(record, today=TODAY, performed=performed, region=region)
        out.append(filing_text.eligible(record, verdict, region=region) if verdict.eligible
                   else filing_text.ineligible(record, verdict, region=region))
        out.append(filing_text.record_label(record))
    return out


def verdict_text(record, region, performed=None):
    verdict = elig.assess(record, today=TODAY, performed=performed, region=region)
    if verdict.eligible:
        return verdict, filing_text.eligible(record, verdict, region=region)
    return verdict, filing_text.ineligible(record, verdict, region=region)


# ---------------------------------------------------------------- quotes are quotes

def _quote_fields(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "quote":
                yield str(value)
            else:
                yield from _quote_fields(value)
    elif isinstance(node, list):
        for value in node:
            yield from _quote_fields(value)


def _flat(text: str) -> str:
    """Simplified, without spaces and line breaks, full-width punctuation as half-width (NFKC): the
    width of a comma is not wording."""
    return "".join(unicodedata.normalize("NFKC", to_simplified(text)).split())


def _source_lines(documents: dict):
    """Verbatim from the documents as published: their titles and the source lines the cleaning
    names (start, end, page furniture dropped), which the catalogue's notes may quote."""
    for d in documents["documents"]:
        yield d["title"]
        clean = d.get("clean") or {}
        yield from (str(clean[k]) for k in ("start", "end") if clean.get(k))
        yield from (str(x) for x in clean.get("drop") or ())


@pytest.fixture(scope="module")
def verbatim():
    """What may stand inside quotation marks: the policy documents and the table's quote fields."""
    docs = "\n".join(_flat(p.read_text(encoding="utf-8")) for p in sorted(POLICY_DIR.glob("*.txt")))
    quotes = [_flat(q) for q in _quote_fields(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))]
    catalogue = yaml.safe_load((POLICY_DIR / "documents.yml").read_text(encoding="utf-8"))
    lines = [_flat(x) for x in _source_lines(catalogue)]
    assert docs and quotes and lines
    return "\n".join([docs, *quotes, *lines])


PAIRS = {"“": "”", "「": "」"}


def quoted_spans(text: str) -> list[str]:
    """The outermost spans inside “ ” or 「 」 (quotes may nest: a document quotes “黑名单” itself)."""
    spans, stack = [], []
    for i, ch in enumerate(text):
        if ch in PAIRS:
            stack.append((ch, i))
        elif stack and ch == PAIRS[stack[-1][0]]:
            _, start = stack.pop()
            if not stack:
                spans.append(text[start + 1:i])
    return spans


def unverbatim(texts, corpus) -> list[str]:
    bad = []
    for text in texts:
        for span in quoted_spans(text):
            # A policy answer joins two sentences that are not next to each other with ……
            if not all(_flat(piece) in corpus for piece in span.split("……") if piece.strip()):
                bad.append(span)
    return bad


def test_the_quote_check_itself_catches_our_own_words(verbatim):
    assert quoted_spans("甲“乙“丙”丁”戊「己」") == ["乙“丙”丁", "己"]
    assert unverbatim([f"“{SUSPENSION}”", "“信用中国”"], verbatim) == []
    assert unverbatim(["点“查看更多”", "标注为“异议处理中”", "回复「我承诺」"], verbatim) == ["查看更多", "异议处理中", "我承诺"]
    # Our summary of 大庆's rule is not its text.
    assert unverbatim(["“异议期间暂停联合惩戒”"], verbatim) == ["异议期间暂停联合惩戒"]


@pytest.mark.parametrize("region", REGIONS)
def test_every_quote_in_lookups_and_filings_is_verbatim(verbatim, region):
    texts = lookup_texts(region) + filing_texts(region)
    assert unverbatim(texts, verbatim) == []


def test_every_quote_in_the_rules_table_clauses_is_verbatim(verbatim):
    clauses = rule_clauses() + tuple(c for r in REGIONS for c in rule_clauses(region=r))
    assert unverbatim([c.text for c in clauses] + [c.citation() for c in clauses], verbatim) == []


def _eval_questions():
    for path in sorted((Path(__file__).parent / "policy").glob("eval_questions*.yml")):
        yield from (q["q"] for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])


def test_every_quote_in_policy_answers_is_verbatim(verbatim):
    ix = index()
    texts = []
    for question in _eval_questions():
        reply = policy_answer.answer(question, ix)
        texts.append(reply.text)
        if reply.context:
            texts += [policy_answer.more(reply.context, ix).text, policy_answer.full_clause(reply.context, ix).text]
    assert len(texts) > 200 and unverbatim(texts, verbatim) == []


def test_rules_table_answers_are_labelled_as_ours_and_not_quoted():
    ix = index()
    reply = policy_answer.answer("申请信用修复要交哪些材料", ix)
    assert reply.context["shown"][0].startswith("rules-"), reply.context
    first = reply.text.split("\n\n")[0]
    assert "本平台" in first and "归纳" in first and "出处：" in first
    assert "“" not in first.split("出处")[0].split("：", 1)[1][:10]   # the clause text does not open a quote


# ---------------------------------------------------------------- local rules stay local

def _objection_replies(region):
    e = enquiry_of(region, [penalty(D(2026, 5, 6), "罚款", status="异议处理中")])
    return {"lookup": enquiry_text.render(e).text, "english": enquiry_text.render(e, english=True).text,
            "receipt": filing_text.receipt(ticket("objection", region=region), True, False),
            "status": filing_text.status(ticket("objection", "核实中", region=region), full=True)}


@pytest.mark.parametrize("region", [FUZHOU, XIAN, HARBIN, SHANGHAI, None])
def test_a_record_elsewhere_under_objection_never_gets_daqings_rule(region):
    elsewhere = rules().objection_elsewhere.text
    for where, text in _objection_replies(region).items():
        assert SUSPENSION not in text and "暂不执行" not in text and "暂停执行" not in text, (where, text)
        assert "Local rule of" not in text and "not applied while" not in text, (where, text)
        if where != "english":
            assert elsewhere in text, (where, text)   # what is national, and that the rest is local
    assert "No national rule" in _objection_replies(region)["english"]
    assert "国办发〔2025〕22号" in _objection_replies(region)["english"]   # always with a source


def test_a_daqing_record_under_objection_gets_daqings_rule_with_its_source():
    for where, text in _objection_replies(DAQING).items():
        assert SUSPENSION in text and DAQING_PLAN in text and "四、（五）" in text, (where, text)
        assert "黑龙江省大庆市" in text, (where, text)
        assert f"“{SUSPENSION}”" in text, (where, text)
        assert rules().objection_elsewhere.text not in text


def test_the_receipt_states_the_platforms_target_as_its_own_and_a_regions_limit_only_there():
    target = rules().objection_limits.source
    shanghai = filing_text.receipt(ticket("objection", region=SHANGHAI), True, False)
    hangzhou = filing_text.receipt(ticket("objection", region=HANGZHOU), True, False)
    fuzhou = filing_text.receipt(ticket("objection", region=FUZHOU), True, False)
    for text in (shanghai, hangzhou, fuzhou):
        assert "本平台的办理目标" in text and target in text and "不是法定时限" in text
        assert "国办发〔2025〕22号" in text   # the national channel
    assert "上海市的规定" in shanghai and "上海市公共信用信息异议处理规定" in shanghai and "浙江" not in shanghai
    assert "浙江省的规定" in hangzhou and "上海" not in hangzhou
    assert "上海" not in fuzhou and "浙江" not in fuzhou and "山东" not in fuzhou
    # An answer whose limits are 上海's does not credit 大庆's suspension.
    assert SUSPENSION not in shanghai and SUSPENSION not in hangzhou


def test_repair_limits_are_worded_as_unconfirmed_with_their_source():
    text = filing_text.receipt(ticket("repair", region=FUZHOU), True, False)
    limits = rules().repair_limits
    assert not limits.confirmed and "据公开解读" in text and limits.source in text
    assert "国家发展改革委令2025年第36号" in text and "不收取任何费用" in text


def test_outcomes_do_not_claim_the_platform_ends_or_restores_other_departments_measures():
    for kind, (status, outcome) in itertools.product(("objection", "repair"), STATUSES):
        for region in (DAQING, FUZHOU):
            text = filing_text.status(ticket(kind, status, outcome, region), full=True)
            assert "恢复执行" not in text and "措施终止" not in text, text


def test_a_local_lists_exit_rule_is_stated_only_for_its_region():
    record = listed("重点关注名单", D(2026, 2, 1))
    _, daqing = verdict_text(record, DAQING)
    _, fuzhou = verdict_text(record, FUZHOU)
    assert DAQING_PLAN in daqing and "提示重点关注有效期" in daqing
    assert DAQING_PLAN not in fuzhou and "大庆市的方案" not in fuzhou and "认定部门的规定为准" in fuzhou


# ---------------------------------------------------------------- the commitment

def test_the_commitment_is_the_platforms_template_under_36_not_shaanxis():
    text = filing_text.commitment()
    template = rules().commitment.text
    assert template in text
    assert "本平台" in text and "模板" in text and "国家发展改革委令2025年第36号" in text and "信用承诺" in text
    assert "陕西" not in text and "三、（一）" not in text
    assert all(template not in span for span in quoted_spans(text))   # ours: never quoted as a rule


# ---------------------------------------------------------------- no "cannot be repaired early"

@pytest.mark.parametrize("region", REGIONS)
def test_no_reply_says_a_penalty_cannot_be_repaired_early(region):
    texts = lookup_texts(region) + filing_texts(region) + [c.text for c in rule_clauses()]
    for text in texts:
        assert "不能提前修复" not in text and "不得提前" not in text and "不能提前信用修复" not in text, text
        for sentence in re.split(r"[。\n]", text):
            if "第45号" in sentence:   # 45号 is a display rule (第十三条), never a repair rule
                assert "第十三条" in sentence and "公示期" in sentence and "修复" not in sentence, sentence


def test_a_restriction_over_3_years_cites_45_13_and_is_repairable_after_a_year():
    record = penalty(D(2026, 6, 1), "限制从业", agency=MARKET, valid_to=D(2031, 6, 1))
    verdict, text = verdict_text(record, DAQING)
    assert verdict.reason == elig.TOO_EARLY
    assert "2027年6月1日" in text and "2031年6月1日" in text
    assert "国家市场监督管理总局令第45号" in text and "第十三条" in text
    _, plain = verdict_text(penalty(D(2026, 6, 1), "吊销许可证件"), DAQING)
    assert "第45号" not in plain and "2027年6月1日" in plain and "2029年6月1日" in plain


# ---------------------------------------------------------------- rules over time, in words

def test_a_transitional_record_says_it_is_the_platforms_reading_citing_both_rules():
    verdict, text = verdict_text(penalty(D(2026, 3, 2), "罚款"), FUZHOU)
    assert verdict.transitional and verdict.eligible
    assert TITLE_58 in text and "国家发展改革委令2025年第36号" in text
    assert "本平台的理解" in text and "本平台解读" in text
    assert "2027年3月2日" in text and "2029" not in text   # 36号's year, not 58号's three


def test_eligibility_texts_state_the_tier_derived_or_not():
    _, derived = verdict_text(penalty(D(2026, 5, 6), "罚款"), FUZHOU)
    assert "失信程度为一般" in derived and "根据处罚类别推定" in derived and "2026年8月6日" in derived
    _, stated = verdict_text(penalty(D(2026, 6, 1), "吊销许可证件", tier="严重"), FUZHOU)
    assert "失信程度为严重" in stated and "推定" not in stated


def test_past_the_maximum_display_has_ended_by_law_and_needs_no_repair():
    verdict, text = verdict_text(penalty(D(2025, 1, 15), "罚款"), FUZHOU)
    assert verdict.reason == elig.PAST_MAXIMUM
    assert "2026年1月15日" in text and "停止公示" in text and "不需要信用修复" in text


@pytest.mark.parametrize("list_type, body", [("经营异常名录", "国家企业信用信息公示系统"), ("经营异常名录", "市场监督管理部门"),
                                             ("失信被执行人", "人民法院"), ("重大税收违法失信主体", "税务机关")])
def test_lists_repaired_elsewhere_are_routed_to_their_body(list_type, body):
    verdict, text = verdict_text(listed(list_type, D(2026, 11, 1)), FUZHOU)
    assert verdict.reason == elig.LIST_NOT_HERE
    assert body in text and "不在本平台办理" in text and rules().lists[list_type].source.split("；")[0] in text


def test_a_red_list_entry_is_an_incentive_with_nothing_to_repair():
    for region in (DAQING, FUZHOU):
        verdict, text = verdict_text(listed("守信红名单", D(2025, 9, 1), valid_to=D(2028, 9, 1)), region)
        assert verdict.reason == elig.RED_LIST
        assert "激励名单" in text and "没有需要修复的内容" in text and "可以申请" not in text


@pytest.mark.parametrize("performed", [elig.NOT_YET, elig.INSTALMENTS])
def test_not_performed_is_explained_with_36s_condition_and_nothing_is_filed(performed):
    verdict, text = verdict_text(penalty(D(2026, 5, 6), "罚款"), FUZHOU, performed)
    assert verdict.reason == elig.NOT_PERFORMED
    assert rules().performance.text in text and "国家发展改革委令2025年第36号" in text
    assert "没有提交申请" in text and "缴清罚款" in text and "完成整改" in text


# ---------------------------------------------------------------- lookups show how long

def _line_of(text: str, marker: str) -> str:
    lines = text.split("\n")
    i = next(i for i, line in enumerate(lines) if marker in line)
    return lines[i] + "\n" + lines[i + 1]


@pytest.mark.parametrize("record, expect", [
    (penalty(D(2026, 5, 6), "罚款", fine=0.5), "失信程度：一般（推定）｜公示截止期 2027-05-06"),
    (penalty(D(2026, 10, 12), "警告"), "失信程度：轻微（推定）｜公示截止期 2027-01-12"),
    (penalty(D(2026, 6, 1), "吊销许可证件", tier="严重", display_until=D(2028, 1, 1)), "失信程度：严重｜公示截止期 2028-01-01"),
    (penalty(D(2026, 3, 2), "罚款"), "失信程度：一般（推定）｜公示截止期 2027-03-02"),
    (listed("严重失信主体名单", D(2026, 5, 1), valid_to=D(2029, 5, 1)), "失信程度：严重｜有效期至 2029-05-01"),
    (listed("失信被执行人", D(2026, 1, 10), valid_to=D(2099, 12, 31)), "有效期至 长期有效"),
    (listed("重点关注名单", D(2026, 2, 1)), "有效期以认定部门的规定为准"),
    # valid for years, but 经营异常名录 information is 轻微 under 36号: the end of display is told too
    (listed("经营异常名录", D(2026, 11, 1), valid_to=D(2029, 10, 31)),
     "失信程度：轻微｜有效期至 2029-10-31｜公示截止期 2027-02-01"),
])
def test_a_lookup_shows_tier_and_end_of_display(record, expect):
    text = enquiry_text.render(enquiry_of(FUZHOU, [record])).text
    assert expect in _line_of(text, record.doc_number), text


def test_a_lookup_explains_derived_tiers_and_the_transition_once():
    text = enquiry_text.render(enquiry_of(FUZHOU, [penalty(D(2026, 3, 2), "罚款"), penalty(D(2026, 5, 6), "罚款")])).text
    assert text.count("（推定）的失信程度是本平台根据处罚类别推定的") == 1
    assert text.count(TITLE_58) == 1 and "本平台的理解" in text
    stated = enquiry_text.render(enquiry_of(FUZHOU, [penalty(D(2026, 6, 1), "吊销许可证件", tier="严重")])).text
    assert "推定" not in stated and TITLE_58 not in stated


def test_an_english_lookup_shows_tier_and_end_of_display():
    text = enquiry_text.render(enquiry_of(FUZHOU, [penalty(D(2026, 5, 6), "罚款"),
                                                   listed("严重失信主体名单", D(2026, 5, 1), valid_to=D(2029, 5, 1))]),
                               english=True).text
    assert "severity 一般 (derived) | displayed until 2027-05-06" in text
    assert "severity 严重 | valid until 2029-05-01" in text


def test_ui_words_are_not_in_quotation_marks():
    texts = [enquiry_text.render(enquiry_of(FUZHOU), page_size=2).text, filing_text.commitment(),
             filing_text.summary("repair", "测试公司", RECORDS[0], {}), policy_answer.HINT,
             filing_text.receipt(ticket("objection", region=FUZHOU), True, False)]
    for word in ("查看更多", "确认", "同意", "取消", "我的申请", "异议处理中", "原文", "还有吗"):
        assert all(f"“{word}”" not in t for t in texts), word
    assert "【查看更多】" in texts[0] and "【确认】" in texts[2] and "【异议处理中】" in texts[4]


# ---------------------------------------------------------------- through the database

def _public_penalty_in(region_part: str):
    """A displayed penalty of a demo subject whose region names `region_part`, with its subject's region."""
    import sqlalchemy as sa

    from actions.db.engine import session_scope
    from actions.db.models import Subject
    from actions.services import tickets

    with session_scope() as s:
        rows = s.execute(sa.select(Subject.id, Subject.region_name)
                         .where(Subject.region_name.like(f"%{region_part}%"))
                         .where(Subject.subject_type != "自然人")).all()
    for subject_id, region in rows:
        found = [r for r in tickets.records_for(subject_id, "objection") if r.kind == "penalty"
                 and r.display_status == "公示中"]
        if found:
            return found[0], region
    pytest.skip(f"the demo data has no displayed penalty in {region_part}")


@pytest.mark.parametrize("place, local", [("大庆", True), ("福州", False)])
def test_a_filed_objection_carries_its_subjects_region_into_the_replies(demo, place, local):
    from actions.services import tickets

    record, region = _public_penalty_in(place)
    filing = tickets.Filing(kind="objection", record_id=record.id, idempotency_key=f"s-{place}:f1", sender_id=f"s-{place}",
                            channel="rest", ground="信息错误", description="金额有误", evidence="缴款凭证",
                            contact_name="张伟", contact_phone="13912345678")
    filed = tickets.file(filing)
    receipt = filing_text.receipt(filed.ticket, filed.created, filed.same_request)
    status = filing_text.status(tickets.lookup(filed.ticket.ticket_no, f"s-{place}"), full=True)
    anyone = filing_text.status(tickets.lookup(filed.ticket.ticket_no, "someone-else"), full=False)
    for text in (receipt, status):
        assert (SUSPENSION in text and DAQING_PLAN in text) is local, (region, text)
        assert (rules().objection_elsewhere.text in text) is not local, (region, text)
    # Asked by number alone: no subject, so no region and no local rule either.
    assert SUSPENSION not in anyone and "大庆" not in anyone
