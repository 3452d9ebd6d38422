"""Realistic 双公示 and list export files for the importer tests.

Rows are plain dicts keyed by the national standard's column names (the half-width spelling of
docs: 罚款金额(万元), 行政相对人代码_1(统一社会信用代码) ...). Dates are `datetime.date` objects and
are formatted only when a file is written, so the same rows can be written in every date style,
encoding, BOM setting and header spelling that real exports use. Invalid variants (bad check digit,
missing field, impossible or future date) are made from valid rows by the functions at the end;
codes typed in lower case, full width or with spaces are valid once normalised.

Not collected by pytest (no test_ prefix); test_import.py imports it.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence, Union

from actions.services.codes import (
    USCC_ALPHABET,
    id_check_char,
    is_valid_uscc,
    make_id_number,
    make_uscc,
)

TODAY = dt.date.today()
NO_EXPIRY = dt.date(2099, 12, 31)
BOM = b"\xef\xbb\xbf"

# ------------------------------------------------------------------------------- column names
CODE_1 = "行政相对人代码_1(统一社会信用代码)"
CODE_2 = "行政相对人代码_2(工商注册号)"
CODE_3 = "行政相对人代码_3(组织机构代码)"
CODE_4 = "行政相对人代码_4(税务登记号)"
CODE_5 = "行政相对人代码_5(事业单位证书号)"
CODE_6 = "行政相对人代码_6(社会组织登记证号)"
FINE = "罚款金额(万元)"
CONFISCATION = "没收违法所得、没收非法财物的金额(万元)"

IDENTITY_COLUMNS = [
    "行政相对人名称", "行政相对人类别", CODE_1, CODE_2, CODE_3, CODE_4, CODE_5, CODE_6,
    "法定代表人", "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码",
]
PENALTY_COLUMNS = IDENTITY_COLUMNS + [
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", FINE,
    CONFISCATION, "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关",
    "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]
LICENSE_COLUMNS = IDENTITY_COLUMNS + [
    "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容",
    "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]
# 主体类别 is optional in list files; write_export adds it after 主体名称 when a row fills it.
LIST_COLUMNS = ["主体名称", "统一社会信用代码", "名单类型", "列入事由", "认定部门", "列入日期", "有效期至", "文书号"]


@dataclass(frozen=True)
class Kind:
    """One import kind: its CLI word, Record.kind, columns, and which column holds what."""

    cli: str  # penalties | licenses | lists
    record_kind: str  # penalty | license | list
    columns: tuple[str, ...]
    name: str
    type: str  # 行政相对人类别 / 主体类别
    code: str
    doc: str
    date: str
    agency: str
    content: str  # a free-text column whose change makes an "updated" row
    content_attr: str  # the Record attribute that stores it
    date_columns: tuple[str, ...]

    def col(self, role: str) -> str:
        """Column for a role: name, type, code, doc, date, agency, content."""
        return getattr(self, role)


PENALTIES = Kind("penalties", "penalty", tuple(PENALTY_COLUMNS), "行政相对人名称", "行政相对人类别", CODE_1,
                 "行政处罚决定书文号", "处罚决定日期", "处罚机关", "处罚内容", "penalty_content",
                 ("处罚决定日期", "处罚有效期", "公示截止期"))
LICENSES = Kind("licenses", "license", tuple(LICENSE_COLUMNS), "行政相对人名称", "行政相对人类别", CODE_1,
                "行政许可决定文书号", "许可决定日期", "许可机关", "许可内容", "license_content",
                ("许可决定日期", "有效期自", "有效期至"))
LISTS = Kind("lists", "list", tuple(LIST_COLUMNS), "主体名称", "主体类别", "统一社会信用代码", "文书号",
             "列入日期", "认定部门", "列入事由", "list_reason", ("列入日期", "有效期至"))
KINDS = {k.cli: k for k in (PENALTIES, LICENSES, LISTS)}
REQUIRED_ROLES = ("name", "code", "doc", "date", "agency")  # the contract's required fields


def kind_of(row: dict) -> Kind:
    if "行政处罚决定书文号" in row:
        return PENALTIES
    if "行政许可决定文书号" in row:
        return LICENSES
    if "文书号" in row:
        return LISTS
    raise ValueError(f"not an export row: {sorted(row)}")


# ------------------------------------------------------------------------------ header spellings
HEADER_STYLES = ("standard", "fullwidth", "spaced", "bare", "mixed")
_BRACKETED = re.compile(r"^(?P<base>[^()]+)\((?P<inner>[^()]+)\)$")


def header_name(column: str, style: str, position: int = 0) -> str:
    """How an export spells a column: 罚款金额(万元) / 罚款金额（万元） / 罚款金额 (万元) / 罚款金额.

    'mixed' uses a different spelling for each bracketed column, as hand-edited exports do.
    """
    m = _BRACKETED.match(column)
    if not m or style == "standard":
        return column
    if style == "mixed":
        style = ("fullwidth", "spaced", "bare", "standard")[position % 4]
    base, inner = m["base"], m["inner"]
    if style == "fullwidth":
        return f"{base}（{inner}）"
    if style == "spaced":
        return f"{base} ({inner})"
    if style == "bare":
        return base
    if style == "standard":
        return column
    raise ValueError(f"unknown header style {style!r}")


# --------------------------------------------------------------------------------- date formats
DATE_STYLES = ("dash", "slash", "cn", "compact")  # 2026-05-06, 2026/05/06, 2026年5月6日, 20260506


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def format_date(d: dt.date, style: str) -> str:
    if style == "dash":
        return d.strftime("%Y-%m-%d")
    if style == "slash":
        return d.strftime("%Y/%m/%d")
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "compact":
        return d.strftime("%Y%m%d")
    raise ValueError(f"unknown date style {style!r}")


# ----------------------------------------------------------------------------- realistic content
@dataclass(frozen=True)
class PenaltyCase:
    violation: str
    facts: str
    basis: str
    category: str
    content: str
    fine: str  # 万元
    confiscation: str = "0"
    revoked: str = ""


@dataclass(frozen=True)
class LicenseCase:
    doc_name: str
    category: str
    certificate: str
    number_prefix: str
    content: str
    years: int | None  # None: no expiry (2099/12/31)


@dataclass(frozen=True)
class ListCase:
    list_type: str
    reason: str
    doc_prefix: str
    years: int


@dataclass(frozen=True)
class Agency:
    name: str
    code: str
    penalty_prefix: str
    license_prefix: str
    penalties: tuple[PenaltyCase, ...]
    licenses: tuple[LicenseCase, ...]
    lists: tuple[ListCase, ...]


def _agency_code(n: int) -> str:
    return make_uscc(random.Random(1000 + n), prefix="11", region="230600")


AGENCIES = (
    Agency("大庆市市场监督管理局", _agency_code(1), "庆市监罚字", "庆市监许字", (
        PenaltyCase("销售超过保质期的食品",
                    "当事人在其经营场所销售超过保质期的食品，货值金额较小，检查时已全部下架。",
                    "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
                    "警告;罚款", "警告，并处罚款人民币5000元", "0.5"),
        PenaltyCase("发布虚假广告",
                    "当事人在其网店页面宣传产品“治愈率达99%”，无法提供证明材料。",
                    "《中华人民共和国广告法》第五十五条第一款",
                    "罚款", "责令停止发布广告，罚款人民币20000元", "2"),
    ), (
        LicenseCase("食品经营许可决定书", "普通", "食品经营许可证", "JY12306", "预包装食品销售，散装食品销售，热食类食品制售", 5),
    ), (
        ListCase("严重失信主体名单", "拒不履行行政处罚决定，经催告后仍未履行", "庆市监信字", 3),
        ListCase("经营异常名录", "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告", "庆市监异字", 3),
    )),
    Agency("大庆市生态环境局", _agency_code(2), "庆环罚", "庆环许", (
        PenaltyCase("超标排放大气污染物",
                    "经监测，当事人燃煤锅炉废气颗粒物排放浓度超过排放标准限值。",
                    "《中华人民共和国大气污染防治法》第九十九条第（二）项",
                    "罚款", "责令改正，罚款人民币100000元", "10"),
    ), (
        LicenseCase("排污许可决定书", "核准", "排污许可证", "PW230600", "大气污染物、水污染物排放", 5),
    ), (
        ListCase("重点关注名单", "一年内因同一类违法行为受到两次行政处罚", "庆环信", 1),
    )),
    Agency("大庆市应急管理局", _agency_code(3), "庆应急罚", "庆应急许", (
        PenaltyCase("未按规定对从业人员进行安全生产教育和培训",
                    "当事人未对新入职的3名操作人员进行安全生产教育和培训即安排上岗作业。",
                    "《中华人民共和国安全生产法》第九十七条第（三）项",
                    "罚款", "罚款人民币30000元", "3"),
    ), (
        LicenseCase("危险化学品经营许可决定书", "特许", "危险化学品经营许可证", "黑庆危化经", "汽油、柴油（闭杯闪点≤60℃）", 3),
    ), ()),
    Agency("大庆市交通运输局", _agency_code(4), "庆交执罚", "庆交运许", (
        PenaltyCase("未取得道路运输经营许可擅自从事道路运输经营",
                    "当事人使用未取得道路运输证的车辆从事货物运输经营，违法所得8000元。",
                    "《中华人民共和国道路运输条例》第六十三条",
                    "罚款;没收违法所得", "没收违法所得人民币8000元，并处罚款人民币30000元", "3", "0.8"),
    ), (
        LicenseCase("道路运输经营许可决定书", "普通", "道路运输经营许可证", "黑交运管许可庆字", "道路普通货物运输", None),
    ), ()),
    Agency("国家税务总局大庆市税务局", _agency_code(5), "庆税罚", "庆税许", (
        PenaltyCase("未按照规定期限办理纳税申报",
                    "当事人未按照规定期限办理2025年第四季度增值税纳税申报。",
                    "《中华人民共和国税收征收管理法》第六十二条",
                    "罚款", "罚款人民币2000元", "0.2"),
    ), (), (
        ListCase("守信红名单", "连续三年纳税信用等级评价为A级", "庆税信", 2),
        ListCase("重大税收违法失信主体", "虚开增值税专用发票，经稽查确认属重大税收违法失信案件", "庆税稽罚", 3),
    )),
)
COURT = "大庆市中级人民法院"
COURT_REASON = "有履行能力而拒不履行生效法律文书确定的义务"

_DISTRICTS = ("", "萨尔图区", "让胡路区", "龙凤区", "红岗区", "大同区", "肇州县")
_TRADE = ("鑫源", "龙华", "华瑞", "盛达", "恒泰", "东升", "金泰", "宏达", "汇通", "顺成", "博远", "润丰",
          "庆丰", "油城", "银浪", "北方")
_INDUSTRY = ("石化", "商贸", "物流", "餐饮管理", "建筑工程", "环保科技", "食品", "农业开发", "运输", "机械设备")
_FORMS = ("有限公司", "有限责任公司", "股份有限公司")
_SHOPS = ("便利店", "超市", "饭店", "汽车修理部", "五金商店")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_GIVEN = ("建国", "丽华", "志强", "海燕", "晓东", "秀英", "国庆", "红梅", "立新", "春生", "文博", "淑芬", "宏伟", "玉兰")


@dataclass(frozen=True)
class Subject:
    name: str
    code: str  # USCC for organisations, ID number for natural persons
    category: str  # 法人及非法人组织 / 个体工商户 / 自然人
    legal_rep: str = ""


class ExportFactory:
    """Deterministic realistic rows. Each call makes a new subject and a new document number
    unless `subject=` is given; values can be overridden with `values={column: value}`."""

    def __init__(self, seed: int = 20260506):
        self.rng = random.Random(seed)
        self._names: set[str] = set()
        self._codes: set[str] = set()
        self._doc_seq = 0

    # -- subjects
    def _unique_name(self, make: Callable[[], str]) -> str:
        for _ in range(200):
            name = make()
            if name not in self._names:
                self._names.add(name)
                return name
        name = f"{make()}第{len(self._names)}分公司"  # the pool of plausible names ran out
        self._names.add(name)
        return name

    def _person_name(self) -> str:
        return self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN)

    def company(self, *, with_letters: bool = False) -> Subject:
        """A company with a valid code; with_letters: the code contains letters (for case tests)."""
        while True:
            code = make_uscc(self.rng, prefix="91", region=self.rng.choice(("230600", "230602", "230604")))
            if code not in self._codes and (not with_letters or re.search("[A-Z]", code[:17])):
                break
        self._codes.add(code)
        name = self._unique_name(lambda: "大庆市" + self.rng.choice(_DISTRICTS) + self.rng.choice(_TRADE)
                                 + self.rng.choice(_INDUSTRY) + self.rng.choice(_FORMS))
        return Subject(name, code, "法人及非法人组织", self._person_name())

    def individual_business(self) -> Subject:
        """个体工商户: code category 92, the operator as 法定代表人."""
        while True:
            code = make_uscc(self.rng, prefix="92", region="230602")
            if code not in self._codes:
                break
        self._codes.add(code)
        operator = self._person_name()
        name = self._unique_name(lambda: "大庆市萨尔图区" + self.rng.choice(_TRADE) + self.rng.choice(_SHOPS))
        return Subject(name, code, "个体工商户", operator)

    def person(self, *, x_check: bool = False) -> Subject:
        """A natural person with a valid 18-digit ID number (x_check: one ending in X)."""
        while True:
            number = make_id_number(self.rng, region=self.rng.choice(("230602", "230603", "230604")))
            if number not in self._codes and (not x_check or number.endswith("X")):
                break
        self._codes.add(number)
        return Subject(self._person_name(), number, "自然人")

    # -- dates and documents
    def decision_date(self) -> dt.date:
        return TODAY - dt.timedelta(days=self.rng.randint(10, 300))

    def _seq(self) -> int:
        self._doc_seq += 1
        return self._doc_seq

    def _agency(self, attr: str) -> Agency:
        return self.rng.choice([a for a in AGENCIES if getattr(a, attr)])

    # -- rows
    def penalty(self, *, subject: Subject | None = None, agency: Agency | None = None,
                decided: dt.date | None = None, values: dict | None = None) -> dict:
        s = subject or self.company()
        a = agency or self._agency("penalties")
        case = self.rng.choice(a.penalties)
        decided = decided or self.decision_date()
        doc = f"{a.penalty_prefix}〔{decided.year}〕第{self._seq()}号"
        row = {
            "行政相对人名称": s.name, "行政相对人类别": s.category, CODE_1: s.code, CODE_2: "",
            CODE_3: s.code[8:17] if s.category != "自然人" else "", CODE_4: "", CODE_5: "", CODE_6: "",
            "法定代表人": s.legal_rep, "法定代表人证件类型": "身份证" if s.legal_rep else "",
            "法定代表人证件号码": "", "证件类型": "", "证件号码": "",
            "行政处罚决定书文号": doc, "违法行为类型": case.violation, "违法事实": case.facts,
            "处罚依据": case.basis, "处罚类别": case.category, "处罚内容": case.content, FINE: case.fine,
            CONFISCATION: case.confiscation, "暂扣或吊销证照名称及编号": case.revoked,
            "处罚决定日期": decided, "处罚有效期": NO_EXPIRY, "公示截止期": decided + dt.timedelta(days=365),
            "处罚机关": a.name, "处罚机关统一社会信用代码": a.code,
            "数据来源单位": a.name, "数据来源单位统一社会信用代码": a.code, "备注": "",
        }
        row.update(values or {})
        return row

    def license(self, *, subject: Subject | None = None, agency: Agency | None = None,
                decided: dt.date | None = None, values: dict | None = None) -> dict:
        s = subject or self.company()
        a = agency or self._agency("licenses")
        case = self.rng.choice(a.licenses)
        decided = decided or self.decision_date()
        seq = self._seq()
        valid_to = NO_EXPIRY if case.years is None else add_years(decided, case.years)
        row = {
            "行政相对人名称": s.name, "行政相对人类别": s.category, CODE_1: s.code, CODE_2: "",
            CODE_3: s.code[8:17], CODE_4: "", CODE_5: "", CODE_6: "",
            "法定代表人": s.legal_rep, "法定代表人证件类型": "身份证" if s.legal_rep else "",
            "法定代表人证件号码": "", "证件类型": "", "证件号码": "",
            "行政许可决定文书名称": case.doc_name, "行政许可决定文书号": f"{a.license_prefix}〔{decided.year}〕第{seq}号",
            "许可类别": case.category, "许可证书名称": case.certificate,
            "许可编号": f"{case.number_prefix}{decided.year}{seq:05d}", "许可内容": case.content,
            "许可决定日期": decided, "有效期自": decided, "有效期至": valid_to,
            "许可机关": a.name, "许可机关统一社会信用代码": a.code, "当前状态": "有效",
            "数据来源单位": a.name, "数据来源单位统一社会信用代码": a.code, "备注": "",
        }
        row.update(values or {})
        return row

    def list_entry(self, *, subject: Subject | None = None, agency: Agency | None = None,
                   list_type: str | None = None, decided: dt.date | None = None,
                   values: dict | None = None) -> dict:
        s = subject or self.company()
        decided = decided or self.decision_date()
        seq = self._seq()
        if s.category == "自然人" and list_type in (None, "失信被执行人"):
            list_type, reason, agency_name = "失信被执行人", COURT_REASON, COURT
            doc, years = f"（{decided.year}）黑06执{seq}号", 5
        else:
            choices = [(a, c) for a in AGENCIES for c in a.lists
                       if (agency is None or a == agency) and (list_type is None or c.list_type == list_type)]
            if not choices:  # a list type no agency here publishes: use the first agency's wording
                a0 = agency or AGENCIES[0]
                choices = [(a0, ListCase(list_type, "经认定列入" + list_type, a0.penalty_prefix[:-1] + "信字", 3))]
            a, case = self.rng.choice(choices)
            list_type, reason, agency_name = case.list_type, case.reason, a.name
            doc, years = f"{case.doc_prefix}〔{decided.year}〕第{seq}号", case.years
        row = {
            "主体名称": s.name, "主体类别": s.category if s.category == "自然人" else "",
            "统一社会信用代码": s.code, "名单类型": list_type, "列入事由": reason, "认定部门": agency_name,
            "列入日期": decided, "有效期至": add_years(decided, years), "文书号": doc,
        }
        row.update(values or {})
        return row

    def row(self, kind: Kind | str, **kw) -> dict:
        kind = KINDS[kind] if isinstance(kind, str) else kind
        return {"penalties": self.penalty, "licenses": self.license, "lists": self.list_entry}[kind.cli](**kw)

    def rows(self, kind: Kind | str, n: int, **kw) -> list[dict]:
        return [self.row(kind, **kw) for _ in range(n)]


# --------------------------------------------------------------------------------- writing files
DateStyle = Union[str, Sequence[str]]


@dataclass
class Export:
    """A written file: its header as spelled in the file, and each data row's cells as written."""

    path: Path
    kind: Kind
    header: list[str]
    columns: list[str]  # canonical names, same order as header
    cells: list[list[str]]
    rows: list[dict] = field(repr=False)
    encoding: str = "utf-8"
    bom: bool = False

    def row_no(self, index: int) -> int:
        """The 行号 a spreadsheet shows for data row `index` (0-based): the header is row 1."""
        return index + 2

    def cells_at(self, row_no: int) -> list[str]:
        return self.cells[row_no - 2]

    def cell(self, index: int, column: str) -> str:
        return self.cells[index][self.columns.index(column)]


