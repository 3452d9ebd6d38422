"""Credit codes, organisation codes and ID numbers: normalisation, validation, masking."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.services import codes

ALPHABET = codes.USCC_ALPHABET
PREFIXES = ["11", "12", "51", "52", "53", "91", "92", "93", "Y1"]
REGIONS = ["230600", "230100", "350100", "610100", "110105"]

valid_uscc = st.builds(
    lambda seed, prefix, region: codes.make_uscc(random.Random(seed), prefix, region),
    st.integers(0, 2**32), st.sampled_from(PREFIXES), st.sampled_from(REGIONS),
)
valid_org = st.builds(lambda seed: codes.make_org_code(random.Random(seed)), st.integers(0, 2**32))
valid_id = st.builds(lambda seed: codes.make_id_number(random.Random(seed)), st.integers(0, 2**32))


def test_known_real_world_shape():
    # Check digit worked by hand from the GB 32100 weights: body 91350100M000100Y4 -> '3'.
    assert codes.uscc_check_char("91350100M000100Y4") == "3"
    assert codes.is_valid_uscc("91350100M000100Y43")
    assert not codes.is_valid_uscc("91350100M000100Y44")
    # GB 11714 example used in the standard's annex: D2143569-X
    assert codes.is_valid_org_code("D2143569-X")
    assert codes.is_valid_id_number("11010519491231002X")


@given(valid_uscc)
def test_every_generated_uscc_is_valid(code):
    assert len(code) == 18
    assert codes.is_valid_uscc(code)
    check = codes.check_code(code)
    assert check.valid and check.kind == "uscc" and check.normalized == code


@settings(max_examples=60)
@given(valid_uscc, st.data())
def test_every_single_character_change_fails(code, data):
    pos = data.draw(st.integers(0, 17))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET + "IOSVZ" if c != code[pos]]))
    changed = code[:pos] + replacement + code[pos + 1:]
    assert not codes.is_valid_uscc(changed)
    assert not codes.check_code(changed).valid or codes.check_code(changed).kind == "id_number"


@given(valid_uscc)
def test_exhaustive_single_substitutions(code):
    for pos in range(18):
        for c in ALPHABET:
            if c != code[pos]:
                assert not codes.is_valid_uscc(code[:pos] + c + code[pos + 1:])


@given(valid_uscc, st.sampled_from(["lower", "fullwidth", "spaces", "dashes", "mixed"]))
def test_typed_variants_normalise_to_the_code(code, style):
    if style == "lower":
        typed = code.lower()
    elif style == "fullwidth":
        typed = "".join(chr(ord(c) + 0xFEE0) for c in code)
    elif style == "spaces":
        typed = f" {code[:2]} {code[2:8]} {code[8:17]} {code[17]} "
    elif style == "dashes":
        typed = f"{code[:8]}－{code[8:17]}—{code[17]}"
    else:
        typed = "　" + code[:9].lower() + "-" + "".join(chr(ord(c) + 0xFEE0) for c in code[9:])
    assert codes.normalize_code(typed) == code
    assert codes.is_valid_uscc(typed)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


@given(valid_org, st.data())
def test_org_codes_valid_and_single_changes_fail(code, data):
    """GB 11714 weighs characters mod 11, so a letter swapped for one 11 values away (U/J) goes
    unnoticed by the standard itself; every other single change is caught."""
    assert codes.is_valid_org_code(code)
    assert codes.is_valid_org_code(code[:8] + "-" + code[8])
    pos = data.draw(st.integers(0, 8))
    if pos == 8:
        pool = [x for x in "0123456789X" if x != code[8]]
    else:
        pool = [x for x in "0123456789ABCDEFGHJKLMNPQRTUWXY"
                if x != code[pos] and (_org_value(x) - _org_value(code[pos])) % 11]
    c = data.draw(st.sampled_from(pool))
    assert not codes.is_valid_org_code(code[:pos] + c + code[pos + 1:])


@given(valid_id)
def test_id_numbers_valid_and_masked(id_number):
    assert codes.is_valid_id_number(id_number)
    masked = codes.mask_id_number(id_number)
    assert masked[:4] == id_number[:4] and masked[-4:] == id_number[-4:]
    assert id_number[4:14] not in masked
    assert masked.count("*") == 10


def test_check_code_explains_what_is_wrong():
    assert "校验位" in codes.check_code("91350100M000100Y44").reason
    assert "18位" in codes.check_code("91350100M000100Y4").reason
    letters = codes.check_code("91350100M000100O43")
    assert not letters.valid and "O" in letters.reason
    assert not codes.check_code("hello").valid
    assert codes.check_code("11010519491231002x").kind == "id_number"
    assert codes.check_code("91350100M000100Y43").category == "企业"


@pytest.mark.parametrize("text", ["", None, "   ", "-"])
def test_empty_input_is_never_valid(text):
    assert not codes.is_valid_uscc(text)
    assert not codes.check_code(text or "").valid
