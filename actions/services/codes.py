"""Unified social credit codes (GB 32100-2015), organisation codes (GB 11714) and
resident ID numbers (GB 11643): normalise what people type, validate, mask, generate.

Pure functions only; the NLU, the importer, the lookups and the demo data all use this one module.
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters, no I O S V Z
USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK = "10X98765432"

# Registration department + organisation category codes (GB 32100 table 1 and later additions),
# used to say what kind of organisation a code names.
CATEGORY_NAMES = {
    "11": "机关", "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "19": "其他机构编制",
    "51": "社会团体", "52": "民办非企业单位", "53": "基金会", "59": "其他民政登记",
    "91": "企业", "92": "个体工商户", "93": "农民专业合作社",
    "N1": "农村集体经济组织", "N2": "农村集体经济组织",
    "Y1": "其他",
}

# Characters people put inside codes: spaces of every width, dashes of every kind, dots.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−－_·.．、]+")


def normalize_code(text: str) -> str:
    """Full-width to half-width, upper case, separators removed: ' 91230６00-mA1b2c3d4x' -> '91230600MA1B2C3D4X'."""
    if text is None:
        return ""
    s = str(text)
    if s.isascii() and s.isalnum():  # the common case: already one plain token
        return s.upper()
    s = unicodedata.normalize("NFKC", s)
    return _SEPARATORS.sub("", s).upper()


def uscc_check_char(body17: str) -> str:
    """The 18th character for a 17-character body (raises KeyError on a character outside the alphabet)."""
    total = sum(USCC_VALUES[c] * w for c, w in zip(body17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(text: str) -> bool:
    code = normalize_code(text)
    if len(code) != 18 or any(c not in USCC_VALUES for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def org_check_char(body8: str) -> str:
    total = 0
    for c, w in zip(body8, ORG_WEIGHTS):
        if c.isdigit():
            v = int(c)
        elif "A" <= c <= "Z":
            v = ord(c) - ord("A") + 10
        else:
            raise ValueError(f"invalid organisation code character {c!r}")
        total += v * w
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


_ORG_CODE = re.compile(r"[0-9A-Z]{8}[0-9X]")


def is_valid_org_code(text: str) -> bool:
    code = normalize_code(text)
    if len(code) != 9 or not _ORG_CODE.fullmatch(code):
        return False
    return org_check_char(code[:8]) == code[8]


def id_check_char(body17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def is_valid_id_number(text: str) -> bool:
    """18-digit resident ID number with its ISO 7064 MOD 11-2 check character."""
    code = normalize_code(text)
    return bool(re.fullmatch(r"\d{17}[\dX]", code)) and id_check_char(code[:17]) == code[17]


def _has_birth_date(id_number: str) -> bool:
    """Characters 7-14 are a real date of birth (GB 11643), in 1900-2099."""
    year, month, day = int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2099


def mask_id_number(text: str | None) -> str:
    """A natural person's ID number is never shown whole: keep the first 4 and the last 4 characters."""
    if not text:
        return ""
    code = normalize_code(text)
    if len(code) <= 8:
        return "*" * len(code)
    return code[:4] + "*" * (len(code) - 8) + code[-4:]


@dataclass(frozen=True)
class CodeCheck:
    """What a typed code turned out to be, for replies such as '校验位不对'."""

    normalized: str
    kind: str  # uscc | org_code | id_number | unknown
    valid: bool
    reason: str = ""  # Chinese explanation when not valid

    @property
    def category(self) -> str | None:
        if self.kind == "uscc" and self.valid:
            return CATEGORY_NAMES.get(self.normalized[:2])
        return None


def check_code(text: str) -> CodeCheck:
    """Classify and validate a code as typed; never raises."""
    code = normalize_code(text)
    if len(code) == 18:
        if all(c in USCC_VALUES for c in code):
            # One ID number in 31 also passes the USCC check; read as a USCC it would be looked up
            # among companies and shown unmasked. A valid ID number with a real birth date is an ID
            # number (a USCC has a division code and an organisation code there, rarely a date).
            if is_valid_id_number(code) and _has_birth_date(code):
                return CodeCheck(code, "id_number", True)
            if uscc_check_char(code[:17]) == code[17]:
                return CodeCheck(code, "uscc", True)
            if is_valid_id_number(code):
                return CodeCheck(code, "id_number", True)
            return CodeCheck(code, "uscc", False, "统一社会信用代码校验位不正确，请核对是否有输错的字符")
        bad = sorted({c for c in code if c not in USCC_VALUES})
        if is_valid_id_number(code):
            return CodeCheck(code, "id_number", True)
        return CodeCheck(code, "uscc", False,
                         f"统一社会信用代码不含字母 {'、'.join(bad)}（代码中没有 I、O、S、V、Z）")
    if len(code) == 9:
        if is_valid_org_code(code):
            return CodeCheck(code, "org_code", True)
        return CodeCheck(code, "org_code", False, "组织机构代码校验位不正确")
    if len(code) in (17, 19):
        return CodeCheck(code, "unknown", False,
                         f"统一社会信用代码应为18位，您输入的是{len(code)}位")
    return CodeCheck(code, "unknown", False, "这不是有效的统一社会信用代码或组织机构代码")


