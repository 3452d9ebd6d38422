"""Text normalisation (width, spaces, script) and dates in the forms real exports use."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.services.dates import DateError, format_cn, parse_date
from actions.services.textnorm import is_traditional, normalize_name, to_traditional


def test_traditional_and_simplified_names_normalise_alike():
    assert normalize_name("大慶市 龍華（石化）設備有限公司") == normalize_name("大庆市龙华(石化)设备有限公司")
    assert normalize_name("ＡＢＣ科技有限公司") == "abc科技有限公司"
    assert is_traditional("經營異常名錄") and not is_traditional("经营异常名录")
    assert to_traditional("信用修复") == "信用修復"


@pytest.mark.parametrize("text", ["2026/05/06", "2026-05-06", "2026年5月6日", "20260506", "2026.5.6",
                                  "2026-05-06 00:00:00", "２０２６年５月６日", " 2026/5/6 "])
def test_common_date_forms(text):
    assert parse_date(text) == dt.date(2026, 5, 6)


@pytest.mark.parametrize("text", ["2026-02-30", "20261301", "2026/13/01", "昨天", "2026-5", "06/05/2026"])
def test_bad_dates_are_rejected_with_a_reason(text):
    with pytest.raises(DateError) as err:
        parse_date(text)
    assert "日期" in str(err.value)


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_real_date_round_trips_in_every_form(d):
    for text in (f"{d:%Y/%m/%d}", d.isoformat(), format_cn(d), f"{d:%Y%m%d}"):
        assert parse_date(text) == d


def test_empty_cells_are_none():
    assert parse_date("") is None and parse_date("  ") is None and parse_date(None) is None
