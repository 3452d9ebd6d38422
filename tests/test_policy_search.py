"""Policy retrieval and answers, on the real documents (no model, no server)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from actions.services import policy_answer
from actions.services.policy_rules import rule_clauses
from actions.services.policy_search import index
from actions.services.workflow_rules import load


@pytest.fixture(scope="module")
def ix():
    return index()


def ids(ix, question, k=3):
    return [h.clause.id for h in ix.search(question, k)]


def test_slang_finds_the_documents_terms(ix):
    # 老赖 = 失信被执行人; the travel and hotel limits are in 大庆's market measures.
    assert "002-3.4" in ids(ix, "老赖还能坐飞机住星级酒店吗")
    # 黑名单 + 法人: 3 years barred from being another company's legal representative.
    assert "002-3.3" in ids(ix, "上了黑名单的公司，法人还能去别的公司当法人吗")
    # "法人" is the documents' 法定代表人 at full weight: the restrictions come first, not a plan
    # that merely says "法人代表" next to "黑名单".
    assert ids(ix, "上了黑名单的企业，法人会受到啥限制？")[0] == "002-3.3"


def test_traditional_and_simplified_questions_find_the_same_clauses(ix):
    assert ids(ix, "黑名單的法人會被限制什麼") == ids(ix, "黑名单的法人会被限制什么")


def test_questions_the_documents_do_not_answer_are_declined(ix):
    for question in ("办护照要多久", "离婚了财产咋分", "个税年度汇算怎么退税"):
        assert ix.answers(question) == [], question
        assert not policy_answer.answer(question, ix).covered


def test_answer_quotes_one_or_two_sentences_and_cites_the_clause(ix):
    reply = policy_answer.answer("黑名单企业的法人几年内不能去当别的公司的法人", ix)
    assert reply.covered
    first = reply.text.split("\n\n")[0]
    assert "3年内不得担任其他企业的法定代表人" in first
    assert "《大庆市建立完善守信联合激励和失信联合惩戒制度实施方案》" in first and "三、（三）" in first
    assert "黑龙江省大庆市" in first
    quote = first.split("“", 1)[1].rsplit("”", 1)[0]
    assert 1 <= quote.count("。") <= 2   # one or two sentences, not the whole clause
    assert reply.context["shown"][0] == "002-3.3"


def test_several_documents_are_cited_with_their_regions(ix):
    reply = policy_answer.answer("失信企业的法定代表人要承担啥责任", ix)
    regions = [line for line in reply.text.split("\n") if line.startswith("另外，")]
    assert regions, reply.text
    assert all("：“" in line for line in regions)
    assert len({h.split("：")[0] for h in regions}) == len(regions)   # one line per other document


def test_the_rules_table_answers_with_its_source(ix):
    reply = policy_answer.answer("罚款记录在网上要挂多久", ix)
    assert reply.context["shown"][0] == "rules-display-periods"
    first = reply.text.split("\n\n")[0]
    assert "一般的最短公示3个月、最长公示1年" in first and "国家发展改革委令2025年第36号" in first
    assert "2026-04-01起施行" in first
    # Our wording of the table, labelled as ours: never inside quotation marks as if it were the text.
    assert "本平台根据规则表归纳" in first and "“" not in first.split("出处")[0]


def test_a_regions_own_rule_is_stated_only_when_asked_about_that_region(ix):
    shanghai = "rules-objection-limits-上海市"
    assert shanghai in {c.id for c in rule_clauses()}
    for question in ("对信用信息有异议，多久标注", "异议处理要几个工作日"):
        reply = policy_answer.answer(question, ix)
        assert all(not h.startswith("rules-objection-limits-") for h in (reply.context or {}).get("hits", [])), question
        assert "上海市" not in reply.text
    asked = policy_answer.answer("上海对信用信息提出异议多久标注", ix)
    assert shanghai in asked.context["hits"]
    # With a region, the table's clauses are the national ones, the platform's and that region's only.
    local = {c.doc.region for c in rule_clauses(region="福建省福州市鼓楼区")} - {"全国", "本平台"}
    assert not local
    assert {c.doc.region for c in rule_clauses(region="上海市浦东新区")} - {"全国", "本平台"} == {"上海市"}


def test_a_local_lists_exit_is_stated_only_when_the_list_is_asked_about(ix):
    # 大庆's 守信红名单 clause says "不需要也不能申请信用修复": no answer to a 老赖 question.
    reply = policy_answer.answer("侄子欠的钱已经还上了，老赖名单是不是要自己去信用中国网申请修复？", ix)
    assert reply.covered and "rules-list-守信红名单" not in reply.context["hits"]
    assert reply.context["shown"][0] == "rules-list-失信被执行人"
    red = policy_answer.answer("红名单需要修复吗", ix)
    assert red.context["shown"][0] == "rules-list-守信红名单" and "黑龙江省大庆市" in red.text


def test_no_rule_clause_says_a_penalty_cannot_be_repaired_early():
    for c in rule_clauses():
        assert "不能提前" not in c.text and "不得提前" not in c.text, c.id
        if "第45号" in c.citation():
            assert "第十三条" in c.citation() and "公示期" in c.text and "修复" not in c.text, c.id


def test_rule_clauses_follow_the_table():
    table = load()
    changed = dataclasses.replace(table, objection_limits=dataclasses.replace(
        table.objection_limits, values={**table.objection_limits.values, "decide_working_days": 9}))
    text = {c.id: c.text for c in rule_clauses(changed)}["rules-objection-limits"]
    # The platform's own target, said as such: not a legal limit, not any region's rule.
    assert "9个工作日内作出处理决定" in text and "本平台的办理目标（不是法定时限）" in text


def test_source_follow_up_quotes_the_whole_clause_with_document_details(ix):
    reply = policy_answer.answer("异议期间联合惩戒措施还执行吗", ix)
    assert {"002-4.5", "rules-objection-limits"} <= set(reply.context["hits"][:2])
    full = policy_answer.full_clause({**reply.context, "shown": ["002-4.5"]}, ix)
    assert "联合惩戒措施在信息核实期间暂不执行" in full.text and "行政复议" in full.text
    assert "原文未标注" in full.text and "大庆市人民政府" in full.text and "2018-06-11" in full.text
    rule = policy_answer.full_clause({**reply.context, "shown": ["rules-objection-limits"]}, ix)
    assert "规则表" in rule.text and "出处" in rule.text
    # A conversation saved before the documents changed names a clause that no longer exists.
    assert not policy_answer.full_clause({"shown": ["009-9.9"], "hits": ["009-9.9"]}, ix).covered


def test_more_gives_the_next_clause_then_says_that_was_all(ix):
    first = policy_answer.answer("信用修复有什么条件", ix)
    context, seen = first.context, set(first.context["shown"])
    for _ in range(len(context["hits"])):
        nxt = policy_answer.more(context, ix)
        context = nxt.context
        if nxt.text.startswith("关于这个问题"):
            break
        assert context["shown"][0] not in seen and "出处：" in nxt.text
        seen.add(context["shown"][0])
    assert nxt.text.startswith("关于这个问题") and seen == set(context["hits"]) | set(first.context["shown"])


@pytest.mark.parametrize("text, kind", [("出处呢", "source"), ("原文是什么？", "source"), ("这是哪个文件规定的", "source"),
                                        ("还有吗", "more"), ("还有别的吗", "more"),
                                        ("信用修复的依据是什么文件", None), ("黑名单是什么", None)])
def test_follow_ups_are_told_from_new_questions(ix, text, kind):
    assert policy_answer.followup_kind(text, ix) == kind


def test_sentences_split_clause_text_without_numbering():
    sents = policy_answer.sentences("(四)建立健全信用修复机制。联合惩戒措施的发起部门应明确。\n责任单位:各有关单位。")
    assert sents == ("建立健全信用修复机制。", "联合惩戒措施的发起部门应明确。", "责任单位:各有关单位。")


def test_answers_about_repair_or_objections_offer_to_start_one(ix):
    assert [b["payload"] for b in policy_answer.answer("信用修腹要啥条件", ix).buttons] == ["/request_repair"]
    assert [b["payload"] for b in policy_answer.answer("对公示信息有异议多久处理", ix).buttons] == ["/file_objection"]
    assert policy_answer.answer("老赖能坐飞机吗", ix).buttons == ()


def test_the_rule_in_force_is_told_before_the_one_it_replaced(ix):
    for question in ("處罰信息在網上要公示多久？", "罚款记录在网上要挂多久", "处罚公示期是多长时间"):
        hits = [h.clause.id for h in ix.answers(question)]
        assert hits[0] == "rules-display-periods", (question, hits)


def test_no_quote_ends_in_the_next_items_opening_bracket():
    """Issue 17: "…向社会公开。(" — the sentence split left the "(" of "(四)" on the sentence before."""
    import re

    from actions.policy_actions import respond
    from actions.services.policy_eval import load_questions

    bad = []
    for path in sorted((Path(__file__).parent / "policy").glob("eval_questions*.yml")):
        for item in load_questions(path):
            for quote in re.findall(r"“([^”]*)”", respond(item["q"], None).text):
                if re.search(r"[(（]$", quote):
                    bad.append((item["q"], quote[-20:]))
    assert not bad, bad[:5]
