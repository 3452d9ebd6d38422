"""End-to-end conversations over the REST channel: the test model, the action server and the demo
data on a real database, through `xinyong serve` (fixture demo_bot in conftest.py)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from actions.db.models import HandoffRequest
from actions.services import demo_data
from tests.botserver import PAGED_CODE, PAGED_NAME, Chat

pytestmark = pytest.mark.slow
HONGTAI = "912306047LY7DWQT7J"


def test_greeting_says_what_the_assistant_does(chat):
    reply = chat("你好")
    assert "信用助手" in reply and "查询" in reply and "异议" in reply


def test_lookup_by_code_typed_loosely(chat):
    reply = chat("帮我查下 9123 0604 7ly7 dwqt7j 这家公司")
    assert "大庆市鸿泰石油技术服务有限公司" in reply
    refs = demo_data.showcase_refs()  # the demo is seeded today
    assert refs.docs["objection"] in reply and "异议处理中" in reply
    assert "联合惩戒措施在信息核实期间暂不执行" in reply  # the seed-002 rule, cited
    assert refs.docs["expired"] not in reply  # expired: not displayed


def test_a_code_with_a_wrong_check_digit_is_explained(chat):
    reply = chat(f"查询 {HONGTAI[:-1]}K")
    assert "校验位" in reply


def test_exact_name_answers_directly_and_a_fragment_offers_buttons(chat):
    assert "91230602YTR8FXXX1E" in chat("查一下大庆市金禾餐饮管理有限公司")
    reply = chat("帮我查查有限公司")
    assert 1 <= len(chat.buttons) <= 5, reply
    for b in chat.buttons:  # payloads carry the code, not the name
        assert json.loads(b["payload"][len("/query_credit"):])["credit_code"].isalnum()
    picked = chat.buttons[0]["title"].split("（")[0]
    assert picked in chat.click(picked)


def test_no_match_suggests_checking_the_name_or_using_the_code(chat):
    reply = chat("查一下子虚乌有贸易有限公司")  # DIET may tag only part: the rule-based span is whole
    assert "没有找到" in reply and "统一社会信用代码" in reply


def test_traditional_users_are_answered_in_traditional_and_it_is_remembered(chat):
    reply = chat("請幫我查一下大慶市鴻泰石油技術服務有限公司")
    assert "鴻泰石油" in reply and "異議處理中" in reply
    reply = chat(HONGTAI)  # no Han characters: the script is remembered
    assert "異議處理中" in reply
    assert "查詢" in chat("你好")


def test_follow_ups_refer_to_the_subject_in_focus(chat):
    chat(f"查 {HONGTAI}")
    reply = chat("有没有行政许可")
    assert "排污许可证" in reply and "庆环罚" not in reply
    reply = chat("这家公司在名单上吗")
    assert "没有公示中的名单信息" in reply
    chat("查一下大庆市金禾餐饮管理有限公司")
    assert "鸿泰石油" in chat("上一家呢")


def test_long_results_are_offered_page_by_page(chat):
    first = chat(f"查一下{PAGED_CODE}")
    assert PAGED_NAME in first and "行政处罚 7 条" in first and "还有 2 条" in first
    assert any(b["title"] == "查看更多" for b in chat.buttons)
    second = chat.click("查看更多")
    assert PAGED_NAME not in second and "已显示" not in second and second.count("【行政处罚】") == 2
    assert not chat.buttons
    assert "没有更多" in chat("查看更多")


def test_a_person_is_shown_masked(chat):
    reply = chat("查一下身份证230602197810070431")
    assert "2306**********0431" in reply and "230602197810070431" not in reply and "失信被执行人" in reply

def test_people_cannot_be_searched_by_name(demo_bot):
    reply = Chat(demo_bot)("赵文强是不是老赖")
    assert "身份证" in reply and demo_data.showcase_refs().docs["court"] not in reply


def test_handoff_gives_the_hotline_and_queues_the_conversation(chat, demo_bot):
    chat("你好")
    reply = chat("我要转人工")
    assert "0459-12345" in reply and "工作日 8:30—17:00" in reply
    eng = sa.create_engine(demo_bot.database_url, future=True)
    with eng.connect() as c:
        request = c.execute(sa.select(HandoffRequest).where(HandoffRequest.sender_id == chat.sender)).one()
    eng.dispose()
    assert request.status == "待处理" and any(t["text"] == "你好" for t in request.transcript)


def test_out_of_scope_declines_and_says_what_it_can_do(chat):
    reply = chat("今天哈尔滨天气怎么样")
    assert "抱歉" in reply and "查询" in reply


def test_personal_bank_credit_goes_to_the_central_bank_and_starts_nothing(chat):
    reply = chat("1000元逾期一个星期是多少")
    assert "中国人民银行征信中心" in reply and "放款的银行" in reply and "异议" in reply  # and what we do
    assert not chat.buttons or all("/file_objection" not in b.get("payload", "") for b in chat.buttons)
    assert "征信中心" in chat("为什么显示逾期！")   # not an objection form


def test_chit_chat_does_not_start_a_lookup(chat):
    for line in ("你结婚了吗", "谁傻", "刚才你说你叫啥来着"):
        reply = chat(line)
        assert not any(w in reply for w in ("哪家企业", "异议理由", "还没有提交过", "修复哪")), (line, reply)


def test_bot_challenge_is_answered_honestly(chat):
    assert "自动应答" in chat("你是真人还是机器人")


def test_english_core(chat):
    assert "credit assistant" in chat("hello")
    reply = chat(f"please check company {HONGTAI}")
    assert "Public records" in reply and "Under objection" in reply
    assert "12345" in chat("I want to talk to a human")


def test_other_languages_get_a_short_bilingual_message(chat):
    reply = chat("Bonjour, je voudrais vérifier une entreprise")
    assert "中文" in reply and "English" in reply


def test_an_unclear_message_gets_did_you_mean_buttons_then_a_rephrase(chat):
    # The FallbackClassifier's verdict, sent as a payload so the test does not hang on what one
    # model finds unclear; the dialogue after it is what the user sees.
    reply = chat("/nlu_fallback")
    assert "您是想" in reply and any(b["title"] == "都不是" for b in chat.buttons)
    assert "换个说法" in chat.click("都不是")
    assert "大庆市鸿泰石油技术服务有限公司" in chat(f"查 {HONGTAI}")  # and the conversation goes on
