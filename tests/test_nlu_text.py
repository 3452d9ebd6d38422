"""The NLU's own text handling, without a model: normalisation, language and script, entity
tidying and follow-up parsing."""
from __future__ import annotations

import pytest

from actions.services import codes, followup
from actions.services.language import detect_language, detect_script
from nlu.components.entity_tidy import tidy_entities, tidy_subject_name
from nlu.components.text_normalizer import normalize

CODE = "912306047LY7DWQT7J"


@pytest.mark.parametrize("typed", [
    "9123 0604 7LY7 DWQT7J", "91230604-7LY7-DWQT7J", "９１２３０６０４７ＬＹ７ＤＷＱＴ７Ｊ", "9123 0604 7ly7 dwqt7j",
    "912306047LY7DWQT7J",
])
def test_codes_typed_with_separators_or_full_width_become_one_token(typed):
    text, _ = normalize(f"查一下{typed}有没有处罚")
    assert CODE in text.upper()


def test_traditional_becomes_simplified_and_offsets_follow():
    original = "請問這間公司 9123 0604 7LY7 DWQT7J 有沒有處罰"
    text, offsets = normalize(original)
    assert text.startswith("请问这间公司") and "有没有处罚" in text
    start = original.index("9123")
    end = start + len("9123 0604 7LY7 DWQT7J")
    assert text[offsets[start]:offsets[end]] == CODE


def test_spaced_mobile_number_is_joined_but_english_words_are_not():
    assert normalize("电话 138 1234 5678")[0] == "电话 13812345678"
    assert normalize("please check the company record")[0] == "please check the company record"


def test_words_that_only_look_like_codes_are_left_alone():
    assert codes.spaced_code_spans("order 1234 5678 ABCD") == []


@pytest.mark.parametrize("text,language", [
    ("你好", "zh"), ("請問這間公司有沒有被罰", "zh"), ("hi", "en"), ("Hello, please check 912306047LY7DWQT7J", "en"),
    ("Bonjour, je voudrais vérifier une entreprise", "other"), ("こんにちは", "other"), ("Привет", "other"),
    (CODE, None), ("13812345678", None), ("👍", None), ("YY-20261117-0001", None), ("xf-20260601-0001 status?", "en"),
])
def test_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text,script", [
    ("請問這間公司有沒有被罰", "traditional"), ("查一下这家公司", "simplified"), ("你好", None), (CODE, None),
])
def test_script(text, script):
    assert detect_script(text) == script


@pytest.mark.parametrize("raw,name", [
    ("帮我查一下鸿泰石油的", "鸿泰石油"), ("查下大庆市金禾餐饮管理有限公司有没有", "大庆市金禾餐饮管理有限公司"),
    ("看看恒远建筑信用怎么样", "恒远建筑"), ("这家公司", None), ("我们公司", None), ("查", None),
])
def test_subject_names_lose_lead_ins_and_particles(raw, name):
    assert tidy_subject_name(raw) == name


def _e(entity, value, start, end, extractor="DIETClassifier"):
    return {"entity": entity, "value": value, "start": start, "end": end, "extractor": extractor}


def test_the_regex_span_wins_and_values_are_canonical():
    out = tidy_entities([
        _e("ticket_id", "yy20261117-000", 0, 14),
        _e("ticket_id", "yy20261117-0001", 0, 15, "RegexEntityExtractor"),
        _e("doc_number", "文书号是庆环罚〔2026〕37号", 20, 35),
        _e("credit_code", "912306047ly7dwqt7j", 40, 58, "RegexEntityExtractor"),
        _e("phone", "2306047", 44, 51, "RegexEntityExtractor"),  # inside the code: not a phone
    ])
    assert [(e["entity"], e["value"]) for e in out] == [
        ("ticket_id", "YY-20261117-0001"), ("doc_number", "庆环罚〔2026〕37号"), ("credit_code", CODE)]


def test_diet_spans_that_cannot_be_the_entity_are_dropped():
    out = tidy_entities([_e("credit_code", "鸿泰", 0, 2), _e("ticket_id", "YY-2026", 3, 10), _e("phone", "12", 11, 13)])
    assert out == []


@pytest.mark.parametrize("text,kinds,previous,more", [
    ("有没有行政许可", ("license",), False, False),
    ("这家公司在名单上吗", ("list",), False, False),
    ("被罚过没有", ("penalty",), False, False),
    ("上一家呢", (), True, False),
    ("查看更多", (), False, True),
    ("下一页", (), False, True),
    ("还有别的处罚吗", ("penalty",), False, False),
    ("处罚、许可和名单都看看", (), False, False),
])
def test_follow_ups(text, kinds, previous, more):
    asked = followup.parse(text)
    assert (asked.kinds, asked.previous, asked.more) == (kinds, previous, more)


def test_ids_in_free_text_are_masked():
    assert codes.mask_ids_in_text("我的身份证230602197810070431，代码912306047LY7DWQT7J") == \
        "我的身份证2306**********0431，代码912306047LY7DWQT7J"


@pytest.mark.parametrize("text,expected", [
    ("帮我查一下鹏程医疗器械有限公司有没有处罚", [("ORG", "鹏程医疗器械有限公司")]),
    ("鹏程医疗器械", [("ORG", "鹏程医疗器械")]),
    ("查下大庆市龙凤区湖畔社区卫生服务中心", [("ORG", "大庆市龙凤区湖畔社区卫生服务中心")]),
    ("大庆市市场监督管理局罚了我们", [("AGENCY", "大庆市市场监督管理局")]),
    ("这家公司在名单上吗", []),
    ("我要转人工", []),
])
def test_rule_based_organisation_and_agency_names(text, expected):
    from nlu.components.org_name_ruler import find

    assert [(label, span) for label, _, _, span in find(text)] == expected


def test_the_ruler_completes_a_short_diet_name_and_drops_agencies():
    from rasa.shared.nlu.training_data.message import Message

    from nlu.components.org_name_ruler import OrgNameRuler

    text = "查一下子虚乌有贸易有限公司，市场监管局说它被罚了"
    short = {"entity": "subject_name", "value": "贸易有限公司", "start": 7, "end": 13, "extractor": "DIETClassifier"}
    agency = {"entity": "subject_name", "value": "市场监管局", "start": 14, "end": 19, "extractor": "DIETClassifier"}
    message = Message(data={"text": text, "entities": [short, agency]})
    OrgNameRuler().process([message])
    assert [e["value"] for e in message.get("entities")] == ["子虚乌有贸易有限公司"]


def test_domain_responses_follow_the_users_script():
    from bot.nlg import localize

    response = {"text": "请问要查询哪家企业？", "buttons": [{"title": "转人工服务", "payload": "/human_handoff"}]}
    localize(response)
    assert response == {"text": "請問要查詢哪家企業？", "buttons": [{"title": "轉人工服務", "payload": "/human_handoff"}]}


def test_a_name_tagged_from_the_particle_after_a_verb_loses_it():
    text = "老板让我查下鸿泰石油是不是上了黑名单"
    start = text.index("下鸿泰")
    out = tidy_entities([_e("subject_name", "下鸿泰石油", start, start + 5)], text)
    assert out[0]["value"] == "鸿泰石油"
    # A name that really starts with 下 keeps it.
    assert tidy_entities([_e("subject_name", "下城区文具店", 0, 6)], "下城区文具店")[0]["value"] == "下城区文具店"
