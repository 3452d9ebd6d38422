"""Properties of code handling: USCCs (GB 32100-2015), resident ID numbers (GB 11643-1999),
masking, and phone numbers read from free text.

Valid codes are made here from the standards' own weights, not with actions.services.codes, so a
mistake there cannot hide behind the same mistake in the generator. Messages go through the NLU's
real normaliser and credit_code patterns (nlu/regexes.yml), as a typed code does in the bot.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from actions.services import codes, form_input
from nlu.components.text_normalizer import normalize

FAST = settings(deadline=None, database=None, max_examples=150)
NLU = settings(deadline=None, database=None, max_examples=100)

# ------------------------------------------------------------------- the standards, written out
# GB 32100-2015: 31 characters (no I, O, S, V, Z); weight of position i (1-based) is 3^(i-1) mod 31;
# check = 31 - (sum mod 31), where 31 is written 0.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714-1997: positions 9-17 of a USCC are the organisation code, with its own check character.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11643-1999 (ISO 7064 MOD 11-2): weight of position i is 2^(18-i) mod 11; the check character
# for sum mod 11 = 0..10 is 1 0 X 9 8 7 6 5 4 3 2.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

CATEGORIES = {"11": "机关", "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "19": "其他机构编制",
              "51": "社会团体", "52": "民办非企业单位", "53": "基金会", "59": "其他民政登记", "91": "企业",
              "92": "个体工商户", "93": "农民专业合作社", "N1": "农村集体经济组织", "Y1": "其他"}
REGIONS = ["110105", "110119", "120120", "230602", "230604", "230621", "350100", "440305", "650102", "810000"]
TODAY = dt.date.today()


def uscc_check(body17: str) -> str:
    remainder = sum(ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS)) % 31
    return ALPHABET[(31 - remainder) % 31]


def org_check(body8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w for c, w in zip(body8, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def id_check(body17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def is_uscc(code: str) -> bool:
    return len(code) == 18 and all(c in ALPHABET for c in code) and uscc_check(code[:17]) == code[17]


def is_id(code: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{17}[0-9X]", code)) and id_check(code[:17]) == code[17]


def has_birth_date(code: str) -> bool:
    """Characters 7-14 are a real date, 1900-2099 (what check_code takes for a date of birth)."""
    try:
        return 1900 <= dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14])).year <= 2099
    except ValueError:
        return False


def is_org(code: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-Z]{8}[0-9X]", code)) and org_check(code[:8]) == code[8]


@st.composite
def usccs(draw) -> str:
    prefix = draw(st.sampled_from(sorted(CATEGORIES)))
    region = draw(st.one_of(st.sampled_from(REGIONS), st.from_regex(r"\A[1-8][0-9]{5}\Z")))
    org_body = draw(st.text(ALPHABET, min_size=8, max_size=8))
    body = prefix + region + org_body + org_check(org_body)
    return body + uscc_check(body)


@st.composite
def id_numbers(draw) -> str:
    region = draw(st.one_of(st.sampled_from(REGIONS), st.from_regex(r"\A[1-8][0-9]{5}\Z")))
    born = draw(st.dates(dt.date(1900, 1, 1), TODAY))
    body = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + id_check(body)


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


SEPARATORS = [" ", "  ", "-", "－", "—", "_", "·", ".", "．", "\u3000", " - ", "\t"]
# How a code is typed, character by character: lower case?, full width?, separator before it; and
# what surrounds it.
typing_styles = st.tuples(
    st.lists(st.booleans(), min_size=18, max_size=18),
    st.lists(st.booleans(), min_size=18, max_size=18),
    st.lists(st.one_of(st.just(""), st.just(""), st.just(""), st.sampled_from(SEPARATORS)), min_size=18, max_size=18),
    st.sampled_from(["", " ", "\u3000"]),
    st.sampled_from(["", " ", "\n"]),
)
AS_IS = ([False] * 18, [False] * 18, [""] * 18, "", "")


def typed(code: str, style) -> str:
    """The code as people type it: any letter in lower case, any character full width, any
    separators between characters, spaces around it."""
    lower, full, separators, lead, tail = style
    out = []
    for i, c in enumerate(code):
        c = c.lower() if lower[i] else c
        out.append((separators[i] if i else "") + (fullwidth(c) if full[i] else c))
    return lead + "".join(out) + tail


# How a code appears in a chat message: one token, or groups of 3, 4 or 6 (or 6-8-4, 2-6-9-1)
# broken by spaces or dashes; half width, full width (an input method's full-width mode) or mixed; any case.
chat_styles = st.tuples(st.sampled_from([None, 3, 4, 6, (6, 14), (2, 8, 17)]), st.sampled_from([" ", "-", "\u3000", "  "]),
                        st.booleans(), st.sampled_from(["half", "full", "mixed"]))
PLAIN = (None, " ", False, "half")


def chat_form(code: str, style) -> str:
    groups, sep, lower, width = style
    if groups is None:
        parts = [code]
    elif isinstance(groups, int):
        parts = [code[i:i + groups] for i in range(0, 18, groups)]
    else:
        cuts = (0,) + groups + (18,)
        parts = [code[a:b] for a, b in zip(cuts, cuts[1:])]
    text = sep.join(parts)
    if lower:
        text = text.lower()
    if width == "full":
        text = fullwidth(text).replace(" ", "\u3000")
    elif width == "mixed":
        text = "".join(fullwidth(c) if i % 3 == 0 else c for i, c in enumerate(text))
    return text


LEADS = ["", "查一下", "請問這間公司", "代码是：", "统一社会信用代码:", "我的身份证号 ", "check ", "ok ", "my ID is ",
         "帮我查查 ", "👍", "（", "\u200b"]
TAILS = ["", "有没有处罚", "，谢谢", "？", " 在名单上吗", "的信用记录", "👍", "）", "。", " thanks", " ok", " is it listed"]


def _credit_code_patterns() -> list[re.Pattern]:
    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "nlu/regexes.yml").read_text("utf-8"))
    (entry,) = [e for e in data["nlu"] if e.get("regex") == "credit_code"]
    return [re.compile(line[2:].strip(), re.I) for line in entry["examples"].splitlines() if line.startswith("- ")]


CREDIT_CODE = _credit_code_patterns()


def codes_in_message(message: str) -> list[str]:
    """What the bot reads as codes: the NLU's normalised text, its credit_code patterns, the
    canonical value EntityTidy makes of a match."""
    text, _ = normalize(message)
    return [codes.normalize_code(m.group()) for p in CREDIT_CODE for m in p.finditer(text)]


# ------------------------------------------------------------------------------- valid codes
@FAST
@given(usccs(), typing_styles)
def test_every_valid_uscc_is_accepted_however_typed(code, style):
    variant = typed(code, style)
    assert codes.normalize_code(variant) == code, variant
    assert codes.is_valid_uscc(variant)
    check = codes.check_code(variant)
    assert check.normalized == code and check.valid
    if is_id(code) and has_birth_date(code):
        # also a valid ID number with a real birth date: read as one, so it is never shown unmasked
        assert check.kind == "id_number"
    else:
        assert check.kind == "uscc" and check.category == CATEGORIES[code[:2]]
        assert codes.is_valid_org_code(code[8:17])


@FAST
@given(id_numbers(), typing_styles)
@example("230602200010170383", AS_IS)  # also passes the USCC check: was read as a USCC, shown unmasked
def test_every_valid_id_number_is_accepted_however_typed(number, style):
    variant = typed(number, style)
    assert codes.normalize_code(variant) == number
    assert codes.is_valid_id_number(variant)
    check = codes.check_code(variant)
    assert (check.normalized, check.kind, check.valid) == (number, "id_number", True), \
        f"{number} (also a valid USCC: {is_uscc(number)}) read as {check}"


@NLU
@given(st.one_of(usccs(), id_numbers()), chat_styles, st.sampled_from(LEADS), st.sampled_from(TAILS))
@example("912306047LY7DWQT7J", (4, "\u3000", False, "full"), "查一下", "有没有处罚")  # was not joined
@example("230602197810070431", (6, " ", False, "full"), "我的身份证号 ", "")
@example("111101050000000004", (3, " ", False, "half"), "", " thanks")  # was glued to 'thanks'
@example("912306047LY7DWQT7J", (4, " ", False, "half"), "ok ", "")  # was glued to 'ok'
def test_a_code_in_a_chat_message_is_found(code, style, lead, tail):
    """Any surrounding words, spaces or dashes inside, full width (an input method's full-width
    mode types '９１２３　０６０４'), any case: the bot reads the code."""
    message = lead + chat_form(code, style) + tail
    found = codes_in_message(message)
    assert code in found, f"{message!r} -> {normalize(message)[0]!r}: found {found}"
    assert codes.check_code(code).valid


# -------------------------------------------------------------------------- mistyped codes
def _assert_rejected_uscc(original: str, wrong: str) -> None:
    assert not codes.is_valid_uscc(wrong), f"{wrong} (from {original}) accepted as a USCC"
    check = codes.check_code(wrong)
    if check.valid:  # a typo can only ever turn it into a well-formed ID number
        assert check.kind == "id_number" and is_id(check.normalized), check
        return
    assert check.reason and re.search(r"[\u4e00-\u9fff]", check.reason)
    if all(c in ALPHABET for c in check.normalized):
        assert "校验位" in check.reason, check
    else:
        bad = sorted({c for c in check.normalized if c not in ALPHABET})
        assert all(c in check.reason for c in bad), check


@FAST
@given(usccs(), st.integers(0, 17), st.sampled_from(ALPHABET + "IOSVZ"))
def test_any_single_substitution_in_a_uscc_is_caught(code, pos, c):
    if c == code[pos]:
        return
    _assert_rejected_uscc(code, code[:pos] + c + code[pos + 1:])


@FAST
@given(usccs(), st.integers(0, 16))
def test_any_adjacent_transposition_in_a_uscc_is_caught(code, pos):
    if code[pos] == code[pos + 1]:
        return
    _assert_rejected_uscc(code, code[:pos] + code[pos + 1] + code[pos] + code[pos + 2:])


@FAST
@given(id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"), st.booleans())
def test_any_single_substitution_or_transposition_in_an_id_number_is_caught(number, pos, c, swap):
    if swap:
        pos = min(pos, 16)
        wrong = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2:]
    else:
        wrong = number[:pos] + c + number[pos + 1:]
    if wrong == number:
        return
    assert not codes.is_valid_id_number(wrong)
    check = codes.check_code(wrong)
    assert not (check.kind == "id_number" and check.valid)
    if check.valid:  # 1 in 31 of such strings is a well-formed USCC
        assert check.kind == "uscc" and is_uscc(wrong)
    else:
        assert "校验位" in check.reason or "字母" in check.reason


code_like = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.text(st.sampled_from(ALPHABET + "IOSVZxyz０１９ＡＺ -—_·.．、\u3000\x00\u200b"), max_size=24),
)


@FAST
@given(code_like)
@example("٢٣٠٦٠٢١٩٧٨١٠٠٧٠٤٣١")  # Arabic-Indic digits: \d, but not what a code is written in
def test_any_text_is_classified_without_raising(text):
    check = codes.check_code(text)
    assert check.normalized == codes.normalize_code(text)
    assert check.kind in ("uscc", "org_code", "id_number", "unknown")
    if check.valid:
        assert check.reason == ""
        assert {"uscc": is_uscc, "id_number": is_id, "org_code": is_org}[check.kind](check.normalized), check
    else:
        assert re.search(r"[\u4e00-\u9fff]", check.reason), check
    assert codes.is_valid_uscc(text) == is_uscc(check.normalized)
    codes.is_valid_org_code(text)
    codes.spaced_code_spans(text)


# ---------------------------------------------------------------------------------- masking
@FAST
@given(code_like)
def test_mask_id_number_shows_at_most_the_first_and_last_four(text):
    masked = codes.mask_id_number(text)
    code = codes.normalize_code(text)
    assert len(masked) == len(code)
    if len(code) <= 8:
        assert set(masked) <= {"*"}
    else:
        assert masked == code[:4] + "*" * (len(code) - 8) + code[-4:]


ID_FORMS = ["plain", "lower", "full", "groups3", "groups4", "groups6", "groups4-ideographic", "dashes"]


def id_in_text(number: str, form: str) -> str:
    """An ID number as it appears in a message or a ticket: one token (lower-case x), full width,
    or in groups broken by spaces or dashes."""
    if form == "plain":
        return number
    if form == "lower":
        return number.lower()
    if form == "full":
        return fullwidth(number)
    if form.startswith("groups"):
        size = int(form[6])
        return ("\u3000" if form.endswith("ideographic") else " ").join(number[i:i + size] for i in range(0, 18, size))
    return f"{number[:6]}-{number[6:14]}-{number[14:]}"


filler = st.text(st.sampled_from("我的身份证号是，。：、联系人王五（）请查一下謝謝👍 \n"), min_size=1, max_size=8).filter(str.strip)


@FAST
@given(st.lists(st.tuples(filler, id_numbers(), st.sampled_from(ID_FORMS)), min_size=1, max_size=4), filler)
@example([("身份证 ", "230602197810070431", "groups4")], "")  # was left unmasked
@example([("ID", "230602197810070431", "plain")], "号")  # was left unmasked
def test_every_id_number_in_free_text_is_masked(parts, tail):
    pieces, numbers = [], []
    for lead, number, form in parts:
        pieces += [lead, id_in_text(number, form)]
        numbers.append(number)
    text = "".join(pieces) + tail
    masked = codes.mask_ids_in_text(text)
    flat = re.sub(r"[\s\-_·.]", "", unicodedata.normalize("NFKC", masked))
    for number in numbers:
        assert number[4:14] not in flat, f"{number} visible in {masked!r}"
        assert number[:4] + "*" * 10 + number[-4:] in flat.upper()
    assert codes.mask_ids_in_text(masked) == masked
    # only the numbers change: every word around them is still there, in order
    assert re.sub(r"[0-9０-９XxＸｘ*\s\-]", "", masked) == re.sub(r"[0-9０-９XxＸｘ\s\-]", "", text)


@FAST
@given(usccs(), filler, filler)
def test_a_company_code_in_free_text_is_not_masked(code, lead, tail):
    if is_id(code):
        return
    text = lead + code + tail
    assert codes.mask_ids_in_text(text) == text


# --------------------------------------------------------------------------------- phones
mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
landlines = st.one_of(
    st.tuples(st.sampled_from(["010", "020", "021", "027"]), st.from_regex(r"\A[2-9][0-9]{7}\Z")),
    st.tuples(st.from_regex(r"\A0[3-9][0-9]{2}\Z"), st.from_regex(r"\A[2-9][0-9]{6,7}\Z")),
)


MOBILE_FORMS = ["plain", "spaced", "dashed", "+86", "+86-", "86", "(+86)", "full", "full-spaced"]
LANDLINE_FORMS = ["dash", "space", "brackets", "full-brackets", "joined", "full"]


def mobile_form(m: str, form: str) -> str:
    return {"plain": m, "spaced": f"{m[:3]} {m[3:7]} {m[7:]}", "dashed": f"{m[:3]}-{m[3:7]}-{m[7:]}",
            "+86": f"+86 {m}", "+86-": f"+86-{m[:3]}-{m[3:7]}-{m[7:]}", "86": f"86{m}", "(+86)": f"(+86){m}",
            "full": fullwidth(m), "full-spaced": fullwidth(f"{m[:3]}\u3000{m[3:7]}\u3000{m[7:]}")}[form]


def landline_form(area: str, number: str, form: str) -> str:
    return {"dash": f"{area}-{number}", "space": f"{area} {number}", "brackets": f"({area}){number}",
            "full-brackets": f"（{area}）{number}", "joined": f"{area}{number}",
            "full": fullwidth(f"{area}-{number}")}[form]


words = st.lists(st.sampled_from(["电话", "是", "我的", "联系方式", "手机号", "座机", "上班时间打", "，", "。", "：", "！",
                                   "请找王经理", " ok ", " call me ", "👍", " "]), max_size=4).map("".join)


def phone_in_message(message: str) -> form_input.PhoneCheck | None:
    """As the filing form reads a phone: form_input on the NLU's normalised text."""
    return form_input.phone_in(normalize(message)[0])