# ----------------------------------------------------------------- generation (demo data and tests)
_ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_org_code(rng: random.Random) -> str:
    body = "".join(rng.choice(_ORG_BODY_CHARS) for _ in range(8))
    return body + org_check_char(body)


def make_uscc(rng: random.Random, prefix: str = "91", region: str = "230600") -> str:
    """A structurally valid code: department+category, division code, organisation code, check."""
    while True:
        org = make_org_code(rng)
        # USCC alphabet has no I O S V Z; the embedded organisation code must fit it too.
        if all(c in USCC_VALUES for c in org):
            body = prefix + region + org
            return body + uscc_check_char(body)


def make_id_number(rng: random.Random, region: str = "230602", year: int | None = None) -> str:
    year = year or rng.randint(1955, 2000)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    body = f"{region}{year:04d}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
    return body + id_check_char(body)


# ----------------------------------------------------------------- codes inside free text
def _half_width(text: str) -> str:
    """Full-width digits, letters and separators half-width, character for character (same length)."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


# A run of letters and digits broken by the separators people type inside codes.
_SPACED_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]+(?:[ \-‐‑–—_·.]{1,2}[0-9A-Za-z]+){1,8}(?![0-9A-Za-z])")
_CODE_SHAPE = re.compile(r"[0-9A-Za-z]{2}\d{6}[0-9A-Za-z]{10}|\d{17}[\dXx]")


def spaced_runs(text: str):
    """(span, joined) for every stretch of consecutive letter-and-digit groups that people broke
    with separators; every stretch, so a code after an English word ('search 9137 0212 …') is found.
    Full-width letters, digits and separators count as their half-width forms ('９１２３　０６０４ …',
    as a Chinese input method in full-width mode types them); `joined` is half-width."""
    text = _half_width(text)  # character for character: the spans stay those of the text given
    for m in _SPACED_RUN.finditer(text):
        parts = [(p.start() + m.start(), p.end() + m.start()) for p in re.finditer(r"[0-9A-Za-z]+", m.group())]
        for i in range(len(parts)):
            joined = ""
            for j in range(i, len(parts)):
                joined += text[parts[j][0]:parts[j][1]]
                if len(joined) > 20:
                    break
                if j > i:
                    yield (parts[i][0], parts[j][1]), joined


def spaced_code_spans(text: str) -> list[tuple[int, int]]:
    """Spans of codes typed with separators inside ('9123 0604 7LY7 DWQT7J', '91230604-7LY7DWQT7J').

    A stretch is a code only when, without its separators, it has the shape of a USCC or an ID
    number (18 characters with the six-digit division code in place), so English words and phone
    numbers are left alone. The check digit is not required here: a mistyped code must still reach
    the check that tells the user so.
    """
    found = [(span, joined) for span, joined in spaced_runs(text) if _CODE_SHAPE.fullmatch(joined)]
    # Stretches overlap when a word follows or precedes the code: in '111 101 050 000 000 004 thanks',
    # '050 000 000 004 thanks' has the shape too, and joining both glues the code to 'thanks'. Keep
    # one of overlapping stretches: one whose check character is right first, else the leftmost.
    found.sort(key=lambda f: (not (is_valid_uscc(f[1]) or is_valid_id_number(f[1])), f[0][0]))
    spans: list[tuple[int, int]] = []
    for (start, end), _ in found:
        if all(end <= s or e <= start for s, e in spans):
            spans.append((start, end))
    return sorted(spans)


_ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def mask_ids_in_text(text: str) -> str:
    """Free text with every valid resident ID number masked (transcripts, logs): also one typed in
    full width, with letters around it ('ID230602…'), or broken by spaces or dashes
    ('2306 0219 7810 0704 31'), which the NLU reads as an ID number too."""
    text = text or ""
    probe = _half_width(text)
    found = [(m.span(), m.group()) for m in _ID_IN_TEXT.finditer(probe)]
    found += [(span, joined) for span, joined in spaced_runs(text) if len(joined) == 18]
    out, pos = [], 0
    for (start, end), code in sorted(found, key=lambda f: (f[0][0], -f[0][1])):
        if start < pos or not is_valid_id_number(code):
            continue
        out += [text[pos:start], mask_id_number(code)]
        pos = end
    out.append(text[pos:])
    return "".join(out)
