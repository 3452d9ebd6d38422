"""Validation of one export row into a subject and a record, or into reasons it was rejected."""
from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from actions.db.keys import record_key
from actions.db.models import SEVERITY_TIERS
from actions.importer.columns import Field
from actions.services import codes
from actions.services.dates import DateError, parse_date
from actions.services.regions import region_name
from actions.services.textnorm import clean_text

_SUBJECT_TYPES = {
    "法人及非法人组织": "法人及非法人组织", "法人和非法人组织": "法人及非法人组织", "法人": "法人及非法人组织",
    "非法人组织": "法人及非法人组织", "法人或其他组织": "法人及非法人组织", "企业": "法人及非法人组织",
    "个体工商户": "个体工商户", "个体": "个体工商户", "个体户": "个体工商户",
    "自然人": "自然人", "个人": "自然人",
}
_ID_TYPES_CHECKED = {"", "身份证", "居民身份证", "中华人民共和国居民身份证", "身份证号"}


@dataclass
class ParsedRow:
    line: int
    cells: list[str]
    subject: dict = field(default_factory=dict)
    record: dict = field(default_factory=dict)
    natural_key: str = ""
    subject_key: tuple[str, str] = ("", "")  # ('uscc' | 'id_number' | 'reg_no', value)
    content_hash: str = ""
    errors: list[str] = field(default_factory=list)


# records.fine_amount and confiscation_amount are NUMERIC(18, 6): 12 digits before the point
_AMOUNT_LIMIT, _AMOUNT_STEP = Decimal(10) ** 12, Decimal("0.000001")


def _amount(text: str) -> Decimal | None:
    s = unicodedata.normalize("NFKC", text).replace(",", "").replace("万元", "").replace("万", "").strip()
    if not s:
        return None
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"金额不是数字：{text}") from None
    if not value.is_finite():  # 'NaN' (pandas writes it for an empty amount), 'Infinity'
        raise ValueError(f"金额不是数字：{text}")
    if value < 0:
        raise ValueError(f"金额不能为负数：{text}")
    if value >= _AMOUNT_LIMIT:
        raise ValueError(f"金额超出范围（最多 12 位整数，单位万元）：{text}")
    if value.as_tuple().exponent < -6:  # as stored: '0.30000000000000004' -> 0.300000, '1e-99999' -> 0
        value = value.quantize(_AMOUNT_STEP)
        if value >= _AMOUNT_LIMIT:  # 999999999999.9999999 rounds up
            raise ValueError(f"金额超出范围（最多 12 位整数，单位万元）：{text}")
    return value


def parse_row(kind: str, line: int, cells: list[str], mapping: dict[int, Field], ncols: int,
              today: dt.date) -> ParsedRow:
    row = ParsedRow(line, cells)
    if len(cells) > ncols and any(c.strip() for c in cells[ncols:]):
        row.errors.append(f"本行有 {len(cells)} 列，表头只有 {ncols} 列")
        return row
    values: dict[str, object] = {}
    for i, f in mapping.items():
        raw = clean_text(cells[i]) if i < len(cells) else ""
        try:
            value = _convert(f, raw)
        except ValueError as exc:
            row.errors.append(f"{f.header}：{exc}")
            continue
        if value in (None, ""):
            if f.required:
                row.errors.append(f"{f.header}为空")
            continue
        if f.max_len and isinstance(value, str) and len(value) > f.max_len:
            row.errors.append(f"{f.header}超过 {f.max_len} 个字符")
            continue
        values[f.target] = value
    _resolve_subject(kind, values, row)
    _check_dates(values, row, today)
    if row.errors:
        return row
    for target, value in values.items():
        part, _, attr = target.partition(".")
        if part == "subject":
            row.subject[attr] = value
        elif part == "record":
            row.record[attr] = value
    # subject["name_norm"] is filled for all rows at once by the caller (normalize_names).
    row.natural_key = record_key(kind, row.record["doc_number"], row.record.get("agency", ""),
                                 row.record.get("list_type", ""), row.subject_key[1],
                                 is_person=row.subject_key[0] == "id_number")
    row.content_hash = _hash(row.subject, row.record)
    return row


