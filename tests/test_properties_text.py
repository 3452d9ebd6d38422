"""Properties of text normalisation and script handling over hostile unicode.

Control characters, NUL, emoji, zero-width characters, full-width forms, combining marks, mixed
Simplified and Traditional, huge strings: none of them may raise, and each function keeps what it
promises (docstrings, docs/schema.md §8.1 for name_norm). Runs without a database or a model.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from actions.services import followup
from actions.services.language import EN, OTHER, SIMPLIFIED, TRADITIONAL, ZH, detect_language, detect_script
from actions.services.textnorm import (
    clean_text,
    is_traditional,
    normalize_name,
    normalize_names,
    reply_in_script,
    to_simplified,
    to_traditional,
    traditional_reply,
    without_place_prefix,
)

FAST = settings(deadline=None, database=None, max_examples=150)
SLOW = settings(deadline=None, database=None, max_examples=40)  # jieba, langdetect

ROOT = Path(__file__).resolve().parents[1]
# The NLU's own vocabulary, all written in Simplified: the words users and replies use most.
DOMAIN_WORDS = sorted({line.split()[0] for line in (ROOT / "nlu/dict/domain_words.txt").read_text("utf-8").splitlines()
                       if line.strip() and not line.startswith("#")})
# Common words of the replies and of company names (Simplified), each with a Traditional form.
COMMON_WORDS = ["信用", "查询", "处罚", "许可", "名单", "企业", "公司", "有限公司", "请问", "这家", "没有", "记录",
                "异议", "修复", "申请", "转人工", "联系电话", "营业执照", "经营异常", "龙华", "大庆市", "黑龙江省",
                "市场监督管理局", "生态环境局", "统一社会信用代码", "决定书", "罚款", "证据", "材料", "谢谢", "帮我",
                "进度", "办理", "网络科技", "贸易", "餐饮", "药房", "建筑", "运输", "电话", "机关", "严重失信"]

HAN = re.compile(r"[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
                 r"\uf900-\ufaff\U00020000-\U0003ffff]")
WEIRD = ["\x00", "\x01", "\x07", "\x1b[2J", "\x7f", "\x85", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
         "\u202e", "\u2028", "\u3000", "\t", "\r\n", "\x0b", "👍", "👨‍👩‍👧", "🇨🇳", "🏢", "ＡＢＣ", "１２３", "（",
         "）", "，", "！", "ｶﾀｶﾅ", "é", "e\u0301", "¸", "㈱", "①", "ﬁ", "Ω", "İ", "ß", "\U0001d400", "\U00020000"]
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
hostile = st.lists(st.one_of(st.sampled_from(WEIRD), st.sampled_from(COMMON_WORDS),
                             st.sampled_from([to_traditional(w) for w in COMMON_WORDS]),
                             st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)),
                   max_size=25).map("".join)
texts = st.one_of(any_text, hostile)
non_han = texts.map(lambda s: HAN.sub("", s))
ascii_token = st.text(st.sampled_from("ABCDEFGHJKLMNPQRTUWXY0123456789abcxyz"), min_size=1, max_size=18)

HUGE = ("大慶市龍華（石化）有限公司 ９１２３０６０４７ＬＹ７ＤＷＱＴ７Ｊ\x00\u200b👨‍👩‍👧 查询处罚 " * 20000)  # ~1 MB


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in s)


def ascii_of(s: str) -> str:
    return "".join(c for c in s if c.isascii())


# --------------------------------------------------------------------------------- clean_text
@FAST
@given(texts)
@example(HUGE)
def test_clean_text_is_a_normal_form(text):
    out = clean_text(text)
    assert isinstance(out, str)
    assert clean_text(out) == out, "clean_text changes its own output"
    assert out == out.strip()
    assert "  " not in out and not any(c.isspace() and c != " " for c in out), \
        f"whitespace other than single spaces left: {out!r}"
    assert unicodedata.is_normalized("NFKC", out)


@FAST
@given(texts, ascii_token, texts)
def test_clean_text_keeps_ascii_letters_and_digits(before, token, after):
    """What a code or number is made of survives: typed full width it comes back half width."""
    assert token in clean_text(f"{before} {token} {after}").split(" ")
    assert token in clean_text(f"{before} {fullwidth(token)} {after}").split(" ")


def test_clean_text_of_nothing():
    assert clean_text(None) == "" and clean_text("") == "" and clean_text(" \u3000\t\r\n") == ""


# ------------------------------------------------------------------------- normalize_name §8.1
def _t2s_reference():
    import opencc

    return opencc.OpenCC("t2s")


def name_norm_by_the_spec(name: str) -> str:
    """docs/schema.md §8.1, written from the document: NFKC, remove \\s, OpenCC t2s, lower()."""
    s = unicodedata.normalize("NFKC", name)
    s = re.sub(r"\s", "", s)
    s = _t2s_reference().convert(s)
    return s.lower()


@FAST
@given(texts.filter(lambda s: "\x00" not in s))
def test_name_norm_is_what_schema_8_1_says(name):
    assert normalize_name(name) == name_norm_by_the_spec(name)


@pytest.mark.parametrize("name,norm", [
    ("大慶市 龍華（石化）有限公司", "大庆市龙华(石化)有限公司"),
    ("大庆市龙华(石化)有限公司", "大庆市龙华(石化)有限公司"),
    ("Ｘｉ’an 長安 Co.，Ltd.", "xi’an长安co.,ltd."),
    ("㈱東京", "(株)东京"),
])
def test_schema_8_1_test_vectors(name, norm):
    assert normalize_name(name) == norm


@FAST
@given(st.lists(texts, max_size=12))
def test_batch_normalisation_equals_one_by_one(names):
    """The importer normalises all names of a file in one OpenCC call: same result as one by one."""
    assert normalize_names(names) == [normalize_name(n) for n in names]


@FAST
@given(texts)
@example("abc\x00def")
@example("大庆\x00龍華")
def test_name_norm_has_no_space_and_keeps_ascii(name):
    norm = normalize_name(name)
    assert not any(c.isspace() for c in norm)
    # ASCII letters and digits pass lower-cased, in order (full-width ones become ASCII first)
    expected = "".join(c for c in unicodedata.normalize("NFKC", name).lower() if c.isascii() and c.isalnum())
    assert "".join(c for c in norm if c.isascii() and c.isalnum()) == expected


company_names = st.builds(
    lambda place, words, form: place + "".join(words) + form,
    st.sampled_from(["", "大庆市", "黑龙江省", "哈尔滨市南岗区"]),
    st.lists(st.sampled_from(COMMON_WORDS + ["鸿泰", "金禾", "鑫源", "恒远", "ABC", "2024"]), min_size=1, max_size=4),
    st.sampled_from(["有限公司", "有限责任公司", "（石化）有限公司", "药房", "分公司", "经营部"]),
)


@FAST
@given(company_names, st.data())
def test_every_spelling_of_a_name_normalises_alike(name, data):
    """Traditional, full-width, spaced, upper/lower case: one name_norm, so a search finds it."""
    norm = normalize_name(name)
    assert normalize_name(norm) == norm
    spaced = data.draw(st.sampled_from([" ", "\u3000", "  ", "\t"])).join(name)
    for variant in (to_traditional(name), fullwidth(name), spaced, name.upper(), fullwidth(to_traditional(spaced))):
        assert normalize_name(variant) == norm, variant


@SLOW
@given(texts)
@example("\x00")
@example(HUGE[:5000])
def test_without_place_prefix_is_a_suffix(name):
    rest = without_place_prefix(name)
    assert name.endswith(rest)


@SLOW
@given(st.sampled_from(["大庆市", "哈尔滨", "黑龙江省", "北京市"]),
       st.sampled_from(["鸿泰石油", "北辰物流", "金禾餐饮管理有限公司", "恒远建筑"]))
def test_without_place_prefix_drops_the_place(place, rest):
    assert without_place_prefix(place + rest) == rest


# ---------------------------------------------------------------------- script conversion
@FAST
@given(non_han)
@example("\x00")
def test_text_without_han_characters_is_never_converted(text):
    assert to_simplified(text) == text
    assert to_traditional(text) == text
    assert detect_script(text) is None


@FAST
@given(texts)
@example("查询\x00公司")
@example("查詢\x00公司\x00")
@example(HUGE)
def test_conversion_keeps_everything_but_han_characters(text):
    """ASCII (codes, numbers, payload-like text), emoji, controls and NUL come through in order;
    OpenCC reads a C string and used to drop everything after a NUL."""
    for convert in (to_simplified, to_traditional):
        out = convert(text)
        assert ascii_of(out) == ascii_of(text)
        assert HAN.sub("", out) == HAN.sub("", text)


@FAST
@given(st.lists(st.sampled_from(DOMAIN_WORDS + COMMON_WORDS), min_size=1, max_size=6),
       st.sampled_from(["", "，", "。", " ", "？", "、"]))
def test_simplified_to_traditional_and_back_keeps_the_words(words, sep):
    text = sep.join(words)
    assert to_simplified(to_traditional(text)) == text


@FAST
@given(st.sampled_from(DOMAIN_WORDS + COMMON_WORDS), non_han, non_han)
@example("信用修复", "", "\x00")
def test_script_of_pure_simplified_and_pure_traditional(word, before, after):
    """Text around the Han characters (codes, emoji, controls) does not change what they say."""
    traditional = to_traditional(word)
    if traditional == word:  # written alike in both scripts: says nothing
        assert detect_script(before + word + after) is None
        return
    assert detect_script(before + word + after) == SIMPLIFIED
    assert detect_script(before + traditional + after) == TRADITIONAL
    assert is_traditional(traditional) and not is_traditional(word)


@FAST
@given(st.lists(st.sampled_from(COMMON_WORDS), min_size=1, max_size=4),
       st.lists(st.sampled_from([w for w in COMMON_WORDS if to_traditional(w) != w]), min_size=1, max_size=4))
def test_mixed_scripts_count_as_traditional(simplified, traditional):
    """One Traditional-only character makes the message Traditional (is_traditional's rule)."""
    text = "".join(simplified) + to_traditional("".join(traditional))
    assert detect_script(text) == TRADITIONAL


# --------------------------------------------------------------------------- detect_language
@SLOW
@given(texts)
@example(HUGE)
@example("\x00\x00")
def test_detect_language_never_raises(text):
    language = detect_language(text)
    assert language in (ZH, EN, OTHER, None)
    if re.search(r"[\u4e00-\u9fff]", text) and not re.search(
            r"[\u3040-\u30ff\uac00-\ud7af\u1100-\u11ff]", text):
        assert language == ZH


@FAST
@given(st.text(st.sampled_from("0123456789 -_.,!?:;()[]/+*#@%&=，。！？、👍🏢🇨🇳\x00\u200b\u3000"), max_size=40))
def test_text_without_letters_has_no_language(text):
    assert detect_language(text) is None
    assert detect_script(text) is None


# --------------------------------------------------------------------------- replies in script
button = st.fixed_dictionaries(
    {"payload": st.one_of(st.sampled_from(["/human_handoff", '/inform{"subject_name":"龙华石化"}', "/选择 处罚",
                                           "/affirm"]), texts)},
    optional={"title": st.one_of(st.sampled_from(COMMON_WORDS), texts, st.just(""), st.none())},
)


@FAST
@given(st.one_of(st.none(), st.just(""), texts), st.one_of(st.none(), st.lists(button, max_size=5)),
       st.sampled_from(["traditional", "simplified", None, "", "klingon"]))
def test_reply_in_script_converts_titles_never_payloads(text, buttons, script):
    before = [dict(b) for b in buttons] if buttons is not None else None
    new_text, new_buttons = reply_in_script(text, buttons, script)
    convert = {"traditional": to_traditional, "simplified": to_simplified}.get(script)
    if buttons is not None:
        assert buttons == before, "the caller's buttons were changed"
    if convert is None:
        assert new_text is text and new_buttons is buttons
        return
    assert new_text == (convert(text) if text else text)
    if buttons is None:
        assert new_buttons is None
        return
    assert len(new_buttons) == len(buttons)
    for old, new in zip(buttons, new_buttons):
        assert new["payload"] == old["payload"], "a payload was converted"
        assert set(new) == set(old)
        if old.get("title"):
            assert new["title"] == convert(old["title"])
        else:
            assert new.get("title") == old.get("title")


@FAST
@given(st.lists(st.sampled_from(COMMON_WORDS), min_size=1, max_size=5).filter(lambda ws: to_traditional("".join(ws)) != "".join(ws)))
def test_traditional_reply_of_domain_text(words):
    text = "，".join(words)
    payload = '/inform{"subject_name":"' + "".join(words) + '"}'
    new_text, new_buttons = traditional_reply(text, [{"title": text, "payload": payload}])
    assert detect_script(new_text) == TRADITIONAL and to_simplified(new_text) == text
    assert new_buttons == [{"title": new_text, "payload": payload}]


# --------------------------------------------------------------------------------- follow-ups
KIND_WORDS = {"license": ["行政许可", "许可证", "资质"], "penalty": ["处罚", "罚款", "违法"],
              "list": ["黑名单", "经营异常", "失信"]}


@FAST
@given(texts)
@example(HUGE)
def test_follow_up_parse_is_consistent(text):
    asked = followup.parse(text)
    assert set(asked.kinds) <= {"license", "penalty", "list"}
    assert list(asked.kinds) == sorted(asked.kinds, key=["license", "penalty", "list"].index)
    assert len(asked.kinds) < 3, "naming all three kinds is the same as naming none"
    assert not (asked.more and asked.kinds)


neutral = st.text(st.sampled_from("这家公司有吗呢请问一下看看的是帮我查，。？ 123👍\u200b"), max_size=12)


@FAST
@given(neutral, st.sampled_from(list(KIND_WORDS)), st.data())
def test_a_named_kind_is_asked_for(filler, kind, data):
    word = data.draw(st.sampled_from(KIND_WORDS[kind]))
    for text in (filler + word + "吗", word + filler, to_traditional(filler + word)):
        assert followup.parse(to_simplified(text)).kinds == (kind,), text
    previous = followup.parse(filler + "上一家" + filler)
    assert previous.previous
