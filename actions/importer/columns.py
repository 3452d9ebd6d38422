"""The columns of 双公示 and list exports (national data standard) and how real headers map to them.

A header is matched after normalisation: full-width to half-width, spaces and '*' markers removed,
the bracketed part dropped ('罚款金额（万元）', '罚款金额 (万元)' and '罚款金额' are one column).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    header: str  # the standard header, as written in the national standard
    target: str  # 'subject.<attr>' or 'record.<attr>' or 'code' (lists: code of either kind)
    type: str = "text"  # text | date | amount | subject_type | severity
    required: bool = False  # the column must exist and every row must fill it
    # The column must exist, but a row may leave it empty (代码_1 is empty for natural persons,
    # whose code is the 证件号码; the row checks decide).
    column_required: bool = False
    aliases: tuple[str, ...] = ()
    max_len: int | None = None


IDENTITY = (
    Field("行政相对人名称", "subject.name", required=True, max_len=200, aliases=("主体名称", "相对人名称")),
    Field("行政相对人类别", "subject.subject_type", type="subject_type", aliases=("主体类别", "相对人类别")),
    Field("行政相对人代码_1(统一社会信用代码)", "subject.uscc", column_required=True,
          aliases=("统一社会信用代码", "代码_1")),
    Field("行政相对人代码_2(工商注册号)", "subject.reg_no", max_len=50, aliases=("工商注册号", "代码_2")),
    Field("行政相对人代码_3(组织机构代码)", "subject.org_code", aliases=("组织机构代码", "代码_3")),
    Field("行政相对人代码_4(税务登记号)", "subject.tax_no", max_len=50, aliases=("税务登记号", "代码_4")),
    Field("行政相对人代码_5(事业单位证书号)", "subject.institution_no", max_len=50,
          aliases=("事业单位证书号", "代码_5")),
    Field("行政相对人代码_6(社会组织登记证号)", "subject.social_org_no", max_len=50,
          aliases=("社会组织登记证号", "代码_6")),
    Field("法定代表人", "subject.legal_rep", max_len=100, aliases=("法定代表人姓名",)),
    Field("法定代表人证件类型", "subject.legal_rep_id_type", max_len=30),
    Field("法定代表人证件号码", "subject.legal_rep_id_number", max_len=40),
    Field("证件类型", "subject.id_type", max_len=30),
    Field("证件号码", "subject.id_number", max_len=40),
)
PROVENANCE = (
    Field("数据来源单位", "record.data_source", max_len=200),
    Field("数据来源单位统一社会信用代码", "record.data_source_code", max_len=18),
    Field("备注", "record.remark"),
)

PENALTY = IDENTITY + (
    Field("行政处罚决定书文号", "record.doc_number", required=True, max_len=200,
          aliases=("处罚决定书文号", "决定书文号", "行政处罚决定文书号")),
    Field("违法行为类型", "record.violation_type", max_len=300),
    Field("违法事实", "record.violation_facts", aliases=("主要违法事实",)),
    Field("处罚依据", "record.legal_basis"),
    Field("处罚类别", "record.penalty_category", max_len=200),
    Field("处罚内容", "record.penalty_content"),
    Field("罚款金额(万元)", "record.fine_amount", type="amount", aliases=("罚款金额",)),
    Field("没收违法所得、没收非法财物的金额(万元)", "record.confiscation_amount", type="amount",
          aliases=("没收违法所得、没收非法财物的金额", "没收违法所得没收非法财物的金额", "没收金额")),
    Field("暂扣或吊销证照名称及编号", "record.license_revoked", max_len=300),
    Field("处罚决定日期", "record.decision_date", type="date", required=True, aliases=("决定日期",)),
    Field("处罚有效期", "record.valid_to", type="date"),
    Field("公示截止期", "record.display_until", type="date", aliases=("公示截止日期",)),
    Field("处罚机关", "record.agency", required=True, max_len=200, aliases=("处罚决定机关",)),
    Field("处罚机关统一社会信用代码", "record.agency_code", max_len=18),
    Field("严重程度", "record.severity_tier", type="severity", aliases=("失信严重程度", "严重程度等级")),
) + PROVENANCE

LICENSE = IDENTITY + (
    Field("行政许可决定文书名称", "record.license_doc_name", max_len=200),
    Field("行政许可决定文书号", "record.doc_number", required=True, max_len=200,
          aliases=("许可决定文书号", "决定文书号")),
    Field("许可类别", "record.license_category", max_len=20),
    Field("许可证书名称", "record.certificate_name", max_len=200),
    Field("许可编号", "record.license_number", max_len=200, aliases=("许可证书编号",)),
    Field("许可内容", "record.license_content"),
    Field("许可决定日期", "record.decision_date", type="date", required=True, aliases=("决定日期",)),
    Field("有效期自", "record.valid_from", type="date"),
    Field("有效期至", "record.valid_to", type="date"),
    Field("许可机关", "record.agency", required=True, max_len=200, aliases=("许可决定机关",)),
    Field("许可机关统一社会信用代码", "record.agency_code", max_len=18),
    Field("当前状态", "record.current_status", max_len=50),
) + PROVENANCE

LIST = (
    Field("主体名称", "subject.name", required=True, max_len=200, aliases=("行政相对人名称", "名称")),
    Field("统一社会信用代码", "code", required=True,
          aliases=("行政相对人代码_1", "证件号码", "统一社会信用代码/证件号码")),
    Field("主体类别", "subject.subject_type", type="subject_type", aliases=("行政相对人类别",)),
    Field("法定代表人", "subject.legal_rep", max_len=100),
    Field("名单类型", "record.list_type", required=True, max_len=50, aliases=("名单类别", "名单名称")),
    Field("列入事由", "record.list_reason", aliases=("列入原因", "认定事由")),
    Field("认定部门", "record.agency", required=True, max_len=200, aliases=("认定机关", "列入部门")),
    Field("列入日期", "record.decision_date", type="date", required=True, aliases=("认定日期",)),
    Field("有效期至", "record.valid_to", type="date", aliases=("移出日期",)),
    Field("文书号", "record.doc_number", required=True, max_len=200, aliases=("认定文书号", "决定文书号")),
    Field("严重程度", "record.severity_tier", type="severity"),
) + PROVENANCE

KINDS = {"penalties": ("penalty", PENALTY), "licenses": ("license", LICENSE), "lists": ("list", LIST)}

_BRACKETED = re.compile(r"\([^()]*\)$")


def header_key(text: str) -> str:
    """'行政相对人代码_1 （统一社会信用代码）' -> '行政相对人代码_1'."""
    s = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "")
    s = re.sub(r"[\s*]+", "", s)
    base = _BRACKETED.sub("", s)
    return base or s


def map_headers(headers: list[str], fields: tuple[Field, ...]) -> tuple[dict[int, Field], list[Field]]:
    """Column index -> field for the recognised headers, and the required fields with no column.

    The first column that matches a field wins, so an export carrying both 行政相对人代码_1 and a
    duplicate 统一社会信用代码 column reads the standard one.
    """
    by_key: dict[str, Field] = {}
    for f in fields:
        for name in (f.header,) + f.aliases:
            by_key.setdefault(header_key(name), f)
    mapping: dict[int, Field] = {}
    seen: set[str] = set()
    for i, h in enumerate(headers):
        f = by_key.get(header_key(h))
        if f is not None and f.target not in seen:
            mapping[i] = f
            seen.add(f.target)
    missing = [f for f in fields if (f.required or f.column_required) and f.target not in seen]
    return mapping, missing
