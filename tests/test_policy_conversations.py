"""Policy questions end to end over REST: the test model, the action server, the documents."""
from __future__ import annotations

import pytest


pytestmark = pytest.mark.slow


def test_a_question_is_answered_from_a_clause_with_its_citation_then_source_and_more(chat):
    reply = chat("上了黑名单的企业，法人会受到啥限制？")
    assert "出处：《" in reply and "法定代表人" in reply, reply
    assert "黑龙江省大庆市" in reply or "陕西省" in reply   # the region of each rule is named
    full = chat("出处呢")
    assert "原文：" in full and "文号" in full, full
    assert len(full) > len(reply.split("\n\n")[0])
    more = chat("还有吗")
    assert "出处：" in more or "就是这些" in more, more
    assert more.split("\n")[0] != reply.split("\n")[0]


def test_a_question_the_documents_do_not_cover_gets_the_hotline_not_a_guess(chat):
    reply = chat("老赖的孩子能上私立学校吗？")  # the documents say nothing about schools
    assert "没有找到" in reply and "热线" in reply and "《" not in reply, reply
    assert any(b["payload"] == "/human_handoff" for b in chat.buttons)


def test_traditional_question_gets_a_traditional_answer(chat):
    reply = chat("老賴還能坐飛機嗎？")
    assert "出處：" in reply and "飛機" in reply, reply


def test_source_without_a_previous_answer_asks_what_to_look_up(chat):
    reply = chat("原文是什么")
    assert "想了解哪方面的规定" in reply, reply