def _cell(value, date_style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return format_date(value, date_style)
    return str(value)


def write_export(path: Path | str, rows: Sequence[dict], *, kind: Kind | str | None = None,
                 encoding: str = "utf-8", bom: bool = False, header_style: str = "standard",
                 date_style: DateStyle = "dash", columns: Sequence[str] | None = None,
                 drop: Sequence[str] = (), extra_columns: dict[str, Sequence[str]] | None = None,
                 newline: str = "\r\n") -> Export:
    """Write rows as an export CSV.

    encoding 'utf-8' or 'gbk' (bom only with utf-8); header_style one of HEADER_STYLES; date_style
    one of DATE_STYLES or a sequence of them used in turn, row by row; drop: columns left out;
    extra_columns: {header: values per row} put first (e.g. a 序号 column).
    """
    path = Path(path)
    if kind is None:
        kind = kind_of(rows[0])
    kind = KINDS[kind] if isinstance(kind, str) else kind
    if columns is None:
        columns = list(kind.columns)
        if kind is LISTS and any(r.get("主体类别") for r in rows):
            columns.insert(1, "主体类别")
    columns = [c for c in columns if c not in drop]
    styles = [date_style] if isinstance(date_style, str) else list(date_style)
    bracketed = 0
    header: list[str] = []
    for c in columns:
        header.append(header_name(c, header_style, bracketed))
        bracketed += bool(_BRACKETED.match(c))
    cells = [[_cell(r.get(c), styles[i % len(styles)]) for c in columns] for i, r in enumerate(rows)]
    if extra_columns:
        for name, values in reversed(list(extra_columns.items())):
            header.insert(0, name)
            columns.insert(0, name)
            for i, line in enumerate(cells):
                line.insert(0, str(values[i]))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(cells)
    data = buf.getvalue().encode(encoding)  # strict: fails on a character GBK lacks
    if bom:
        assert encoding.replace("_", "-").lower() in ("utf-8", "utf8"), "a BOM only goes with UTF-8"
        data = BOM + data
    path.write_bytes(data)
    return Export(path, kind, header, list(columns), cells, list(rows), encoding, bom)


# ------------------------------------------------------------------------------ variants of rows
def changed(row: dict, values: dict | None = None, **kw) -> dict:
    """A copy of row with some columns set: changed(row, 处罚内容='...') or changed(row, {CODE_1: '...'})."""
    new = dict(row)
    new.update(values or {})
    new.update(kw)
    return new


def code_of(row: dict) -> str:
    return row[kind_of(row).code]


def with_bad_check_digit(row: dict) -> dict:
    """The code with its 18th character replaced by another one of the alphabet: invalid."""
    k = kind_of(row)
    code = row[k.code]
    wrong = next(c for c in USCC_ALPHABET[::-1] if c != code[17])
    bad = code[:17] + wrong
    assert not is_valid_uscc(bad)
    return changed(row, {k.code: bad})


def with_bad_id_check(row: dict) -> dict:
    k = kind_of(row)
    number = row[k.code]
    wrong = next(c for c in "0123456789X" if c != id_check_char(number[:17]))
    return changed(row, {k.code: number[:17] + wrong})


def without(row: dict, role: str) -> dict:
    """The cell for a required role (name, code, doc, date, agency) left empty."""
    return changed(row, {kind_of(row).col(role): ""})


def with_impossible_date(row: dict, text: str = "2026-02-30") -> dict:
    return changed(row, {kind_of(row).date: text})


def with_future_date(row: dict, days: int = 30) -> dict:
    return changed(row, {kind_of(row).date: TODAY + dt.timedelta(days=days)})


_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}
CODE_STYLES = ("lower", "fullwidth", "spaced", "all")  # the contract's forms; "dashed" also exists


def messy_code(code: str, style: str) -> str:
    """A valid code as people type it: lower case, full width, spaced, dashed, or all of these."""
    if style == "lower":
        return code.lower()
    if style == "fullwidth":
        return "".join(_FULLWIDTH.get(c, c) for c in code)
    if style == "spaced":
        return " " + " ".join(code[i:i + 4] for i in range(0, len(code), 4)) + " "
    if style == "dashed":
        return f"{code[:2]}-{code[2:8]}-{code[8:17]}-{code[17]}"
    if style == "all":
        half = code[:9].lower() + " " + code[9:]
        return "".join(_FULLWIDTH.get(c, c) for c in half[:10]) + half[10:]
    raise ValueError(style)


def with_messy_code(row: dict, style: str) -> dict:
    k = kind_of(row)
    return changed(row, {k.code: messy_code(row[k.code], style)})