@NLU
@given(mobiles, st.sampled_from(MOBILE_FORMS), words, words)
def test_a_mobile_number_in_a_message_is_read(m, form, before, after):
    found = phone_in_message(before + mobile_form(m, form) + after)
    assert found is not None and found.valid and found.value == m, found


@NLU
@given(landlines, st.sampled_from(LANDLINE_FORMS), words, words)
@example(("010", "12345678"), "brackets", "", "")  # was read as 0101-2345678
def test_a_landline_in_a_message_is_read(landline, form, before, after):
    area, number = landline
    found = phone_in_message(before + landline_form(area, number, form) + after)
    assert found is not None and found.valid and found.value == f"{area}-{number}", found


@FAST
@given(mobiles, st.from_regex(r"\A[1-9][0-9]{0,2}\Z"), st.sampled_from(["点后打", "号楼", "楼", "点以前"]),
       st.booleans())
@example("13912345678", "3", "点后打", False)  # was: '139123456783' is not a valid phone
def test_a_mobile_next_to_another_number_is_still_read(m, n, word, number_first):
    message = f"房间{n} {m}" if number_first else f"电话{m} {n}{word}"
    found = form_input.phone_in(message)
    assert found is not None and found.valid and found.value == m, (message, found)


@FAST
@given(code_like)
@example("1 " * 3000)
def test_phone_parsing_never_raises(text):
    check = form_input.check_phone(text)
    if check.valid:
        assert re.fullmatch(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}(-\d{1,6})?", check.value), check
    found = form_input.phone_in(text)
    assert found is None or isinstance(found, form_input.PhoneCheck)
    if found is not None and found.valid:  # a number the message holds, not one made up
        assert re.sub(r"\D", "", found.value) in re.sub(r"\D", "", text)