def _convert(f: Field, raw: str):
    if not raw:
        return None
    if f.type == "date":
        try:
            return parse_date(raw)
        except DateError as exc:
            raise ValueError(str(exc)) from None
    if f.type == "amount":
        return _amount(raw)
    if f.type == "subject_type":
        key = raw.replace(" ", "")
        if key not in _SUBJECT_TYPES:
            raise ValueError(f"无法识别“{raw}”，应为 法人及非法人组织 / 个体工商户 / 自然人")
        return _SUBJECT_TYPES[key]
    if f.type == "severity":
        tier = raw.replace("失信", "").replace("程度", "")
        if tier not in SEVERITY_TIERS:
            raise ValueError(f"无法识别“{raw}”，应为 轻微 / 一般 / 严重")
        return tier
    return raw


def _resolve_subject(kind: str, values: dict, row: ParsedRow) -> None:
    """Decide the subject type and the code that identifies the subject; check the codes."""
    if kind == "list":
        code = codes.normalize_code(values.pop("code", "") or "")
        if code:
            check = codes.check_code(code)
            declared = values.get("subject.subject_type")
            if declared == "自然人" or (declared is None and check.kind == "id_number" and check.valid):
                values["subject.id_number"] = code
            else:
                values["subject.uscc"] = code
    for attr in ("uscc", "org_code", "reg_no", "id_number", "legal_rep_id_number"):
        key = f"subject.{attr}"
        if key in values:
            values[key] = codes.normalize_code(values[key])
    uscc = values.get("subject.uscc")
    id_number = values.get("subject.id_number")
    declared = values.get("subject.subject_type")
    if declared is None:
        if uscc:
            declared = "个体工商户" if uscc.startswith("92") else "法人及非法人组织"
        elif id_number:
            declared = "自然人"
        else:
            declared = "法人及非法人组织"
        values["subject.subject_type"] = declared

    if declared == "自然人":
        values.pop("subject.uscc", None)
        if not id_number:
            row.errors.append("自然人需填写证件号码")
            return
        id_type = (values.get("subject.id_type") or "").replace(" ", "")
        if id_type in _ID_TYPES_CHECKED and not codes.is_valid_id_number(id_number):
            row.errors.append("身份证号码格式或校验位不正确")
            return
        values.setdefault("subject.id_type", "居民身份证")
        row.subject_key = ("id_number", id_number)
        values["subject.region_code"] = id_number[:6] if id_number[:6].isdigit() else None
    else:
        values.pop("subject.id_number", None)
        values.pop("subject.id_type", None)
        if uscc:
            check = codes.check_code(uscc)
            # is_valid_uscc, not check.kind: a company's code that would also pass as an ID number
            # (check_code reads those as ID numbers) is still the USCC this column declares.
            if not codes.is_valid_uscc(uscc):
                row.errors.append(f"统一社会信用代码 {uscc} 无效：{check.reason or '不是统一社会信用代码'}")
                return
            row.subject_key = ("uscc", uscc)
            values["subject.region_code"] = uscc[2:8]
            values.setdefault("subject.org_code", uscc[8:17])
        elif declared == "个体工商户" and values.get("subject.reg_no"):
            row.subject_key = ("reg_no", values["subject.reg_no"])
        elif declared == "个体工商户":
            row.errors.append("个体工商户需填写统一社会信用代码或工商注册号")
            return
        else:
            row.errors.append("统一社会信用代码为空")
            return
        org = values.get("subject.org_code")
        if org and not codes.is_valid_org_code(org):
            row.errors.append(f"组织机构代码 {org} 校验位不正确")
            return
    region = values.get("subject.region_code")
    if region:
        values["subject.region_name"] = region_name(region)


def _check_dates(values: dict, row: ParsedRow, today: dt.date) -> None:
    decided = values.get("record.decision_date")
    if decided and decided > today:
        row.errors.append(f"决定日期 {decided.isoformat()} 晚于今天")
    start, end = values.get("record.valid_from"), values.get("record.valid_to")
    if start and end and end < start:
        row.errors.append("有效期至早于有效期自")


def _hash(subject: dict, record: dict) -> str:
    """sha256 of the row's source fields (name=value, sorted); opaque to readers."""
    parts = [f"s.{k}={v}" for k, v in sorted(subject.items())]
    parts += [f"r.{k}={v}" for k, v in sorted(record.items())]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
