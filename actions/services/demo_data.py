"""Deterministic synthetic demo data for an empty database: `xinyong db seed-demo`.

Everything here is fictional: names are drawn from lists of common characters, codes are random but
structurally valid (GB 32100 / GB 11714 / GB 11643 check characters), document numbers follow the
local styles without referring to real decisions. docs/demo_data.md describes what is generated and
lists the fixed showcase subjects that docs and conversation tests rely on.

Determinism: one seeded generator (FastRandom(seed)) makes every random choice in one fixed order,
every date is counted back from the seeding day `today` (date.today() unless given), and the showcase
subjects (always first, always the same names and codes) use fixed offsets from it. Only
created_at/updated_at of subjects and records and the import batch's start and finish times are the
real time of the run: the same seed, size and `today` give the same rows, on SQLite and on PostgreSQL.

Rules: tiers, 公示截止期, the minimum period before a repair and what is public on `today` come from
the one rules table through services.display_periods (the engine's own functions), so the generator
and the assistant cannot disagree. Each violation cites a provision whose sanctions and fine range are
data next to it (Provision); every generated penalty stays inside them. Docs and tests name the
showcase records of a seeding day through showcase_refs(today).

Speed: ids are assigned here (records point at subjects without a round trip; PostgreSQL sequences
are moved past them at the end) and rows are written by executemany in chunks of CHUNK_ROWS inside
one transaction. From PARALLEL_MIN_SUBJECTS on, the rows are generated in a forked process while
this one writes them, so generation and database work use two cores.
"""
from __future__ import annotations

import bisect
import datetime as dt
import multiprocessing
import os
import queue
import random
import re
import sys
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa

from actions.db.bulk import BulkWriter, bulk_session_settings
from actions.db.keys import record_key
from actions.db.models import (
    LIST_TYPES,
    ImportBatch,
    Record,
    Subject,
    Ticket,
    TicketCounter,
    TicketEvent,
)
from actions.services import display_periods, regions
from actions.services.codes import id_check_char, make_id_number, make_uscc
from actions.services.dates import NO_EXPIRY, add_months, add_working_days, format_cn
from actions.services.textnorm import normalize_name
from actions.services.tickets import due_date
from actions.services.workflow_rules import rules

HISTORY_MONTHS = 47  # decisions, licences and list entries are dated up to this many months before the seeding day
CHUNK_ROWS = 5000
DEFAULT_SUBJECTS = 3000
DEFAULT_SEED = 20260401

CST = dt.timezone(dt.timedelta(hours=8))
UTC = dt.timezone.utc
ONE_DAY = dt.timedelta(days=1)

# Shares in the random part (the showcase subjects are counted in N but are fixed, not drawn).
P_PERSON = 0.01  # natural persons, only ever on 失信被执行人
P_PENALTY = 0.30  # subjects with 1-3 penalties
P_LICENCE = 0.43  # of the subjects whose kind has licences (nearly all): about 40 % overall
P_LIST = 0.05  # organisations with list entries (plus every natural person: about 6 % overall)
P_SEVERITY_STATED = 0.5  # penalties whose source states the severity tier
P_OBJECTION = 0.02  # displayed penalties / list entries with an open objection
P_OVERDUE = 0.15  # open objections filed long enough ago to be past their due date (on purpose)
P_REPAIR = 0.05  # displayed penalties / list entries repaired (if eligible)
P_REVOKED = 0.006  # penalties revoked (most after an objection)
P_LICENCE_REVOKED = 0.005


class DemoDataError(RuntimeError):
    """The demo data cannot be written: the database already holds subjects, or generation failed."""


# ------------------------------------------------------------------------------------ regions
class District(NamedTuple):
    code: str
    name: str
    short: str  # one character used in local document numbers: 庆萨市监罚〔2026〕1号


class City(NamedTuple):
    code: str
    name: str  # 大庆市
    short: str  # 大庆
    abbr: str  # 庆: document number prefix
    province: str  # 黑龙江省
    prov_short: str  # 黑
    plate: str  # licence plate letter: 黑E
    weight: float
    urban_agency: str
    districts: tuple
    industry_boost: dict

    @property
    def prov_plain(self) -> str:
        return self.province[:-1]


CITIES = (
    City("230600", "大庆市", "大庆", "庆", "黑龙江省", "黑", "E", 30, "大庆市城市管理综合行政执法局", (
        District("230602", "萨尔图区", "萨"), District("230603", "龙凤区", "龙"),
        District("230604", "让胡路区", "让"), District("230605", "红岗区", "红"),
        District("230606", "大同区", "同")), {"petro": 5, "chem": 2, "energy": 1.5}),
    City("230100", "哈尔滨市", "哈尔滨", "哈", "黑龙江省", "黑", "A", 16, "哈尔滨市城市管理综合行政执法局", (
        District("230102", "道里区", "里"), District("230103", "南岗区", "南"),
        District("230104", "道外区", "外"), District("230109", "松北区", "松"),
        District("230110", "香坊区", "香")), {"agri": 2, "machinery": 1.5, "hotel": 1.5}),
    City("230200", "齐齐哈尔市", "齐齐哈尔", "齐", "黑龙江省", "黑", "B", 7, "齐齐哈尔市城市管理综合行政执法局", (
        District("230202", "龙沙区", "沙"), District("230203", "建华区", "建"),
        District("230204", "铁锋区", "铁")), {"machinery": 3, "agri": 2}),
    City("350100", "福州市", "福州", "榕", "福建省", "闽", "A", 11, "福州市城市管理委员会", (
        District("350102", "鼓楼区", "鼓"), District("350103", "台江区", "台"),
        District("350104", "仓山区", "仓"), District("350111", "晋安区", "晋")), {"trade": 1.5, "tech": 1.5}),
    City("350200", "厦门市", "厦门", "厦", "福建省", "闽", "D", 10, "厦门市市政园林局", (
        District("350203", "思明区", "思"), District("350205", "海沧区", "海"),
        District("350206", "湖里区", "湖"), District("350211", "集美区", "集")), {"tech": 3, "logistics": 1.5}),
    City("350500", "泉州市", "泉州", "泉", "福建省", "闽", "C", 8, "泉州市城市管理局", (
        District("350502", "鲤城区", "鲤"), District("350503", "丰泽区", "丰"),
        District("350504", "洛江区", "洛"), District("350505", "泉港区", "港")), {"textile": 6, "chem": 1.5}),
    City("610100", "西安市", "西安", "西", "陕西省", "陕", "A", 12, "西安市城市管理和综合执法局", (
        District("610102", "新城区", "新"), District("610103", "碑林区", "碑"),
        District("610104", "莲湖区", "莲"), District("610112", "未央区", "未"),
        District("610113", "雁塔区", "雁")), {"tech": 2.5, "machinery": 1.5}),
    City("610300", "宝鸡市", "宝鸡", "宝", "陕西省", "陕", "C", 6, "宝鸡市城市管理执法局", (
        District("610302", "渭滨区", "渭"), District("610303", "金台区", "金"),
        District("610304", "陈仓区", "陈")), {"machinery": 3, "agri": 1.5}),
)
CITY_BY_CODE = {c.code: c for c in CITIES}
DISTRICT_BY_CODE = {d.code: (c, d) for c in CITIES for d in c.districts}


def region_of(code: str) -> tuple[City, District | None]:
    if code in DISTRICT_BY_CODE:
        return DISTRICT_BY_CODE[code]
    return CITY_BY_CODE[code], None


# Names come from regions.py, the one table the importer and the lookups also use.
REGION_NAMES = {code: regions.region_name(code)
                for code in [c.code for c in CITIES] + [d.code for c in CITIES for d in c.districts]}


# ------------------------------------------------------------------------------ vocabularies
def _chars(s: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s))


ZIHAO_CHARS = _chars(
    "鸿泰金瑞恒达华盛宏远兴隆昌信诚安和丰源佳德顺嘉裕祥润博弘康盈晟鑫森海天宇新锦创亿通广志益荣辉腾"
    "卓宸坤铭晨浩正平凯利旺星辰阳明启航景乾元福满豪峰骏翔洋逸沃迪睿智汇聚科东北南雅致越蓝青松柏桦岳"
    "川澜禾穗麦勤实合众邦晶璟煜瀚祺琪璞钰泓沣涵")
PLACE_CHARS = _chars("东西南北中新兴华光明春阳湖滨康乐安和平胜利长青松林铁人银创业友谊奋斗团结建设"
                     "前进红旗先锋文化学府园丁畔溪桥河岗庄景秀富民育才")
SURNAMES = _chars(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺")
GIVEN_NAMES = tuple(  # common given names of the generations born 1955-2000
    "建国 建华 建军 建平 建伟 志刚 志强 志勇 海涛 海峰 海燕 海军 春梅 春华 春雷 淑珍 淑英 桂芝 桂兰 桂英 "
    "文强 文静 立新 立军 立华 晓东 晓光 晓明 晓丽 晓红 晓燕 红梅 红霞 丽华 丽娟 丽萍 凤英 凤兰 玉梅 玉兰 玉珍 "
    "玉华 振华 振国 振宇 德胜 德明 德华 永刚 永红 永军 永生 爱华 金龙 金凤 宏伟 宏亮 国庆 国栋 国华 秀英 秀兰 "
    "秀云 俊杰 子涵 梓萱 浩然 宇航 欣怡 雨婷 佳琪 明轩 思远 婉清 晨曦 卫东 卫国 卫华 小龙 雪梅 学军 学文 明辉 "
    "明亮 家豪 天佑 欣然 佳怡 思雨 一鸣 子轩 浩宇 博文 子豪 嘉怡 雅琪 诗涵 梦琪 秋菊 冬梅 少华 少伟 新民 "
    "新华 美玲 美华 玉洁 志明 志华 晓峰 海波 丽丽 静怡 俊峰 文博".split())
GIVEN_SINGLE = _chars("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚鹏飞峰琳雪颖波辉亮健凯斌彬宁婷欣悦昊睿航")
GIVEN_CHARS = _chars("文明华志建国海晓立永春秋德俊嘉思子宇浩佳雨欣晨逸博泽睿安宁远轩怡然阳辰楠涵琪悦航彤")
# Two-character 字号 that are well-known brands or institutions: never generated.
FAMOUS_ZIHAO = frozenset("平安 安利 华润 鸿海 金龙 光明 海天 华泰 康佳 泰康 华安 安信 东兴 信达 广汇 恒瑞 福满 "
                         "新华 东方 中科 金盛 盛京 辉瑞 蓝月 雅迪 海信 天宇 志高 创维 宏达".split())
FORMS = (("有限公司", 70), ("有限责任公司", 20), ("股份有限公司", 10))


class Industry(NamedTuple):
    key: str
    parts: tuple  # what follows the 字号 in a company name
    weight: float
    licences: tuple  # licence type keys
    violations: tuple  # (violation key, weight)


# --------------------------------------------------------------------------- licence types
class LicenceType(NamedTuple):
    key: str
    certificate: str  # 许可证书名称
    doc_name: str  # 行政许可决定文书名称
    category: str  # 普通/特许/认可/核准/登记/其他
    agency: str  # agency kind, see agency_name()
    doc_fmt: str  # {a} city abbr, {d} district short, {p} province short, {y} year, {n} number
    years: int | None  # validity; None = 2099-12-31 (no expiry)
    contents: tuple


LICENCE_TYPES = {lt.key: lt for lt in (
    LicenceType("food_trade", "食品经营许可证", "准予行政许可决定书", "普通", "market_d", "{a}{d}市监食许〔{y}〕{n}号", 5,
                ("预包装食品（含冷藏冷冻食品）销售；散装食品（含冷藏冷冻食品）销售", "热食类食品制售",
                 "热食类食品制售；冷食类食品制售", "预包装食品（不含冷藏冷冻食品）销售；保健食品销售",
                 "单位食堂：热食类食品制售")),
    LicenceType("food_prod", "食品生产许可证", "准予食品生产许可决定书", "普通", "market", "{a}市监食产许〔{y}〕{n}号", 5,
                ("粮食加工品（大米）", "食用植物油（半精炼、全精炼）", "乳制品（液体乳）", "调味品（酱油、食醋）",
                 "速冻食品（速冻面米食品）", "茶叶及相关制品")),
    LicenceType("tobacco", "烟草专卖零售许可证", "准予烟草专卖零售许可决定书", "特许", "tobacco", "{a}烟专许〔{y}〕{n}号", 5,
                ("卷烟、雪茄烟零售",)),
    LicenceType("pollutant", "排污许可证", "排污许可证核发决定书", "普通", "env", "{a}环许〔{y}〕{n}号", 5,
                ("主要污染物类别：废气、废水；执行标准：大气污染物综合排放标准", "主要污染物类别：废气；重点管理",
                 "主要污染物类别：废水；简化管理", "主要污染物类别：废气、噪声；简化管理")),
    LicenceType("construction", "建筑工程施工许可证", "建筑工程施工许可决定书", "普通", "build", "{a}建施许〔{y}〕{n}号", None,
                ("{place}小区{k}号楼新建工程", "{place}产业园厂房建设项目", "{place}路综合楼工程",
                 "{place}学校教学楼改扩建工程", "{place}片区市政配套道路工程")),
    LicenceType("road", "道路运输经营许可证", "道路运输经营许可决定书", "普通", "transport", "{a}交运许〔{y}〕{n}号", 4,
                ("道路普通货物运输", "道路普通货物运输；货物专用运输（冷藏保鲜设备）", "大型物件运输")),
    LicenceType("drug", "药品经营许可证", "准予药品经营许可决定书", "普通", "market", "{a}市监药许〔{y}〕{n}号", 5,
                ("处方药、甲类非处方药、乙类非处方药：中成药、化学药制剂、抗生素制剂、生化药品",
                 "乙类非处方药：中成药、化学药制剂", "处方药、非处方药：中药饮片、中成药、化学药制剂")),
    LicenceType("medical", "医疗机构执业许可证", "医疗机构执业登记决定书", "普通", "health", "{a}卫医许〔{y}〕{n}号", 5,
                ("预防保健科；全科医疗科；中医科", "内科；外科；妇产科；儿科；医学检验科", "口腔科",
                 "中医科；针灸科；推拿科")),
    LicenceType("school", "办学许可证", "准予民办学校办学许可决定书", "普通", "edu", "{a}教许〔{y}〕{n}号", 5,
                ("学前教育", "非学历文化艺术类培训", "职业技能培训")),
    LicenceType("public_health", "公共场所卫生许可证", "公共场所卫生许可决定书", "普通", "health", "{a}卫公许〔{y}〕{n}号", 4,
                ("住宿", "理发、美容", "沐浴")),
    LicenceType("hazchem", "危险化学品经营许可证", "危险化学品经营许可决定书", "普通", "safety", "{a}应急危化许〔{y}〕{n}号", 3,
                ("批发（无储存）：甲醇、乙醇、液化石油气", "批发（无储存）：汽油、柴油、石脑油", "零售：油漆、稀释剂")),
    LicenceType("presale", "商品房预售许可证", "商品房预售许可决定书", "普通", "build", "{a}房预许〔{y}〕{n}号", None,
                ("{place}花园{k}号楼住宅预售", "{place}家园{k}号楼商住楼预售")),
    LicenceType("work_safety", "安全生产许可证", "安全生产许可决定书", "普通", "prov_safety", "{p}应急安许〔{y}〕{n}号", 3,
                ("建筑施工", "危险化学品生产", "石油天然气开采辅助作业")),
    LicenceType("inspection", "检验检测机构资质认定证书", "检验检测机构资质认定决定书", "认可", "prov_market",
                "{p}市监认许〔{y}〕{n}号", 6,
                ("石油产品、油田化学剂检验检测", "建筑材料及工程质量检测", "环境监测（水、气、噪声）")),
    LicenceType("builder_grade", "建筑业企业资质证书", "建筑业企业资质核准决定书", "核准", "build", "{a}建资许〔{y}〕{n}号", 5,
                ("建筑工程施工总承包三级", "市政公用工程施工总承包三级", "建筑装修装饰工程专业承包二级")),
    LicenceType("special_equipment", "特种设备使用登记证", "特种设备使用登记决定书", "登记", "market", "{a}市监特登〔{y}〕{n}号", None,
                ("乘客电梯", "承压蒸汽锅炉", "固定式压力容器", "场（厂）内专用机动车辆（叉车）")),
    LicenceType("outdoor_ad", "户外广告设施设置许可证", "户外广告设施设置许可决定书", "其他", "urban", "{a}城管广许〔{y}〕{n}号", 2,
                ("门头招牌（{k}平方米）", "楼顶广告牌（{k}0平方米）")),
    LicenceType("telecom", "增值电信业务经营许可证", "增值电信业务经营许可决定书", "特许", "prov_comm", "{p}通信许〔{y}〕{n}号", 5,
                ("第二类增值电信业务中的信息服务业务（仅限互联网信息服务）", "第一类增值电信业务中的互联网数据中心业务")),
    LicenceType("water", "取水许可证", "取水许可决定书", "普通", "water", "{a}水许〔{y}〕{n}号", 5,
                ("取水用途：农业灌溉；年取水量{k}万立方米", "取水用途：工业生产；年取水量{k}万立方米")),
    LicenceType("pesticide", "农药经营许可证", "农药经营许可决定书", "普通", "agri", "{a}农药经许〔{y}〕{n}号", 5,
                ("农药（不含限制使用农药）零售",)),
    LicenceType("social_org", "社会组织登记证书", "准予登记决定书", "登记", "civil", "{a}民登〔{y}〕{n}号", 5,
                ("社会组织法人登记",)),
)}


# ------------------------------------------------------------------------------- violations
class Provision(NamedTuple):
    """A cited provision and what it provides, as data next to the citation: the sanctions (处罚类别)
    it allows and its fine, either a range in 万元 (`fine_wan`; 0 as the minimum for "…以下") or
    multiples of an amount the facts state (`fine_times`; that amount, in yuan, is group 1 of the
    pattern `base` in the facts). `goods_below_yuan`: the range holds for a 货值金额 below it (the
    article's other band is a multiple of it), so the generated facts keep 货值 under it.
    Every generated penalty's fine lies in its provision's range and its categories among the
    provision's sanctions (tests/test_demo_data.py)."""
    cite: str  # 处罚依据 as written in the record
    sanctions: frozenset
    fine_wan: tuple[float, float] | None = None
    fine_times: tuple[float, float] | None = None
    base: str = ""
    goods_below_yuan: int | None = None


def _law(cite: str, sanctions: str, fine: tuple[float, float] | None = None, *,
         times: tuple[float, float] | None = None, base: str = "", goods_below: int | None = None) -> Provision:
    return Provision(cite, frozenset(sanctions.split(";")), fine, times, base, goods_below)


class Option(NamedTuple):
    """One way a violation is punished: the 处罚类别 (';'-separated) and the range the fine is drawn
    from, inside the provision's (万元, or multiples where the provision counts in multiples)."""
    categories: str
    weight: float
    lo: float | None
    hi: float | None
    cert: str | None = None  # licence type key for 暂扣/吊销
    note: str = ""  # added to the facts: the circumstance the provision requires for this sanction


class Violation(NamedTuple):
    key: str
    domain: str
    vtype: str
    facts: str
    law: Provision
    options: tuple


FOOD_LAW = "《中华人民共和国食品安全法》"
SAFETY_LAW = "《中华人民共和国安全生产法》"
AIR_LAW = "《中华人民共和国大气污染防治法》"
FIRE_LAW = "《中华人民共和国消防法》"
REFUSED = "经责令改正，当事人拒不改正。"
OVERDUE = "经责令限期改正，当事人逾期未改正。"
SERIOUS = "情节严重。"
VIOLATIONS = {v.key: v for v in (
    # 市场监管 --------------------------------------------------------------------------------
    Violation("m_food_expired", "market", "经营超过保质期的食品",
              "经查，当事人于{d1}在其经营场所销售超过保质期的{food}共{q}件，货值金额{v}元，违法所得{g}元。",
              _law(FOOD_LAW + "第一百二十四条第一款第（五）项", "罚款;没收违法所得;没收非法财物;吊销许可证件",
                   (5, 10), goods_below=10000),
              (Option("罚款;没收违法所得", 6, 5, 10),
               Option("罚款;没收违法所得;吊销许可证件", 0.3, 5, 10, "food_trade", SERIOUS))),
    Violation("m_food_check", "market", "未按规定查验并留存供货者许可证和食品合格证明文件",
              "经查，当事人于{d1}购进{food}时未查验供货者的许可证和食品合格证明文件，未如实记录进货查验信息。",
              _law(FOOD_LAW + "第一百二十六条第一款第（三）项", "警告;罚款;责令停产停业;吊销许可证件", (0.5, 5)),
              (Option("警告", 6, None, None), Option("罚款", 3, 0.5, 5, note=REFUSED),
               Option("罚款;责令停产停业", 0.3, 0.5, 5, note=REFUSED + SERIOUS))),
    Violation("m_food_hygiene", "market", "食品从业人员未取得健康证明从事接触直接入口食品的工作",
              "经查，当事人{n}名从事接触直接入口食品工作的人员未取得健康证明，于{d1}仍在岗从事食品加工工作。",
              _law(FOOD_LAW + "第一百二十六条第一款第（六）项", "警告;罚款;责令停产停业;吊销许可证件", (0.5, 5)),
              (Option("警告", 5, None, None), Option("罚款", 3, 0.5, 5, note=REFUSED))),
    Violation("m_food_nolicense", "market", "未取得食品经营许可从事食品经营活动",
              "经查，当事人未取得食品经营许可，自{d1}起从事{food}销售活动，货值金额{v}元，违法所得{g}元。",
              _law(FOOD_LAW + "第一百二十二条第一款", "罚款;没收违法所得;没收非法财物", (5, 10), goods_below=10000),
              (Option("罚款;没收违法所得", 1, 5, 10),)),
    Violation("m_food_ban", "market", "经营添加非食用物质的食品",
              "经查，当事人于{d1}加工销售的{food}经抽样检验检出非食用物质，货值金额{v}元，违法所得{g}元，情节严重。",
              _law(FOOD_LAW + "第一百二十三条第一款第（一）项、第一百三十五条第一款",
                   "罚款;没收违法所得;没收非法财物;吊销许可证件;限制从业", (10, 15), goods_below=10000),
              (Option("罚款;没收违法所得;吊销许可证件;限制从业", 1, 10, 15, "food_trade"),)),
    Violation("m_ad_false", "market", "发布虚假广告",
              "经查，当事人自{d1}起在其微信公众号及店内宣传材料中发布含有“{claim}”等内容的广告，广告内容与实际情况不符，"
              "广告费用{v}元。",
              _law("《中华人民共和国广告法》第五十五条第一款", "罚款", times=(3, 5), base=r"广告费用([\d,]+)元"),
              (Option("罚款", 5, 3, 5),)),
    Violation("m_ad_superlative", "market", "广告中使用“国家级”“最高级”“最佳”等用语",
              "经查，当事人于{d1}在其网店商品详情页使用“{superl}”等用语进行宣传。",
              _law("《中华人民共和国广告法》第五十七条第（一）项", "罚款", (20, 100)),
              (Option("罚款", 1, 20, 60),)),
    Violation("m_price", "market", "不按规定明码标价",
              "经查，当事人于{d1}在经营场所销售的{goods}等{q}种商品未按规定标明价格。",
              _law("《中华人民共和国价格法》第四十二条", "罚款;没收违法所得", (0, 0.5)),
              (Option("罚款", 1, 0.05, 0.5),)),
    Violation("m_quality", "market", "销售不符合保障人身、财产安全的国家标准的产品",
              "经抽样检验，当事人于{d1}销售的{goods}{item}项目不符合国家标准，货值金额{v}元，违法所得{g}元。",
              _law("《中华人民共和国产品质量法》第四十九条", "罚款;没收违法所得;没收非法财物",
                   times=(1, 3), base=r"货值金额([\d,]+)元"),
              (Option("罚款;没收违法所得", 5, 1, 3),)),
    Violation("m_special_equip", "market", "使用未经定期检验的特种设备",
              "经查，当事人使用的{n}台{equip}超过定期检验有效期，于{d1}检查时仍在使用。",
              _law("《中华人民共和国特种设备安全法》第八十四条第（一）项", "罚款", (3, 30)),
              (Option("罚款", 1, 3, 30),)),
    Violation("m_drug", "market", "未遵守药品经营质量管理规范",
              "经查，当事人于{d1}未按规定对{drug}的储存温度进行监测记录，药品陈列储存不符合《药品经营质量管理规范》要求。",
              _law("《中华人民共和国药品管理法》第一百二十六条", "警告;罚款;责令停产停业;吊销许可证件", (10, 200)),
              (Option("警告", 5, None, None), Option("罚款", 2, 10, 50, note=OVERDUE),
               Option("罚款;责令停产停业", 0.3, 50, 200, note=SERIOUS))),
    Violation("m_register", "market", "未依法办理变更登记",
              "经查，当事人住所已于{d1}前变更，未依法办理变更登记，经责令改正后逾期仍未改正。",
              _law("《中华人民共和国市场主体登记管理条例》第四十六条", "罚款", (1, 10)),
              (Option("罚款", 1, 1, 10),)),
    # 生态环境 --------------------------------------------------------------------------------
    Violation("e_air_exceed", "env", "超过大气污染物排放标准排放大气污染物",
              "{d1}，执法人员对当事人{emission}。",
              _law(AIR_LAW + "第九十九条第（二）项", "罚款;责令停产停业;责令关闭", (10, 100)),
              (Option("罚款", 5, 10, 100), Option("罚款;责令停产停业", 0.5, 10, 100, note=SERIOUS))),
    Violation("e_air_facility", "env", "未按照规定安装、使用污染防治设施",
              "{d1}现场检查发现，当事人{voc_facility}产生的挥发性有机物废气未经收集处理直接排放，废气处理设施未正常运行。",
              _law(AIR_LAW + "第一百零八条第（一）项", "罚款", (2, 20)),
              (Option("罚款", 1, 2, 20),)),
    Violation("e_water", "env", "通过逃避监管的方式排放水污染物",
              "{d1}现场检查发现，当事人通过暗管将生产废水直接排入市政雨水管网，逃避监管。",
              _law("《中华人民共和国水污染防治法》第八十三条第（三）项", "罚款;责令停产停业;责令关闭", (10, 100)),
              (Option("罚款", 3, 20, 100), Option("罚款;责令停产停业", 1, 20, 100, note=SERIOUS))),
    Violation("e_waste", "env", "未按照规定贮存危险废物",
              "{d1}现场检查发现，当事人产生的{waste}约{q}吨露天堆放，未按照国家环境保护标准贮存。",
              _law("《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（六）项、第二款",
                   "罚款;没收违法所得;责令停产停业;责令关闭", (10, 100)),
              (Option("罚款", 1, 10, 100),)),
    Violation("e_permit", "env", "未取得排污许可证排放污染物",
              "经查，当事人属于实行排污许可管理的排污单位，未取得排污许可证，自{d1}起排放废气、废水。",
              _law("《排污许可管理条例》第三十三条第（一）项", "罚款;责令停产停业;责令关闭", (20, 100)),
              (Option("罚款", 3, 20, 100), Option("罚款;责令停产停业", 1, 20, 100, note=SERIOUS))),
    Violation("e_livestock", "env", "畜禽养殖场未建设污染防治配套设施",
              "{d1}现场检查发现，当事人养殖场未建设畜禽粪污贮存、处理设施，已投入生产，养殖粪污直接排放。",
              _law("《畜禽规模养殖污染防治条例》第三十九条", "罚款", (0, 10)),
              (Option("罚款", 1, 3, 10),)),
    # 应急管理 --------------------------------------------------------------------------------
    Violation("s_training", "safety", "未按照规定对从业人员进行安全生产教育和培训",
              "{d1}现场检查发现，当事人{n}名从业人员未经安全生产教育和培训即上岗作业。",
              _law(SAFETY_LAW + "第九十七条第（三）项", "罚款;责令停产停业", (0, 20)),
              (Option("罚款", 1, 1, 10),)),
    Violation("s_hazard", "safety", "未采取措施消除事故隐患",
              "{d1}现场检查发现，当事人生产经营场所存在{hazard}等事故隐患，未采取措施消除。",
              _law(SAFETY_LAW + "第一百零二条", "罚款;责令停产停业", (0, 5)),
              (Option("罚款", 1, 0.5, 5),)),
    Violation("s_equipment", "safety", "未对安全设备进行经常性维护、保养和定期检测",
              "{d1}现场检查发现，当事人{equip2}未进行经常性维护、保养和定期检测。",
              _law(SAFETY_LAW + "第九十九条第（三）项", "罚款;责令停产停业", (0, 20)),
              (Option("罚款", 5, 1, 5), Option("罚款;责令停产停业", 1, 5, 20, note=OVERDUE + SERIOUS))),
    Violation("s_gas_alarm", "safety", "餐饮场所使用燃气未安装可燃气体报警装置",
              "{d1}现场检查发现，当事人后厨使用液化石油气，未安装可燃气体报警装置。",
              _law(SAFETY_LAW + "第九十九条第（八）项", "罚款;责令停产停业", (0, 20)),
              (Option("罚款", 1, 0.5, 5),)),
    Violation("s_accident", "safety", "对一般生产安全事故的发生负有责任",
              "{d1}，当事人{project}发生一起{accident}事故，造成{deaths}人死亡，经调查认定当事人对事故发生负有责任。",
              _law(SAFETY_LAW + "第一百一十四条第一款第（一）项", "罚款", (30, 100)),
              (Option("罚款", 1, 30, 100),)),
    Violation("s_hazchem", "safety", "未取得危险化学品经营许可证经营危险化学品",
              "经查，当事人未取得危险化学品经营许可证，自{d1}起经营{chem}，违法所得{g}元。",
              _law("《危险化学品安全管理条例》第七十七条第三款", "罚款;没收违法所得;没收非法财物", (10, 20)),
              (Option("罚款;没收违法所得", 1, 10, 20),)),
    # 城市管理 --------------------------------------------------------------------------------
    Violation("u_dust", "urban", "建设工程施工未采取有效防尘降尘措施",
              "{d1}检查发现，当事人{project}施工现场裸露土方未覆盖，运输车辆未冲洗，造成扬尘污染。",
              _law(AIR_LAW + "第一百一十五条第一款第（一）项", "罚款", (1, 10)),
              (Option("罚款", 1, 1, 10),)),
    Violation("u_fume", "urban", "餐饮服务经营者未安装油烟净化设施",
              "{d1}检查发现，当事人从事餐饮服务未安装油烟净化设施，超过排放标准排放油烟。",
              _law(AIR_LAW + "第一百一十八条第一款", "罚款", (0.5, 5)),
              (Option("罚款", 1, 0.5, 5),)),
    Violation("u_waste", "urban", "随意倾倒建筑垃圾",
              "{d1}检查发现，当事人将建筑垃圾约{q}立方米倾倒于{road}路旁空地。",
              _law("《城市建筑垃圾管理规定》第二十六条", "警告;罚款", (0.5, 5)),
              (Option("警告;罚款", 1, 0.5, 5),)),
    # 税务 ------------------------------------------------------------------------------------
    Violation("t_late", "tax_d", "未按照规定期限办理纳税申报",
              "当事人未按照规定期限办理{period}{taxkind}纳税申报。",
              _law("《中华人民共和国税收征收管理法》第六十二条", "罚款", (0, 1)),
              (Option("罚款", 1, 0.005, 0.2),)),
    Violation("t_evasion", "tax_audit", "偷税",
              "经检查，当事人{y1}年度通过{method}方式少缴增值税、企业所得税等税款合计{tax}元。",
              _law("《中华人民共和国税收征收管理法》第六十三条第一款", "罚款", times=(0.5, 5), base=r"合计([\d,]+)元"),
              (Option("罚款", 1, 0.5, 1),)),
    # 交通运输 --------------------------------------------------------------------------------
    Violation("tr_overload", "transport", "指使、强令车辆驾驶人超限运输货物",
              "经查，当事人于{d1}指使驾驶人驾驶车辆{plate}超限运输货物，超限{pct}%。",
              _law("《公路安全保护条例》第六十八条", "罚款", (0, 3)),
              (Option("罚款", 1, 0.5, 3),)),
    # 卫生健康 --------------------------------------------------------------------------------
    Violation("h_waste", "health", "未将医疗废物按照类别分置于专用包装物或者容器",
              "{d1}检查发现，当事人未将医疗废物按照类别分置于专用包装物或者容器，损伤性废物与感染性废物混放。",
              _law("《医疗废物管理条例》第四十六条第（二）项", "警告;罚款", (0, 3)),
              (Option("警告", 5, None, None), Option("警告;罚款", 3, 0.2, 0.5))),
    Violation("h_disinfect", "health", "未按规定对诊疗器械进行清洗消毒",
              "{d1}检查发现，当事人重复使用的诊疗器械未按规定进行清洗消毒。",
              _law("《消毒管理办法》第四十一条", "罚款", (0, 2)),
              (Option("罚款", 1, 0.1, 0.5),)),
    Violation("h_public", "health", "未按照规定对顾客用品用具进行清洗、消毒",
              "{d1}检查发现，当事人未按照规定对顾客用品用具进行清洗、消毒，{n}件毛巾、茶具未经消毒即重复使用。",
              _law("《公共场所卫生管理条例实施细则》第三十六条第（二）项", "警告;罚款;责令停产停业;吊销许可证件", (0, 2)),
              (Option("警告", 5, None, None), Option("警告;罚款", 3, 0.05, 0.2))),
    # 住房和城乡建设 ---------------------------------------------------------------------------
    Violation("c_nopermit", "build", "未取得施工许可证擅自施工",
              "经查，当事人承建的{project}未取得建筑工程施工许可证，于{d1}擅自开工。",
              _law("《建筑工程施工许可管理办法》第十二条", "罚款", (0, 3)),
              (Option("罚款", 1, 1, 3),)),
    Violation("c_safety", "build", "未在施工现场采取相应的安全施工措施",
              "{d1}检查发现，当事人承建的{project}施工现场{hazard2}，经责令限期改正逾期未改正。",
              _law("《建设工程安全生产管理条例》第六十四条第一款第（二）项", "罚款;责令停产停业", (5, 10)),
              (Option("罚款;责令停产停业", 1, 5, 10),)),
    # 消防 ------------------------------------------------------------------------------------
    Violation("f_facility", "fire", "消防设施、器材未保持完好有效",
              "{d1}检查发现，当事人场所内{fire_item}，消防设施、器材未保持完好有效。",
              _law(FIRE_LAW + "第六十条第一款第（一）项", "罚款", (0.5, 5)),
              (Option("罚款", 1, 0.5, 5),)),
    Violation("f_exit", "fire", "占用、堵塞、封闭疏散通道、安全出口",
              "{d1}检查发现，当事人场所内{n}处安全出口被杂物堵塞，疏散通道被占用。",
              _law(FIRE_LAW + "第六十条第一款第（三）项", "罚款", (0.5, 5)),
              (Option("罚款", 1, 0.5, 5),)),
    Violation("f_noinspect", "fire", "公众聚集场所未经消防救援机构许可擅自投入使用、营业",
              "经查，当事人经营场所属于公众聚集场所，未经消防救援机构许可，于{d1}擅自投入使用、营业。",
              _law(FIRE_LAW + "第五十八条第一款第（四）项", "罚款;责令停产停业", (3, 30)),
              (Option("罚款;责令停产停业", 1, 3, 30),)),
    # 教育、民政 ------------------------------------------------------------------------------
    Violation("edu_ad", "edu", "发布虚假招生简章",
              "经查，当事人于{d1}发布的招生简章中含有“{claim2}”等虚假内容，据此招收学员并收取费用{g}元。",
              _law("《中华人民共和国民办教育促进法》第六十二条第（三）项", "警告;没收违法所得;吊销许可证件"),
              (Option("警告", 3, None, None), Option("警告;没收违法所得", 1, None, None))),
    Violation("civil_report", "civil", "不按照规定接受监督检查",
              "经查，当事人未按照规定报送{y1}年度工作报告、接受年度检查，经责令改正逾期仍未改正。",
              _law("《社会团体登记管理条例》第三十条第一款第（三）项", "警告"),
              (Option("警告", 1, None, None),)),
)}

# 处罚依据 -> what it provides: how a record's fine and categories are checked against its article.
PROVISIONS = {v.law.cite: v.law for v in VIOLATIONS.values()}

V_FOOD_SMALL = (("m_food_check", 6), ("m_food_hygiene", 4), ("m_food_expired", 1), ("m_price", 2),
                ("u_fume", 4), ("s_gas_alarm", 3), ("f_exit", 2), ("f_facility", 2), ("t_late", 6))
V_RETAIL_SMALL = (("m_price", 6), ("m_food_expired", 2), ("m_food_check", 3), ("m_quality", 1), ("f_exit", 2),
                  ("t_late", 6))
V_SERVICE_SMALL = (("m_price", 5), ("f_facility", 2), ("h_public", 3), ("t_late", 6))
V_AUTO_SMALL = (("e_air_facility", 3), ("e_waste", 1), ("m_price", 3), ("f_facility", 2), ("t_late", 5))

INDUSTRIES = {i.key: i for i in (
    Industry("petro", ("石油技术服务", "油田技术服务", "石油工程技术", "油田设备制造", "油气储运", "石油化工"), 4,
             ("pollutant", "work_safety", "hazchem", "inspection", "special_equipment"),
             (("e_air_exceed", 3), ("e_air_facility", 2), ("e_water", 1), ("e_waste", 2), ("e_permit", 1),
              ("s_training", 3), ("s_hazard", 3), ("s_equipment", 2), ("s_accident", 0.5), ("s_hazchem", 0.5),
              ("m_special_equip", 2), ("t_late", 3), ("t_evasion", 0.3))),
    Industry("chem", ("化工", "精细化工", "化工产品销售", "新材料"), 3,
             ("pollutant", "hazchem", "work_safety"),
             (("e_air_exceed", 3), ("e_air_facility", 3), ("e_water", 1), ("e_waste", 2), ("e_permit", 1),
              ("s_hazard", 3), ("s_equipment", 2), ("s_hazchem", 1), ("t_late", 3))),
    Industry("build", ("建筑工程", "建筑安装工程", "市政工程", "建设工程", "装饰工程", "路桥工程"), 9,
             ("construction", "work_safety", "builder_grade"),
             (("c_nopermit", 2), ("c_safety", 1.5), ("u_dust", 4), ("u_waste", 2), ("s_training", 2),
              ("s_accident", 0.4), ("t_late", 4))),
    Industry("realty", ("房地产开发", "置业"), 3,
             ("presale", "construction"),
             (("u_dust", 3), ("c_nopermit", 1), ("m_ad_false", 2), ("m_ad_superlative", 1), ("t_late", 3),
              ("t_evasion", 0.5))),
    Industry("catering", ("餐饮管理", "餐饮服务", "餐饮"), 8,
             ("food_trade", "outdoor_ad"),
             (("m_food_check", 4), ("m_food_hygiene", 3), ("m_food_expired", 2), ("m_food_nolicense", 0.5),
              ("m_food_ban", 0.2), ("u_fume", 3), ("s_gas_alarm", 3), ("f_exit", 2), ("f_facility", 2),
              ("t_late", 4))),
    Industry("hotel", ("酒店管理", "宾馆"), 3,
             ("food_trade", "public_health", "special_equipment"),
             (("m_food_check", 2), ("h_public", 3), ("f_facility", 3), ("f_noinspect", 0.5), ("m_price", 2),
              ("t_late", 3))),
    Industry("trade", ("商贸", "贸易", "商业连锁", "超市", "食品销售", "供应链管理"), 14,
             ("food_trade", "tobacco"),
             (("m_food_expired", 3), ("m_food_check", 3), ("m_price", 3), ("m_quality", 2), ("m_ad_false", 1),
              ("f_exit", 1), ("f_facility", 1), ("t_late", 5), ("t_evasion", 0.3))),
    Industry("logistics", ("物流", "运输", "货运", "冷链物流"), 7,
             ("road",),
             (("tr_overload", 4), ("s_training", 2), ("f_facility", 1), ("t_late", 4))),
    Industry("pharma", ("医药连锁", "大药房", "医药"), 3,
             ("drug", "food_trade"),
             (("m_drug", 5), ("m_ad_false", 2), ("m_price", 2), ("t_late", 3))),
    Industry("tech", ("科技", "信息技术", "软件技术", "网络科技", "电子科技", "数据服务"), 10,
             ("telecom",),
             (("m_ad_superlative", 2), ("m_ad_false", 2), ("m_register", 1), ("t_late", 6))),
    Industry("machinery", ("机械制造", "机电设备", "汽车零部件", "装备制造", "电子", "钛业"), 7,
             ("pollutant", "special_equipment"),
             (("e_air_facility", 3), ("e_waste", 2), ("s_equipment", 2), ("s_training", 2), ("s_hazard", 2),
              ("m_special_equip", 2), ("m_quality", 1), ("t_late", 4))),
    Industry("textile", ("鞋业", "服装", "纺织", "鞋服", "石材"), 3,
             ("pollutant",),
             (("e_air_facility", 3), ("e_water", 1), ("s_hazard", 2), ("f_exit", 2),
              ("m_quality", 2), ("t_late", 4))),
    Industry("agri", ("农业科技", "农产品", "粮油", "乳业", "生态农业", "食品"), 5,
             ("food_prod", "water", "pesticide"),
             (("m_quality", 2), ("m_food_check", 1), ("e_livestock", 1), ("e_water", 0.5), ("t_late", 4))),
    Industry("energy", ("热力", "供热", "环保科技", "水务"), 2,
             ("pollutant", "water", "special_equipment"),
             (("e_air_exceed", 4), ("e_permit", 1), ("s_equipment", 2), ("m_special_equip", 2), ("t_late", 2))),
    Industry("media", ("文化传媒", "广告", "传媒"), 4,
             ("outdoor_ad",),
             (("m_ad_false", 3), ("m_ad_superlative", 2), ("t_late", 4))),
    Industry("property", ("物业管理", "物业服务"), 4,
             ("special_equipment",),
             (("f_facility", 3), ("f_exit", 3), ("m_special_equip", 3), ("m_price", 2), ("t_late", 3))),
    # kinds other than companies
    Industry("shop_food", (), 0, ("food_trade",), V_FOOD_SMALL),
    Industry("shop_grocery", (), 0, ("food_trade", "tobacco"), V_RETAIL_SMALL),
    Industry("shop_goods", (), 0, ("outdoor_ad",), V_RETAIL_SMALL),
    Industry("shop_barber", (), 0, ("public_health",), V_SERVICE_SMALL),
    Industry("shop_service", (), 0, ("outdoor_ad",), V_SERVICE_SMALL),
    Industry("shop_auto", (), 0, ("pollutant",), V_AUTO_SMALL),
    Industry("coop", (), 0, ("water", "pesticide", "food_prod"),
             (("e_livestock", 2), ("m_quality", 1), ("t_late", 3))),
    Industry("med", (), 0, ("medical",),
             (("h_waste", 4), ("h_disinfect", 2), ("f_facility", 2), ("m_price", 1))),
    Industry("school_public", (), 0, ("food_trade",),
             (("f_facility", 3), ("f_exit", 2), ("m_food_check", 2))),
    Industry("school_private", (), 0, ("school", "food_trade"),
             (("edu_ad", 3), ("f_facility", 2), ("f_exit", 2), ("m_food_check", 1), ("t_late", 2))),
    Industry("elderly", (), 0, ("food_trade",),
             (("f_facility", 3), ("f_exit", 2), ("m_food_check", 2), ("m_food_hygiene", 1))),
    Industry("social", (), 0, ("social_org",), (("civil_report", 1),)),
    # foundations: 《社会团体登记管理条例》 does not apply to them, and no other provision is cited here
    Industry("fund", (), 0, ("social_org",), ()),
)}

SHOPS = (  # 个体工商户: name ending, industry
    ("家常菜馆", "shop_food"), ("饺子馆", "shop_food"), ("烧烤店", "shop_food"), ("面馆", "shop_food"),
    ("早餐店", "shop_food"), ("火锅店", "shop_food"), ("小吃店", "shop_food"), ("超市", "shop_grocery"),
    ("便利店", "shop_grocery"), ("水果店", "shop_grocery"), ("粮油店", "shop_grocery"), ("日用品商店", "shop_goods"),
    ("五金店", "shop_goods"), ("服装店", "shop_goods"), ("理发店", "shop_barber"), ("美发工作室", "shop_barber"),
    ("洗衣店", "shop_service"), ("手机维修部", "shop_service"), ("汽车修理部", "shop_auto"),
)
COOP_KINDS = {
    "黑": ("水稻种植", "玉米种植", "大豆种植", "奶牛养殖", "肉牛养殖", "农机", "蔬菜种植", "食用菌种植"),
    "闽": ("茶叶种植", "蔬菜种植", "水产养殖", "果蔬种植", "食用菌种植", "花卉种植"),
    "陕": ("苹果种植", "猕猴桃种植", "蔬菜种植", "奶山羊养殖", "农机", "花椒种植"),
}
ASSOCIATION_THEMES = ("餐饮行业", "个体劳动者", "书法家", "摄影家", "老年体育", "物流行业", "商贸流通",
                      "建筑业", "软件行业", "诗词", "太极拳", "钓鱼", "志愿者", "电子商务", "青年创业",
                      "保安服务", "注册会计师", "家政服务", "养老服务", "汽车维修行业", "烘焙行业", "旅游",
                      "民间文艺家", "围棋", "篮球", "足球", "健身气功", "科普", "消费者", "质量技术",
                      "再生资源", "物业管理", "中医药", "心理卫生", "收藏家", "美术家")
ASSOCIATION_FORMS = ("协会", "协会", "促进会", "联合会", "研究会")
FOUNDATION_THEMES = ("教育发展", "慈善", "见义勇为", "扶贫济困", "助学", "文化发展", "医疗救助",
                     "青少年发展", "老龄事业发展", "生态环境保护")

FACT_WORDS = {
    "food": ("饮料", "方便面", "面包", "熟食制品", "牛奶", "速冻水饺", "酱卤肉制品", "糕点", "食用植物油", "调味品"),
    "goods": ("电动车充电器", "儿童玩具", "电线电缆", "插座", "服装", "床上用品", "安全帽", "灭火器", "涂料", "洗涤用品"),
    "claim": ("三天见效", "零风险", "百分之百有效", "全市最低价", "根治", "无效退款"),
    "superl": ("国家级", "最高级", "最佳", "顶级", "第一品牌"),
    "item": ("阻燃性能", "绝缘电阻", "甲醛含量", "标识标注", "抗拉强度", "耐磨性能"),
    "equip": ("电梯", "叉车", "压力容器", "燃气锅炉", "起重机械"),
    "equip2": ("可燃气体报警装置", "防爆电气设备", "安全阀", "自动喷水灭火系统"),
    "drug": ("胰岛素注射液", "阿莫西林胶囊", "头孢克肟分散片", "冷藏类生物制品"),
    "voc_facility": ("喷涂车间", "烘干工序", "调漆间", "印刷车间"),
    "waste": ("废矿物油", "废油漆桶", "含油污泥", "废活性炭"),
    "hazard": ("安全出口被占用", "有限空间作业未设置警示标识", "易燃易爆物品未分类存放", "电气线路私拉乱接"),
    "hazard2": ("临边洞口未设置防护栏杆", "脚手架搭设不符合规范", "塔吊限位装置失效"),
    "part": ("楼板", "剪力墙", "梁柱节点"),
    "accident": ("高处坠落", "物体打击", "机械伤害", "坍塌"),
    "chem": ("甲醇", "液化石油气", "油漆稀释剂", "乙炔"),
    "method": ("账外经营、隐匿收入", "虚列成本费用", "利用个人账户收取货款"),
    "taxkind": ("增值税", "个人所得税（代扣代缴）", "企业所得税", "印花税", "城市维护建设税"),
    "fire_item": ("室内消火栓无水", "火灾自动报警系统故障", "灭火器压力不足", "应急照明灯损坏"),
    "claim2": ("保证录取", "包过", "国家承认学历", "名师一对一全程辅导"),
    "ptype": ("住宅小区", "厂房", "综合楼", "商业综合体", "仓储中心"),
}

EMISSIONS = (  # facility, pollutant, standard, limit (mg/m³)
    ("燃气锅炉", "氮氧化物", "锅炉大气污染物排放标准", 200),
    ("燃煤锅炉", "颗粒物", "锅炉大气污染物排放标准", 50),
    ("燃煤锅炉", "二氧化硫", "锅炉大气污染物排放标准", 300),
    ("加热炉", "二氧化硫", "石油炼制工业污染物排放标准", 100),
    ("加热炉", "氮氧化物", "石油炼制工业污染物排放标准", 150),
    ("喷涂车间", "非甲烷总烃", "大气污染物综合排放标准", 120),
    ("破碎工序", "颗粒物", "大气污染物综合排放标准", 120),
)

# ------------------------------------------------------------------------------ list types
class ListRule(NamedTuple):
    agency: str  # agency kind
    doc_fmt: str
    reasons: tuple
    months: int  # validity (有效期至 = 列入日期 + months - 1 day)
    weight: float


class KeySector(NamedTuple):
    """A 重点领域 whose department puts subjects on the 重点关注名单 (document 002 四、（六）, 大庆).
    The sector is written into the entry (list_reason and remark), so a 大数据警示名单 entry can be
    checked against the sectors behind it."""
    name: str
    agency: str
    doc_fmt: str
    reasons: tuple


KEY_SECTORS = (
    KeySector("食品安全", "market", "{a}市监关〔{y}〕{n}号",
              ("一年内两次因食品安全违法行为受到行政处罚，尚未达到严重失信主体认定标准",
               "多次发生未按规定查验进货凭证等轻微失信行为")),
    KeySector("生态环境", "env", "{a}环关〔{y}〕{n}号",
              ("一年内两次因超标排放污染物受到行政处罚，尚未达到严重失信主体认定标准",)),
    KeySector("安全生产", "safety", "{a}应急关〔{y}〕{n}号",
              ("未按规定消除事故隐患，经责令改正后复查仍存在同类隐患", "多次未按规定开展安全生产教育和培训")),
    KeySector("交通运输", "transport", "{a}交信关〔{y}〕{n}号", ("一年内因道路运输违法行为受到两次行政处罚",)),
    KeySector("税收", "tax", "{a}税关〔{y}〕{n}号", ("一年内三次未按照规定期限办理纳税申报",)),
)
KEY_SECTOR_BY_NAME = {k.name: k for k in KEY_SECTORS}
KEY_SECTOR_MARK = "重点领域："  # remark of a 重点关注名单 entry: 重点领域：生态环境
WATCH_MONTHS = 12  # 有效期 of a 重点关注名单 entry: ours, document 002 sets none ("提示重点关注有效期")
# 重点关注名单 and 大数据警示名单 exist only in document 002: generated only for subjects of this region.
WATCH_REGION = "230600"

LIST_RULES = {
    "守信红名单": (
        ListRule("tax", "{a}税信〔{y}〕{n}号", ("{y3}—{y1}年度连续三年纳税信用评价为A级",), 24, 2),
        ListRule("ndrc", "{a}发改信用〔{y}〕{n}号",
                 ("被评为{y1}年度“守合同重信用”企业", "被评为{y1}年度{c}诚信示范企业"), 24, 1)),
    "严重失信主体名单": (
        ListRule("market", "{a}市监严列〔{y}〕{n}号",
                 ("因提供虚假材料取得行政许可被撤销许可，情节严重，被列入市场监督管理严重违法失信名单",
                  "拒不履行生效的行政处罚决定，情节严重，被列入市场监督管理严重违法失信名单",
                  "被列入经营异常名录届满3年仍未履行相关义务，被列入市场监督管理严重违法失信名单"), 36, 2),
        ListRule("safety", "{a}应急严失〔{y}〕{n}号",
                 ("发生生产安全事故负有责任，被认定为安全生产严重失信主体",), 36, 1),
        ListRule("env", "{a}环信〔{y}〕{n}号", ("通过逃避监管方式违法排放污染物，情节严重，被认定为严重失信主体",), 36, 1)),
    # Drawn per key sector (KEY_SECTORS); this row only names the list.
    "重点关注名单": (ListRule("ndrc", "{a}发改信关〔{y}〕{n}号", ("",), WATCH_MONTHS, 1),),
    "大数据警示名单": (
        ListRule("credit_office", "{a}信用办警〔{y}〕{n}号",
                 ("在{sectors}{k}个不同的重点领域被列入重点关注名单，经市信用信息共享平台大数据分析转入大数据警示名单",),
                 12, 1),),
    "经营异常名录": (
        ListRule("market_d", "{a}{d}市监异字〔{y}〕第{n}号",
                 ("未依照《企业信息公示暂行条例》第八条规定的期限公示{y1}年度年度报告",
                  "通过登记的住所或者经营场所无法联系",
                  "公示企业信息隐瞒真实情况、弄虚作假",
                  "未在市场监督管理部门依照《企业信息公示暂行条例》第十条规定责令的期限内公示有关企业信息"), 36, 1),),
    "失信被执行人": (
        ListRule("court", "({y}){p}{court}执{n}号",
                 ("有履行能力而拒不履行生效法律文书确定义务", "违反财产报告制度", "违反限制消费令",
                  "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行"), 24, 1),),
    "重大税收违法失信主体": (
        ListRule("tax_audit", "{a}税稽罚〔{y}〕{n}号",
                 ("虚开增值税专用发票", "偷税数额100万元以上且占各税种应纳税总额10%以上", "逃避追缴欠税数额100万元以上"),
                 36, 1),),
}
# Offices that put a subject of an industry on the serious list (market regulation for all others).
SERIOUS_LIST_OFFICES = {
    "petro": ("market", "safety", "env"), "chem": ("market", "safety", "env"), "machinery": ("market", "safety", "env"),
    "textile": ("market", "safety", "env"), "energy": ("market", "safety", "env"), "build": ("market", "safety"),
    "logistics": ("market", "safety"), "agri": ("market", "env"), "coop": ("market", "env"),
}
ORG_LIST_WEIGHTS = (("经营异常名录", 45), ("守信红名单", 15), ("重点关注名单", 10), ("失信被执行人", 10),
                    ("严重失信主体名单", 8), ("大数据警示名单", 4), ("重大税收违法失信主体", 4))
assert set(LIST_RULES) == set(LIST_TYPES), "every platform list type needs a rule"

BIRTH_DAYS = tuple(f"{dt.date.fromordinal(o):%Y%m%d}"
                   for o in range(dt.date(1958, 1, 1).toordinal(), dt.date(1996, 12, 31).toordinal() + 1))
NICE_FINES = tuple(Decimal(s) for s in (
    "0.005", "0.01", "0.02", "0.03", "0.05", "0.1", "0.2", "0.3", "0.5", "0.8", "1", "1.5", "2", "2.5", "3", "4",
    "5", "6", "8", "10", "12", "15", "20", "25", "30", "40", "50", "60", "80", "100"))
NICE_TIMES = tuple(Decimal(s) for s in ("0.5", "0.6", "0.8", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"))


def earliest_date(today: dt.date) -> dt.date:
    """The oldest decision, licence or list entry a seed of `today` holds."""
    return add_months(today, -HISTORY_MONTHS)


def _weekday_on_or_before(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d -= ONE_DAY
    return d


def working_days_before(d: dt.date, n: int) -> dt.date:
    """The working day `n` working days before `d` (0: `d`, or the working day before a weekend)."""
    d = _weekday_on_or_before(d)
    for _ in range(n):
        d = _weekday_on_or_before(d - ONE_DAY)
    return d


def _at(d: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Beijing-time moment on d, as an aware UTC datetime (what the database stores)."""
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=CST).astimezone(UTC)


def _yuan(wan: Decimal) -> str:
    return f"{wan * 10000:,.2f}"


GOODS_VALUE = r"货值金额([\d,]+)元"


def _amount(pattern: str, facts: str) -> Decimal:
    """An amount in yuan that the facts state (group 1 of `pattern`)."""
    m = re.search(pattern, facts)
    if m is None:
        raise DemoDataError(f"no amount for {pattern!r} in the facts: {facts}")
    return Decimal(m.group(1).replace(",", ""))


def fine_range(law: Provision, facts: str) -> tuple[Decimal, Decimal] | None:
    """The fine (万元) `law` allows for a case with these facts: its range, or its multiples of the
    amount the facts state. None when it provides no fine, or when the facts' 货值金额 is outside the
    band its range is written for."""
    if law.goods_below_yuan is not None and _amount(GOODS_VALUE, facts) >= law.goods_below_yuan:
        return None
    if law.fine_times is not None:
        base = _amount(law.base, facts) / 10000
        return base * Decimal(str(law.fine_times[0])), base * Decimal(str(law.fine_times[1]))
    if law.fine_wan is not None:
        return Decimal(str(law.fine_wan[0])), Decimal(str(law.fine_wan[1]))
    return None


def _iso7064_mod11_10(digits: str) -> str:
    p = 10
    for c in digits:
        s = (p + int(c)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def make_reg_no(region: str, serial: int) -> str:
    """15-digit 工商注册号 (GB/T 17710 check digit, as the pre-2015 numbers had)."""
    body = f"{region}1{serial:07d}"
    return body + _iso7064_mod11_10(body)


_AGENCIES: dict[tuple[str, str, str], tuple[str, str]] = {}
DISTRICT_AGENCIES = frozenset({"market_d", "tax_d", "court"})


def agency_of(kind: str, city: City, district: District | None) -> tuple[str, str]:
    """(name, code) of an office. The code is a fixed, valid 11-prefix (机关) USCC derived from the
    name and the office's own division (district, city or province): the same on every run."""
    key = (kind, city.code, district.code if district else "")
    found = _AGENCIES.get(key)
    if found is None:
        name = agency_name(kind, city, district)
        if kind in DISTRICT_AGENCIES and district:
            region = district.code
        elif kind.startswith("prov_"):
            region = city.code[:2] + "0000"
        else:
            region = city.code
        found = _AGENCIES[key] = (name, make_uscc(random.Random("agency:" + name), "11", region))
    return found


def agency_name(kind: str, city: City, district: District | None) -> str:
    c, dn = city.name, (district.name if district else "")
    names = {
        "market": f"{c}市场监督管理局",
        "market_d": f"{c}{dn}市场监督管理局",
        "env": f"{c}生态环境局",
        "safety": f"{c}应急管理局",
        "urban": city.urban_agency,
        "tax": f"国家税务总局{c}税务局",
        "tax_d": f"国家税务总局{c}{dn}税务局",
        "tax_audit": f"国家税务总局{c}税务局稽查局",
        "transport": f"{c}交通运输局",
        "health": f"{c}卫生健康委员会",
        "build": f"{c}住房和城乡建设局",
        "fire": f"{c}消防救援支队",
        "agri": f"{c}农业农村局",
        "edu": f"{c}教育局",
        "civil": f"{c}民政局",
        "water": f"{c}水务局",
        "tobacco": f"{c}烟草专卖局",
        "ndrc": f"{c}发展和改革委员会",
        "credit_office": f"{c}社会信用体系建设领导小组办公室",
        "court": f"{c}{dn}人民法院",
        "prov_safety": f"{city.province}应急管理厅",
        "prov_market": f"{city.province}市场监督管理局",
        "prov_comm": f"{city.province}通信管理局",
    }
    return names[kind]


PENALTY_DOC_FMT = {
    "market": "{a}市监罚〔{y}〕{n}号",
    "market_d": "{a}{d}市监罚〔{y}〕{n}号",
    "env": "{a}环罚〔{y}〕{n}号",
    "safety": "{a}应急罚〔{y}〕{n}号",
    "urban": "{a}城管罚〔{y}〕{n}号",
    "tax_d": "{a}{d}税简罚〔{y}〕{n}号",
    "tax_audit": "{a}税稽罚〔{y}〕{n}号",
    "transport": "{a}交执罚〔{y}〕{n}号",
    "health": "{a}卫医罚〔{y}〕{n}号",
    "build": "{a}建罚〔{y}〕{n}号",
    "fire": "{a}消行罚决字〔{y}〕{n:04d}号",
    "agri": "{a}农罚〔{y}〕{n}号",
    "edu": "{a}教罚〔{y}〕{n}号",
    "civil": "{a}民罚〔{y}〕{n}号",
}
DAQING_MARKET_FMT = "{a}市监罚字〔{y}〕第{n}号"  # 庆市监罚字〔2026〕第15号


# --------------------------------------------------------------------------- the generator
class _Subj:
    """What record generation needs to know about a subject already written."""

    __slots__ = ("id", "name", "code", "city", "district", "legal_rep", "industry", "kind", "is_person",
                 "licences", "penalised", "region_name", "subject_type", "suspends")

    def __init__(self, id, name, code, city, district, legal_rep, industry, kind, region_name="",  # noqa: A002
                 subject_type=""):
        self.id, self.name, self.code, self.city, self.district = id, name, code, city, district
        self.legal_rep, self.industry, self.kind = legal_rep, industry, kind
        self.is_person = kind == "person"
        self.licences: dict[str, str] = {}
        self.penalised = False
        self.region_name, self.subject_type = region_name, subject_type
        # Joint punishment is suspended during an objection only where the region's rule says so
        # (大庆, document 002 四、（五）), as services.tickets does for a real filing.
        self.suspends = rules().suspends_punishment.holds_in(region_name)


class _Facts(dict):
    """Placeholder values for a facts template, drawn only when the template uses them."""

    def __init__(self, gen: "_Generator", s: _Subj, decision: dt.date, extra: dict):
        super().__init__(extra)
        self.gen, self.s, self.decision = gen, s, decision

    def __missing__(self, key):
        value = self.gen._fact(key, self.s, self.decision)
        self[key] = value
        return value


class FastRandom(random.Random):
    """random.Random whose choice() and randint() take one random() draw each.

    The library versions draw bits in a loop and cost several times more; at a million subjects
    that is minutes. Still one seeded stream, so just as deterministic (on any Python version,
    since random() itself is the stable Mersenne Twister output).
    """

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


def _cum(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


class _Generator:
    def __init__(self, rng: random.Random, now: dt.datetime, batch_id: int, first_ids: dict[str, int],
                 today: dt.date):
        self.rng = rng
        self.now = now
        self.today = today  # the seeding day: every date is counted back from it
        self.earliest = earliest_date(today)
        self.batch_id = batch_id
        self.next_id = dict(first_ids)
        self.names: set[str] = set()
        self.org_codes: set[str] = set()
        self.id_numbers: set[str] = set()
        self.reg_serial = 0
        self.counters: dict = {}
        self.reserved_docs: set[str] = set()
        self.ticket_days: dict[tuple[str, dt.date], int] = {}
        self.terms: dict[int, display_periods.Term] = {}  # record id -> display term, until written
        self.subject_rows: list[dict] = []
        self.record_rows: list[dict] = []
        self.ticket_rows: list[dict] = []
        self.event_rows: list[dict] = []
        self.stats = {"subjects": 0, "natural persons": 0, "penalties": 0, "licenses": 0, "list entries": 0,
                      "objections": 0, "repairs": 0, "ticket events": 0}
        self.subject_template = {c.name: None for c in Subject.__table__.columns}
        self.record_template = {c.name: None for c in Record.__table__.columns}
        self.ticket_template = {c.name: None for c in Ticket.__table__.columns}
        # weighted choices, precomputed
        self.city_cum = _cum(c.weight for c in CITIES)
        self.kinds = ("company", "individual", "coop", "public", "private", "association", "foundation")
        self.kind_cum = _cum((64, 24, 4, 3.5, 2, 1.5, 0.3))
        companies = [i for i in INDUSTRIES.values() if i.parts]
        self.company_industries = companies
        self.industry_cum = {c.code: _cum(i.weight * c.industry_boost.get(i.key, 1) for i in companies)
                             for c in CITIES}
        self.form_cum = _cum(w for _, w in FORMS)
        self.violation_cum = {k: ([v for v, _ in i.violations], _cum(w for _, w in i.violations))
                              for k, i in INDUSTRIES.items()}
        self.org_list_cum = ([t for t, _ in ORG_LIST_WEIGHTS], _cum(w for _, w in ORG_LIST_WEIGHTS))
        self.option_cum = {k: _cum(o.weight for o in v.options) for k, v in VIOLATIONS.items()}

    # ------------------------------------------------------------------ small helpers
    def _id(self, table: str) -> int:
        n = self.next_id[table]
        self.next_id[table] = n + 1
        return n

    def _pick(self, seq, cum):
        return seq[min(bisect.bisect(cum, self.rng.random() * cum[-1]), len(seq) - 1)]

    def _number(self, key, start: tuple[int, int] = (1, 40), step: tuple[int, int] = (1, 3)) -> int:
        """Next number of a per-office, per-year series: a random start, then small random steps."""
        n = self.counters.get(key)
        n = self.rng.randint(*start) if n is None else n + self.rng.randint(*step)
        self.counters[key] = n
        return n

    def _doc(self, fmt: str, city: City, district: District | None, year: int, court: str = "") -> str:
        """A document number unique per series (format, office, year) and never one of the showcase's."""
        fields = {"a": city.abbr, "d": district.short if district else "", "p": city.prov_short, "y": year,
                  "court": court}
        key = fmt.format(n=0, **fields)  # the series: everything but the number
        while True:
            if court:  # court case numbers run into the thousands
                n = self._number(key, start=(100, 1500), step=(1, 9))
            else:
                n = self._number(key)
            doc = fmt.format(n=n, **fields)
            if doc not in self.reserved_docs:
                return doc

    def _person_name(self, varied: bool = False) -> str:
        """Surname and a common given name; `varied` draws from a much larger set of two-character
        given names (for natural persons, whose names must be unique)."""
        rng = self.rng
        r = rng.random()
        if varied and r < 0.75:
            a = rng.choice(GIVEN_CHARS)
            b = rng.choice(GIVEN_CHARS)
            return rng.choice(SURNAMES) + a + (b if b != a else rng.choice(GIVEN_SINGLE))
        if r < 0.8:
            return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        return rng.choice(SURNAMES) + rng.choice(GIVEN_SINGLE)

    def _zihao(self, wide: bool = False) -> str:
        rng = self.rng
        while True:
            a = rng.choice(ZIHAO_CHARS)
            b = rng.choice(ZIHAO_CHARS)
            if b != a and a + b not in FAMOUS_ZIHAO:
                return a + b + (rng.choice(ZIHAO_CHARS) if wide else "")

    def _place(self) -> str:
        rng = self.rng
        a = rng.choice(PLACE_CHARS)
        b = rng.choice(PLACE_CHARS)
        while b == a:
            b = rng.choice(PLACE_CHARS)
        return a + b

    def _recent_date(self, lo: dt.date | None = None, hi: dt.date | None = None) -> dt.date:
        """A working day in [lo, hi] (default: the whole history up to the seeding day), more often
        recent than old."""
        lo, hi = lo or self.earliest, hi or self.today
        span = (hi - lo).days
        d = hi - dt.timedelta(days=int(self.rng.triangular(0, span, 0)))
        if d.weekday() == 5:
            d -= ONE_DAY
        elif d.weekday() == 6:
            d = d + ONE_DAY if d + ONE_DAY <= hi else d - 2 * ONE_DAY
        while d < lo or d.weekday() >= 5:
            d += ONE_DAY
        return d

    def _uniform_date(self, lo: dt.date, hi: dt.date) -> dt.date:
        """A day in [lo, hi] (lo when hi < lo), moved back to a working day unless that leaves the range."""
        d = lo + dt.timedelta(days=self.rng.randint(0, max(0, (hi - lo).days)))
        w = _weekday_on_or_before(d)
        return w if w >= lo else d

    def _phone(self) -> str:
        # The 0000 block marks the numbers as placeholders.
        return f"13{self.rng.randint(0, 9)}0000{self.rng.randint(0, 9999):04d}"

    def _fine(self, lo: float, hi: float) -> Decimal:
        lo_d, hi_d = Decimal(str(lo)), Decimal(str(hi))
        nice = [v for v in NICE_FINES if lo_d <= v <= hi_d]
        if nice and self.rng.random() < 0.8:
            return self.rng.choice(nice)
        step = 100 if hi_d >= 1 else 1000  # whole hundreds of yuan, tens for small fines
        return Decimal(self.rng.randint(int(lo_d * step), int(hi_d * step))) / step

    def _fact(self, key: str, s: _Subj, decision: dt.date):
        rng = self.rng
        if key in FACT_WORDS:
            return rng.choice(FACT_WORDS[key])
        if key == "d1":
            return format_cn(decision - dt.timedelta(days=rng.randint(15, 75)))
        if key in ("q", "n"):
            return rng.randint(2, 30) if key == "q" else rng.randint(2, 6)
        if key == "v":
            return rng.randint(200, 20000)
        if key == "emission":
            facility, pollutant, std, limit = rng.choice(EMISSIONS)
            return (f"{facility}排放口进行监测，{pollutant}排放浓度为{limit * rng.uniform(1.2, 3.5):.1f}mg/m³，"
                    f"超过《{std}》规定的{limit}mg/m³排放限值")
        if key == "y1":
            return decision.year - 1
        if key == "deaths":
            return rng.randint(1, 2)
        if key == "pct":
            return rng.randint(10, 60)
        if key == "period":
            m = add_months(decision, -rng.randint(1, 3))
            return f"{m.year}年{m.month}月"
        if key == "plate":
            body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
            return f"{s.city.prov_short}{s.city.plate}{body}"
        if key == "road":
            return self._place() + rng.choice(("路", "大街", "大道"))
        if key == "project":
            return self._place() + rng.choice(FACT_WORDS["ptype"]) + "项目"
        raise KeyError(key)

    # ------------------------------------------------------------------ subjects
    def add_subject(self, *, name: str, stype: str, region: str, kind: str, industry: str | None,
                    prefix: str | None = None, uscc: str | None = None, legal_rep: str | None = None,
                    id_number: str | None = None, reg_no: bool | str = False,
                    legal_rep_id: str | None = None) -> _Subj:
        city, district = region_of(region)
        row = dict(self.subject_template)
        sid = self._id("subjects")
        if name in self.names:
            raise DemoDataError(f"duplicate demo subject name {name}")
        self.names.add(name)
        row.update(id=sid, name=name, name_norm=normalize_name(name), subject_type=stype, region_code=region,
                   region_name=REGION_NAMES[region], created_at=self.now, updated_at=self.now)
        if stype == "自然人":
            if id_number in self.id_numbers:
                raise DemoDataError(f"duplicate demo id number {id_number}")
            self.id_numbers.add(id_number)
            row.update(id_type="居民身份证", id_number=id_number)
            code = id_number
            self.stats["natural persons"] += 1
        else:
            if uscc is None:
                while True:
                    uscc = make_uscc(self.rng, prefix, region)
                    if uscc[8:17] not in self.org_codes:
                        break
            elif uscc[8:17] in self.org_codes:
                raise DemoDataError(f"duplicate demo organisation code {uscc}")
            self.org_codes.add(uscc[8:17])
            code = uscc
            if legal_rep_id is None:
                legal_rep_id = self._legal_rep_id((district or city.districts[0]).code)
            row.update(uscc=uscc, org_code=uscc[8:17], legal_rep=legal_rep, legal_rep_id_type="居民身份证",
                       legal_rep_id_number=legal_rep_id)
            if reg_no:
                self.reg_serial += 1 + int(self.rng.random() * 20)
                row["reg_no"] = reg_no if isinstance(reg_no, str) else make_reg_no(region, self.reg_serial % 10**7)
            if uscc[:2] == "12":
                row["institution_no"] = f"事证第{region}{sid % 10000000:07d}号"
            elif uscc[:1] == "5":
                row["social_org_no"] = uscc  # registration certificates carry the USCC since 2016
        self.subject_rows.append(row)
        self.stats["subjects"] += 1
        return _Subj(sid, name, code, city, district, legal_rep, INDUSTRIES[industry] if industry else None, kind,
                     row["region_name"], stype)

    def _legal_rep_id(self, region: str) -> str:
        """A valid resident ID number (GB 11643 check character) born 1958-1996 in the region.

        make_id_number does the same with more random draws; legal representatives are nearly one
        per subject, so this one is cheaper. Natural persons' own numbers use make_id_number.
        """
        body = region + self.rng.choice(BIRTH_DAYS) + f"{int(self.rng.random() * 1000):03d}"
        return body + id_check_char(body)

    def _unique_name(self, make) -> str:
        for attempt in range(60):
            name = make(attempt >= 20)
            if name not in self.names:
                return name
        raise DemoDataError("could not find an unused demo subject name")

    def random_subject(self) -> _Subj:
        rng = self.rng
        city = self._pick(CITIES, self.city_cum)
        district = rng.choice(city.districts)
        if rng.random() < P_PERSON:
            name = self._unique_name(lambda wide: self._person_name(varied=True)
                                     + (rng.choice(GIVEN_SINGLE) if wide else ""))
            while True:
                idn = make_id_number(rng, district.code, rng.randint(1960, 2000))
                if idn not in self.id_numbers:
                    break
            return self.add_subject(name=name, stype="自然人", region=district.code, kind="person", industry=None,
                                    id_number=idn)
        kind = self._pick(self.kinds, self.kind_cum)
        legal_rep = self._person_name()
        region = district.code
        reg_no = False
        if kind == "company":
            ind = self._pick(self.company_industries, self.industry_cum[city.code])
            form = self._pick(FORMS, self.form_cum)[0]
            if rng.random() < 0.25:
                region = city.code
            part = rng.choice(ind.parts)
            style = rng.random()

            def make(wide):
                zh = self._zihao(wide)
                if style < 0.6:
                    return f"{city.name}{zh}{part}{form}"
                if style < 0.8:
                    return f"{city.prov_plain}{zh}{part}{form}"
                if style < 0.95:
                    return f"{city.short}{zh}{part}{form}"
                return f"{zh}（{city.short}）{part}{form}"

            name = self._unique_name(make)
            prefix, stype, industry, reg_no = "91", "法人及非法人组织", ind.key, rng.random() < 0.7
        elif kind == "individual":
            shop, industry = rng.choice(SHOPS)
            surname = legal_rep[0]

            def make(wide):
                r = rng.random()
                if wide or r < 0.35:
                    who = self._zihao(wide)
                elif r < 0.55:
                    who = "老" + surname
                elif r < 0.7:
                    who = surname + "记"
                elif r < 0.8:
                    who = "小" + surname
                elif r < 0.9:
                    who = surname + "姐"
                else:
                    who = legal_rep[1:] if len(legal_rep) == 3 else surname + "氏"
                return f"{city.name}{district.name}{who}{shop}"

            name = self._unique_name(make)
            prefix, stype, reg_no = "92", "个体工商户", rng.random() < 0.6
        elif kind == "coop":
            kinds = COOP_KINDS[city.prov_short]
            k = rng.choice(kinds)
            suffix = rng.choice(("农民专业合作社", "专业合作社"))
            name = self._unique_name(lambda wide: f"{city.name}{district.name}{self._zihao(wide)}{k}{suffix}")
            prefix, stype, industry = "93", "法人及非法人组织", "coop"
            reg_no = rng.random() < 0.5
        elif kind == "public":
            r = rng.random()
            if r < 0.45:
                industry = "med"
                shape = rng.choice(("{c}{d}{p}社区卫生服务中心", "{c}{p}医院", "{c}{d}{p}街道卫生院"))
            else:
                industry = "school_public"
                shape = rng.choice(("{c}{d}{p}小学", "{c}{p}中学", "{c}{d}{p}幼儿园", "{c}{d}{p}学校"))
            name = self._unique_name(lambda wide: shape.format(
                c=city.name, d=district.name, p=self._place() + (rng.choice(PLACE_CHARS) if wide else "")))
            prefix, stype = "12", "法人及非法人组织"
        elif kind == "private":
            industry, shape = rng.choice((
                ("med", "{c}{z}口腔门诊部"), ("med", "{c}{z}中医诊所"), ("school_private", "{c}{d}{z}幼儿园"),
                ("school_private", "{c}{z}职业培训学校"), ("school_private", "{c}{z}艺术培训学校"),
                ("elderly", "{c}{d}{z}养老院"), ("elderly", "{c}{z}颐养中心")))
            name = self._unique_name(lambda wide: shape.format(c=city.name, d=district.name, z=self._zihao(wide)))
            prefix, stype = "52", "法人及非法人组织"
        elif kind == "association":
            theme, form = rng.choice(ASSOCIATION_THEMES), rng.choice(ASSOCIATION_FORMS)
            where = city.name + (district.name if rng.random() < 0.6 else "")

            def make(wide):
                if wide:
                    return f"{city.name}{self._zihao()}{theme}{form}"
                return f"{where}{theme}{form}"

            name = self._unique_name(make)
            prefix, stype, industry = "51", "法人及非法人组织", "social"
            region = region if where != city.name else city.code
        else:  # foundation
            theme = rng.choice(FOUNDATION_THEMES)
            name = self._unique_name(lambda wide: f"{city.name}{self._zihao() if wide else ''}{theme}基金会")
            prefix, stype, industry, region = "53", "法人及非法人组织", "fund", city.code
        return self.add_subject(name=name, stype=stype, region=region, kind=kind, industry=industry, prefix=prefix,
                                legal_rep=legal_rep, reg_no=reg_no)

    # ------------------------------------------------------------------ records
    def _record(self, kind: str, s: _Subj, *, doc: str, decision: dt.date, agency: tuple[str, str],
                **fields) -> dict:
        row = dict(self.record_template)
        rid = self._id("records")
        agency, code = agency
        key = record_key(kind, doc, agency, fields.get("list_type", ""), s.code, is_person=s.is_person)
        row.update(id=rid, kind=kind, subject_id=s.id, natural_key=key, doc_number=doc, decision_date=decision,
                   agency=agency, agency_code=code, data_source=agency, data_source_code=code,
                   display_status="公示中", punishment_suspended=False, batch_id=self.batch_id,
                   created_at=self.now, updated_at=self.now)
        row.update(fields)
        self.record_rows.append(row)
        self.stats[{"penalty": "penalties", "license": "licenses", "list": "list entries"}[kind]] += 1
        return row

    def add_licence(self, s: _Subj, lt: LicenceType, *, decision: dt.date | None = None, doc: str | None = None,
                    number: str | None = None, content: str | None = None) -> dict:
        rng = self.rng
        decision = decision or self._recent_date()
        city, district = s.city, s.district or s.city.districts[0]
        agency = agency_of(lt.agency, city, district)
        doc = doc or self._doc(lt.doc_fmt, city, district, decision.year)
        if content is None:
            content = rng.choice(lt.contents)
            if "{" in content:
                content = content.format(place=self._place(), k=rng.randint(2, 12))
        number = number or self._licence_number(lt, s, decision, content)
        valid_to = NO_EXPIRY if lt.years is None else add_months(decision, 12 * lt.years) - ONE_DAY
        row = self._record("license", s, doc=doc, decision=decision, agency=agency,
                           license_doc_name=lt.doc_name, license_category=lt.category,
                           certificate_name=lt.certificate, license_number=number, license_content=content,
                           valid_from=decision, valid_to=valid_to, current_status="有效")
        s.licences[lt.key] = number
        return row

    def _licence_number(self, lt: LicenceType, s: _Subj, decision: dt.date, content: str = "") -> str:
        rng, city = self.rng, s.city
        region = (s.district or city.districts[0]).code
        seq = self._number(("licence-number", lt.key, city.code))
        y = decision.year
        k = lt.key
        if k == "food_trade":
            return f"JY{rng.choice('123')}{region}{seq % 1000000:06d}{rng.randint(0, 9)}"
        if k == "food_prod":
            return f"SC{rng.choice(('101', '103', '105', '111', '114'))}{region}{seq % 10000:04d}{rng.randint(0, 9)}"
        if k == "tobacco":
            return f"{region}1{seq % 100000:05d}"
        if k == "pollutant":
            return f"{s.code}001{rng.choice('PVU')}"
        if k == "construction":
            return f"{region}{decision:%Y%m%d}{seq % 100:02d}01"
        if k == "road":
            return f"{city.prov_short}交运管许可{city.abbr}字{region}{seq % 1000000:06d}号"
        if k == "drug":
            return f"{city.prov_short}CB{region[2:4]}{seq % 100000:05d}"
        if k == "medical":
            return f"{s.code[8:17]}{region}11A{seq % 10000:04d}"
        if k == "school":
            return f"教民{region}{seq % 1000000:06d}号"
        if k == "public_health":
            return f"{city.abbr}卫公证字〔{y}〕第{seq % 10000:04d}号"
        if k == "hazchem":
            return f"{city.prov_short}{city.abbr}危化经字〔{y}〕{seq % 1000000:06d}"
        if k == "presale":
            return f"{city.abbr}房预售字（{y}）第{seq % 1000:03d}号"
        if k == "work_safety":
            return f"（{city.prov_short}）{'JZ' if s.industry and s.industry.key == 'build' else 'WH'}安许证字〔{y}〕{seq % 1000000:06d}"
        if k == "inspection":
            return f"{y % 100:02d}{region[:2]}12{seq % 1000000:06d}"
        if k == "builder_grade":
            return f"D{region[:3]}{seq % 1000000:06d}"
        if k == "special_equipment":
            kind = next((v for k_, v in (("电梯", "梯"), ("锅炉", "锅"), ("容器", "容")) if k_ in content), "车")
            return f"{kind}11{city.prov_short}{city.plate}{seq % 100000:05d}（{y % 100:02d}）"
        if k == "outdoor_ad":
            return f"{city.abbr}城管广许字〔{y}〕第{seq % 10000:04d}号"
        if k == "telecom":
            return f"{city.prov_short}B2-{y}{seq % 10000:04d}"
        if k == "water":
            return f"取水（{city.prov_short}{city.abbr}）字〔{y}〕第{seq % 1000:03d}号"
        if k == "pesticide":
            return f"农药经许（{city.prov_short}）{region}{y}{seq % 10000:04d}"
        if k == "social_org":
            return s.code
        raise KeyError(k)

    def add_penalty(self, s: _Subj, v: Violation, *, option: Option | None = None, decision: dt.date | None = None,
                    agency_kind: str | None = None, doc: str | None = None, fine: Decimal | None = None,
                    confiscation: Decimal | None = None, facts: str | None = None,
                    tier_stated: bool | None = None, cert: str | None = None) -> dict:
        rng = self.rng
        decision = decision or self._recent_date()
        if option is None:
            option = v.options[0] if len(v.options) == 1 else self._pick(v.options, self.option_cum[v.key])
        city = s.city
        district = s.district or city.districts[0]
        kind = agency_kind or v.domain
        if kind == "market" and agency_kind is None and rng.random() < 0.5:
            kind = "market_d"
        agency = agency_of(kind, city, district)
        if doc is None:
            fmt = DAQING_MARKET_FMT if kind == "market" and city.code == "230600" else PENALTY_DOC_FMT[kind]
            doc = self._doc(fmt, city, district, decision.year)
        cats = option.categories.split(";")
        law = v.law
        illegal_gain = rng.randint(50, 5000)  # 违法所得 in yuan, in the facts and confiscated
        extra = {"g": illegal_gain}
        if "{v}" in v.facts:  # 货值金额 / 广告费用 in yuan, in the band the provision's fine range is for
            extra["v"] = rng.randint(200, (law.goods_below_yuan or 20001) - 1)
            extra["g"] = illegal_gain = min(illegal_gain, extra["v"])
        if "{tax}" in v.facts:
            extra["tax"] = f"{rng.randint(100000, 3000000):,}"  # tax evaded
        if facts is None:
            facts = v.facts.format_map(_Facts(self, s, decision, extra)) + option.note
        if "罚款" in cats and fine is None:
            fine = self._fine_for(law, option, facts)
        if "没收违法所得" in cats and confiscation is None:
            confiscation = Decimal(illegal_gain) / 10000
        if tier_stated is None:
            tier_stated = rng.random() < P_SEVERITY_STATED
        revoked = None
        valid_to = None  # 处罚有效期: the display end, or the restriction's end
        content = []
        for cat in cats:
            if cat == "罚款":
                content.append(f"罚款人民币{_yuan(fine)}元")
            elif cat == "没收违法所得":
                content.append(f"没收违法所得人民币{_yuan(confiscation)}元")
            elif cat in ("暂扣许可证件", "吊销许可证件"):
                lt = LICENCE_TYPES[cert or option.cert]
                number = s.licences.get(lt.key) or self._licence_number(lt, s, decision)
                revoked = f"{lt.certificate}（编号：{number}）"
                content.append(("暂扣" if cat == "暂扣许可证件" else "吊销") + revoked
                               + ("三个月" if cat == "暂扣许可证件" else ""))
            elif cat == "责令停产停业":
                content.append(f"责令停产停业整顿{rng.choice((7, 15, 30))}日")
            elif cat == "限制从业":  # 食品安全法第一百三十五条第一款: five years
                content.append(f"法定代表人（负责人）{s.legal_rep}自处罚决定作出之日起五年内不得从事食品生产经营管理工作")
                valid_to = add_months(decision, 60) - ONE_DAY
            else:
                content.append(cat)
        s.penalised = True
        row = self._record("penalty", s, doc=doc, decision=decision, agency=agency,
                           violation_type=v.vtype, violation_facts=facts, legal_basis=law.cite,
                           penalty_category=option.categories, penalty_content="；".join(content),
                           fine_amount=fine, confiscation_amount=confiscation, license_revoked=revoked,
                           valid_to=valid_to)
        # Tier and 公示截止期 from the rules table, as the engine reads the record: the tier the table
        # gives (stated in the source about half the time, 推定 otherwise) and that tier's maximum, or
        # the restriction's end where 总局令第45号第十三条 keeps it on display longer.
        term = self.terms[row["id"]] = display_periods.term(self._facts(row, s))
        row.update(severity_tier=term.tier if tier_stated else None, display_until=term.law_end,
                   display_until_derived=not tier_stated, valid_to=valid_to or term.law_end)
        return row

    def _fine_for(self, law: Provision, option: Option, facts: str) -> Decimal:
        """A fine inside the option's range: 万元, or multiples of the amount the facts state."""
        if law.fine_times is None:
            return self._fine(option.lo, option.hi)
        base = int(_amount(law.base, facts))
        lo, hi = Decimal(str(option.lo)), Decimal(str(option.hi))
        times = self.rng.choice([k for k in NICE_TIMES if lo <= k <= hi])
        return Decimal(base) * times / 10000  # exact: whole yuan times halves

    def _facts(self, row: dict, s: _Subj) -> display_periods.Facts:
        return display_periods.facts_of(row, region=s.region_name, subject_type=s.subject_type)

    def add_list_entry(self, s: _Subj, list_type: str, *, rule: ListRule | None = None,
                       decision: dt.date | None = None, doc: str | None = None, reason: str | None = None,
                       valid_to: dt.date | None = None, remark: str | None = None,
                       sector: KeySector | None = None) -> dict:
        """A list entry; a 重点关注名单 entry is a key sector's (`sector`, drawn if not given), which
        its reason and remark name. 有效期至 is the list's validity; 公示截止期 is the earlier of it
        and the end the list's tier gives under the rules table (经营异常名录 轻微, 严重失信 严重)."""
        rng = self.rng
        if list_type == "重点关注名单":
            sector = sector or rng.choice(KEY_SECTORS)
            rule = rule or ListRule(sector.agency, sector.doc_fmt, sector.reasons, WATCH_MONTHS, 1)
            remark = remark or KEY_SECTOR_MARK + sector.name
        if rule is None:
            choices = LIST_RULES[list_type]
            if list_type == "严重失信主体名单":
                allowed = SERIOUS_LIST_OFFICES.get(s.industry.key if s.industry else "", ("market",))
                choices = tuple(r for r in choices if r.agency in allowed)
            rule = choices[0] if len(choices) == 1 else self._pick(choices, _cum(r.weight for r in choices))
        decision = decision or self._recent_date()
        city, district = s.city, s.district or s.city.districts[0]
        agency = agency_of(rule.agency, city, district)
        if doc is None:
            court = f"{district.code[2:]}" if rule.agency == "court" else ""
            doc = self._doc(rule.doc_fmt, city, district, decision.year, court=court)
        if reason is None:
            reason = rng.choice(rule.reasons).format(y1=decision.year - 1, y3=decision.year - 3, c=city.name)
            if sector is not None:
                reason = f"{sector.name}领域：{reason}"
        valid_to = valid_to or add_months(decision, rule.months) - ONE_DAY
        row = self._record("list", s, doc=doc, decision=decision, agency=agency, list_type=list_type,
                           list_reason=reason, valid_to=valid_to, remark=remark, display_until_derived=False)
        term = self.terms[row["id"]] = display_periods.term(self._facts(row, s))
        row["display_until"] = term.ends
        return row

    # ------------------------------------------------------------------ statuses and tickets
    def _ticket_no(self, prefix: str, day: dt.date) -> str:
        while True:
            n = self.ticket_days.get((prefix, day), 0) + 1
            if n <= 9999:
                self.ticket_days[(prefix, day)] = n
                return f"{prefix}-{day:%Y%m%d}-{n:04d}"
            day = _weekday_on_or_before(day - ONE_DAY)

    def _ticket(self, kind: str, rec: dict, s: _Subj, *, filed: dt.datetime, status: str, outcome: str | None,
                events: list[tuple], due: dt.date, **fields) -> dict:
        prefix = "YY" if kind == "objection" else "XF"
        filed_day = filed.astimezone(CST).date()
        row = dict(self.ticket_template)
        tid = self._id("tickets")
        contact = s.legal_rep or s.name
        row.update(id=tid, ticket_no=self._ticket_no(prefix, filed_day), kind=kind, status=status, outcome=outcome,
                   record_id=rec["id"], subject_id=s.id, contact_name=contact, contact_phone=self._phone(),
                   channel="demo", due_date=due, created_at=filed, updated_at=events[-1][0])
        row.update(fields)
        self.ticket_rows.append(row)
        for at, ev_status, ev_outcome, actor_type, actor, note in events:
            self.event_rows.append({"id": self._id("ticket_events"), "ticket_id": tid, "at": at,
                                    "status": ev_status, "outcome": ev_outcome, "actor_type": actor_type,
                                    "actor": actor, "note": note})
        self.stats["objections" if kind == "objection" else "repairs"] += 1
        self.stats["ticket events"] += len(events)
        return row

    def _office(self, s: _Subj) -> str:
        return f"{s.city.name}信用办"

    def _accepted_note(self, s: _Subj) -> str:
        # The suspension is 大庆's rule (document 002 四、（五）): said only where it holds.
        return "已受理，异议信息已标注“异议处理中”" + ("，核实期间联合惩戒措施暂不执行" if s.suspends else "")

    def open_objection(self, rec: dict, s: _Subj, *, filed_day: dt.date | None = None, ground: str | None = None,
                       description: str | None = None, status: str | None = None,
                       times: tuple[int, int] | None = None) -> dict:
        """An open objection. Most are filed in the last working days and still within their time
        limit on the seeding day; P_OVERDUE of them were filed earlier and are overdue on purpose."""
        rng = self.rng
        if filed_day is None:
            back = rng.randint(6, 12) if rng.random() < P_OVERDUE else rng.randint(0, 4)
            filed_day = min(max(working_days_before(self.today, back), rec["decision_date"] + ONE_DAY), self.today)
        if ground is None:
            ground, description = rng.choice(OBJECTION_TEXTS[rec["kind"]])
        h, m = times or (rng.randint(8, 16), rng.randint(0, 59))
        filed = _at(filed_day, h, m)
        accepted = filed + dt.timedelta(minutes=rng.randint(30, 240)) if times is None else _at(filed_day, 14, 10)
        verify_day = add_working_days(filed_day, 1)
        if status is None:
            status = "核实中" if verify_day <= self.today and rng.random() < 0.8 else "已受理"
        events = [(filed, "已提交", None, "subject", s.legal_rep or s.name, "通过信用助手提交异议申请"),
                  (accepted, "已受理", None, "staff", self._office(s), self._accepted_note(s))]
        if status == "核实中":
            events.append((_at(verify_day, 10, 5), "核实中", None, "staff", self._office(s),
                           f"已转{rec['agency']}核实"))
        rec.update(display_status="异议处理中", punishment_suspended=s.suspends, status_changed_at=accepted)
        return self._ticket("objection", rec, s, filed=filed, status=status, outcome=None, events=events,
                            due=due_date("objection", filed_day), ground=ground, description=description)

    def revoke(self, rec: dict, s: _Subj, *, via_objection: bool, filed_day: dt.date | None = None,
               ground: str | None = None, description: str | None = None) -> None:
        rng = self.rng
        if via_objection:
            if filed_day is None:
                filed_day = self._uniform_date(rec["decision_date"] + dt.timedelta(days=7),
                                               self.today - dt.timedelta(days=20))
            if ground is None:
                ground, description = rng.choice(OBJECTION_TEXTS["revoked"])
            filed = _at(filed_day, 9, 30)
            done_day = add_working_days(filed_day, 5)
            done = _at(done_day, 15, 0)
            events = [(filed, "已提交", None, "subject", s.legal_rep or s.name, "提交异议申请"),
                      (_at(filed_day, 11, 0), "已受理", None, "staff", self._office(s), self._accepted_note(s)),
                      (_at(add_working_days(filed_day, 1), 10, 0), "核实中", None, "staff", self._office(s),
                       f"已转{rec['agency']}核实"),
                      (done, "已办结", "撤销", "staff", self._office(s), "经数据提供单位核实，信息有误，予以撤销")]
            self._ticket("objection", rec, s, filed=filed, status="已办结", outcome="撤销", events=events,
                         due=due_date("objection", filed_day), ground=ground, description=description)
            rec.update(display_status="已撤销", status_changed_at=done,
                       remark="经异议核实，原公示信息有误，已撤销")
        else:
            day = self._uniform_date(rec["decision_date"] + dt.timedelta(days=10), self.today)
            rec.update(display_status="已撤销", status_changed_at=_at(day, 16, 0),
                       remark=rng.choice(("经行政复议，原行政处罚决定被撤销", "处罚机关依法撤销原行政处罚决定",
                                          "经行政诉讼判决，原行政处罚决定被撤销")))

    def repair(self, rec: dict, s: _Subj, *, filed_day: dt.date, performance: str,
               schedule: tuple[int, int, int] = (1, 2, 5)) -> None:
        """A granted repair: the duties performed in full, the platform's commitment template signed
        (36号's public credit commitment), the materials 国办发〔2025〕22号 asks for."""
        filed = _at(filed_day, 10, 20)
        accept_day = add_working_days(filed_day, schedule[0])
        review_day = add_working_days(filed_day, schedule[1])
        done_day = add_working_days(filed_day, schedule[2])
        done = _at(done_day, 16, 30)
        office = self._office(s)
        events = [(filed, "已提交", None, "subject", s.legal_rep or s.name, "提交信用修复申请并签署信用承诺书"),
                  (_at(accept_day, 9, 30), "已受理", None, "staff", office, "材料齐全，予以受理"),
                  (_at(review_day, 15, 0), "审核中", None, "staff", office, f"已转{rec['agency']}审核"),
                  (done, "已办结", "准予修复", "staff", office, "符合信用修复条件，准予修复，停止公示")]
        self._ticket("repair", rec, s, filed=filed, status="已办结", outcome="准予修复", events=events,
                     due=due_date("repair", filed_day), performance=performance,
                     commitment_text=rules().commitment.text, commitment_agreed_at=filed,
                     evidence="信用承诺书；" + (
                         "罚没款缴款凭证；整改完成的证明" if rec["kind"] == "penalty" else "履行义务的证明材料"))
        rec.update(display_status="已修复停止公示", status_changed_at=done,
                   remark=f"已于{format_cn(done_day)}准予信用修复，停止公示")

    def expire(self, rec: dict) -> None:
        """已到期 from the day after its end of display (licences: after their validity)."""
        end = rec["display_until"] if rec["kind"] != "license" else rec["valid_to"]
        rec.update(display_status="已到期", status_changed_at=_at(end + ONE_DAY, 0, 5))
        if rec["kind"] == "license":
            rec["current_status"] = "有效期届满"

    def _term(self, rec: dict, s: _Subj) -> display_periods.Term:
        """The record's display term, computed once when it was made (status changes do not alter it)."""
        term = self.terms.get(rec["id"])
        return term if term is not None else display_periods.term(self._facts(rec, s))

    def _expire_if_lapsed(self, rec: dict, s: _Subj) -> bool:
        """The one display rule (display_periods.lapsed, on the term already computed): nothing is
        公示中 past its end on the seeding day."""
        if rec["display_status"] in display_periods.PUBLIC_STATUSES and not self._term(rec, s).public_on(self.today):
            self.expire(rec)
            return True
        return False

    # ------------------------------------------------------------------ random records of one subject
    def random_records(self, s: _Subj) -> None:
        rng = self.rng
        if s.is_person:
            for _ in range(1 if rng.random() < 0.8 else 2):
                self._expire_if_lapsed(self.add_list_entry(s, "失信被执行人"), s)
            return
        ind = s.industry
        if ind.licences and rng.random() < P_LICENCE:
            n = 1 if rng.random() < 0.7 or len(ind.licences) == 1 else 2
            for key in rng.sample(ind.licences, n):
                rec = self.add_licence(s, LICENCE_TYPES[key])
                if rec["valid_to"] < self.today:
                    self.expire(rec)
                elif rng.random() < P_LICENCE_REVOKED:
                    day = self._uniform_date(rec["decision_date"] + dt.timedelta(days=30), self.today)
                    rec.update(display_status="已撤销", status_changed_at=_at(day, 16, 0), current_status="已撤销",
                               remark="许可机关依法撤销该行政许可")
        keys, cum = self.violation_cum[ind.key]
        if keys and rng.random() < P_PENALTY:
            for _ in range(self._pick((1, 2, 3), (55, 85, 100))):
                rec = self.add_penalty(s, VIOLATIONS[self._pick(keys, cum)])
                self._penalty_status(rec, s)
        if rng.random() < P_LIST:
            types, cum = self.org_list_cum
            lt = self._pick(types, cum)
            if lt in ("守信红名单", "重大税收违法失信主体") and (s.kind != "company" or
                                                      lt == "守信红名单" and s.penalised):
                lt = "经营异常名录"
            watched = s.city.code == WATCH_REGION
            if lt in ("重点关注名单", "大数据警示名单") and not watched:
                lt = "经营异常名录"  # document 002's lists exist only in 大庆
            if lt == "经营异常名录" and s.kind not in ("company", "coop", "individual"):
                lt = "重点关注名单" if watched else None
            if lt == "大数据警示名单":
                self.warning_chain(s)
            elif lt is not None:
                self._list_status(self.add_list_entry(s, lt), s)

    def warning_chain(self, s: _Subj, day: dt.date | None = None, sectors: tuple[KeySector, ...] | None = None,
                      gaps: tuple[int, ...] | None = None, status: bool = True) -> tuple[list[dict], dict]:
        """重点关注名单 entries in `from_key_sectors` different key sectors, all valid on `day`, then
        the 大数据警示名单 entry of `day` (document 002 四、（六）). Returns (the entries, the warning)."""
        rng = self.rng
        need = rules().lists["大数据警示名单"].from_key_sectors or 3
        day = day or self._recent_date(lo=add_months(self.earliest, WATCH_MONTHS))
        sectors = sectors or tuple(rng.sample(KEY_SECTORS, need))
        gaps = gaps or tuple(rng.randint(10, 90) for _ in sectors)  # days between entries: all within 12 months
        entries, d = [], day
        for sector, gap in zip(sectors, gaps):
            d = _weekday_on_or_before(d - dt.timedelta(days=gap))
            entries.append(self.add_list_entry(s, "重点关注名单", sector=sector, decision=d))
        entries.reverse()
        for rec in entries:  # no objection or repair: they stand behind the warning entry
            self._expire_if_lapsed(rec, s)
        rule = LIST_RULES["大数据警示名单"][0]
        reason = rule.reasons[0].format(sectors="、".join(x.name for x in sectors), k=len(sectors))
        warning = self.add_list_entry(s, "大数据警示名单", decision=day, reason=reason,
                                      remark="转入依据：重点关注名单" + "、".join(r["doc_number"] for r in entries))
        if status:
            self._list_status(warning, s)
        return entries, warning

    def _penalty_status(self, rec: dict, s: _Subj) -> None:
        rng = self.rng
        if self._expire_if_lapsed(rec, s):
            return
        r = rng.random()
        if r < P_OBJECTION:
            if rec["decision_date"] < self.today:
                self.open_objection(rec, s)
            return
        if r < P_OBJECTION + P_REPAIR:
            term = self._term(rec, s)
            # Filed once the minimum period the rules table gives has passed, while still displayed.
            earliest = max(term.repairable_from, rec["decision_date"] + dt.timedelta(days=15))
            latest = min(self.today - dt.timedelta(days=14), term.ends)
            if earliest <= latest:
                filed_day = self._uniform_date(earliest, latest)
                paid = self._uniform_date(rec["decision_date"] + ONE_DAY,
                                          min(filed_day, rec["decision_date"] + dt.timedelta(days=30)))
                what = []
                if rec["fine_amount"] is not None:
                    what.append(f"足额缴纳罚款{_yuan(rec['fine_amount'])}元")
                if rec["confiscation_amount"] is not None:
                    what.append(f"缴纳没收违法所得{_yuan(rec['confiscation_amount'])}元")
                what.append("完成整改并经" + rec["agency"] + "复查合格")
                self.repair(rec, s, filed_day=filed_day, performance=f"已于{format_cn(paid)}" + "，".join(what),
                            schedule=(1, rng.randint(2, 3), rng.randint(4, 7)))
            return
        if r < P_OBJECTION + P_REPAIR + P_REVOKED:
            if rec["decision_date"] <= self.today - dt.timedelta(days=30):
                self.revoke(rec, s, via_objection=rng.random() < 0.6)

    def _list_status(self, rec: dict, s: _Subj) -> None:
        rng = self.rng
        if self._expire_if_lapsed(rec, s):
            return
        lt = rec["list_type"]
        rule = rules().lists[lt]
        if rule.red or lt == "失信被执行人":
            return
        r = rng.random()
        if r < P_OBJECTION:
            if rec["decision_date"] < self.today:
                self.open_objection(rec, s)
        elif r < P_OBJECTION + 2 * P_REPAIR and rule.repairable:  # the lists this platform repairs
            term = self._term(rec, s)
            earliest = (term.repairable_from or rec["decision_date"]) + dt.timedelta(days=10)
            latest = min(self.today - dt.timedelta(days=14), term.ends or self.today)
            if earliest <= latest:
                filed_day = self._uniform_date(earliest, latest)
                self.repair(rec, s, filed_day=filed_day, performance=LIST_PERFORMANCE[lt],
                            schedule=(1, rng.randint(2, 3), rng.randint(4, 7)))

    # ------------------------------------------------------------------ writing
    def take(self) -> list[tuple[sa.Table, list[dict]]]:
        """The rows generated since the last take, in foreign-key order."""
        chunk = [(t, rows) for t, rows in ((Subject.__table__, self.subject_rows), (Record.__table__, self.record_rows),
                                           (Ticket.__table__, self.ticket_rows),
                                           (TicketEvent.__table__, self.event_rows)) if rows]
        self.subject_rows, self.record_rows, self.ticket_rows, self.event_rows = [], [], [], []
        self.terms.clear()
        return chunk

    def pending(self) -> int:
        return max(len(self.subject_rows), len(self.record_rows))


LIST_PERFORMANCE = {
    "严重失信主体名单": "已纠正失信行为，全面履行相关法定义务，列入满一年且未再发生失信行为",
    "重点关注名单": "已纠正失信行为，相关行政处罚决定已全部履行完毕",
    "大数据警示名单": "已纠正失信行为，转入所依据的各项重点关注事项均已整改并履行完毕",
}

OBJECTION_TEXTS = {
    "penalty": (
        ("信息错误", "处罚决定书记载的罚款金额与实际缴纳金额不一致，请核实更正"),
        ("信息错误", "公示的违法事实与处罚决定书不符"),
        ("非本主体", "该处罚对象并非本单位，系名称相近的其他主体"),
        ("已撤销或变更", "该行政处罚决定已经行政复议变更，公示内容未同步更新"),
        ("超过公示期限", "该记录已超过最长公示期限，应停止公示"),
        ("其他", "处罚已履行完毕，对公示内容有异议，申请核实"),
    ),
    "list": (
        ("信息错误", "列入事由与实际情况不符，已按期报送相关材料"),
        ("已撤销或变更", "列入决定已被撤销，名单信息未同步更新"),
        ("其他", "对列入名单有异议，申请核实"),
    ),
    "revoked": (
        ("非本主体", "该处罚当事人为名称相近的其他主体，非本单位"),
        ("信息错误", "公示信息中的统一社会信用代码有误"),
        ("已撤销或变更", "原处罚决定已经行政复议撤销"),
    ),
}


# ------------------------------------------------------------------------------ showcase
class Showcase(NamedTuple):
    name: str
    code: str  # USCC, or the ID number of the natural person
    region: str
    legal_rep: str | None
    industry: str | None
    about: str


SHOWCASE = (
    Showcase("大庆市鸿泰石油技术服务有限公司", "912306047LY7DWQT7J", "230604", "刘志刚", "petro",
             "3 penalties: one under objection (核实中, 大庆's suspension), one displayed and repairable now, "
             "one expired; a licence"),
    Showcase("大庆市金禾餐饮管理有限公司", "91230602YTR8FXXX1E", "230602", "张丽华", "catering",
             "a food-safety penalty repaired (准予修复); 食品经营许可证"),
    Showcase("大庆市恒远建筑工程有限公司", "91230603M99CYUPG8N", "230603", "孙国庆", "build",
             "on 严重失信主体名单 (严重, too early to repair) after a penalty for a work-safety accident"),
    Showcase("大庆市佳诚商贸有限公司", "91230605AF6T43FN9R", "230605", "王海涛", "trade",
             "on 经营异常名录 (routed to the market regulator); a penalty revoked after an objection (撤销)"),
    Showcase("大庆市丰源农业科技股份有限公司", "9123060663XCETLH4P", "230606", "赵春梅", "agri",
             "on 守信红名单 (A-grade taxpayer, never a repair target); 食品生产许可证; no penalties"),
    Showcase("大庆市萨尔图区老李家常菜馆", "92230602J53LL72400", "230602", "李建国", "shop_food",
             "个体工商户: 食品经营许可证 and a 轻微 warning, repairable now"),
    Showcase("赵文强", "230602197810070431", "230602", None, None,
             "natural person on 失信被执行人 (大庆市萨尔图区人民法院; routed to the court)"),
    Showcase("哈尔滨市北辰物流有限公司", "912301032BRRPAG8XX", "230103", "周建军", "logistics",
             "two transport penalties: one too early to repair, one expired; 道路运输经营许可证"),
    Showcase("西安市瀚祺机电设备有限公司", "9161011394K3D18A62", "610113", "马卫东", "machinery",
             "a false-advertising penalty; a 严重 penalty decided under 58号 (the transitional reading)"),
    Showcase("福州市榕兴进出口贸易有限公司", "91350103N4AKP78X5D", "350103", "陈志明", "trade",
             "on 重大税收违法失信主体 (routed to the tax authority) with the tax penalty behind it; "
             "a work-safety penalty"),
    Showcase("厦门市海澄软件科技有限公司", "91350206R4FL1MAX7X", "350206", "林晓峰", "tech",
             "no records at all (a clean result)"),
    Showcase("大庆市龙凤区湖畔社区卫生服务中心", "12230603250E9EBC1T", "230603", "韩淑珍", "med",
             "public institution (12): 医疗机构执业许可证 and a 轻微 warning whose display ends within days"),
    Showcase("大庆市润穗食品有限公司", "912306021CXJNY9W65", "230602", "高振华", "agri",
             "a 严重 food-safety penalty with a five-year 限制从业: displayed as long as the restriction "
             "(总局令第45号第十三条)"),
    Showcase("大庆市泓沣化工产品销售有限公司", "912306045NF3GCD62R", "230604", "孟凡军", "chem",
             "重点关注名单 in three different key sectors, then 大数据警示名单 (document 002 四、（六）)"),
)
# Decided under 58号 (before 36号 took effect on 2026-04-01): the transitional showcase record keeps
# this day while the seeding day allows (it is displayed until 2029-03-16).
TRANSITIONAL_DAY = dt.date(2026, 3, 16)


class ShowcaseRefs(NamedTuple):
    """What docs and tests name in the showcase on a given seeding day: document numbers, decision
    dates and ticket numbers by role (see docs/demo_data.md)."""
    today: dt.date
    docs: dict[str, str]
    decided: dict[str, dt.date]
    tickets: dict[str, str]
    records: dict[str, dict]


def showcase_refs(today: dt.date | None = None) -> ShowcaseRefs:
    """The showcase as `seed(..., today=today)` writes it (the same code, without a database)."""
    today = today or dt.date.today()
    first = dict.fromkeys(("subjects", "records", "tickets", "ticket_events"), 1)
    g = _Generator(FastRandom(0), dt.datetime.now(UTC), 0, first, today)
    records, tickets = _build_showcase(g)
    return ShowcaseRefs(today, {k: r["doc_number"] for k, r in records.items()},
                        {k: r["decision_date"] for k, r in records.items()},
                        {k: t["ticket_no"] for k, t in tickets.items()}, records)


def _build_showcase(g: _Generator) -> tuple[dict[str, dict], dict[str, dict]]:
    """The fixed subjects: same names and codes for every seed and size, their records dated back
    from the seeding day by fixed offsets, so each still shows what docs/demo_data.md says.
    Returns the records and tickets by role (ShowcaseRefs)."""
    fixed = FastRandom("xinyong-demo-showcase")  # only for legal-rep ID numbers and phone-like filler
    saved_rng, g.rng = g.rng, fixed
    today = g.today

    def ago(days: int) -> dt.date:  # a working day about `days` before the seeding day
        return _weekday_on_or_before(today - dt.timedelta(days=days))

    def months_ago(months: int) -> dt.date:
        return _weekday_on_or_before(add_months(today, -months))

    def cn(d: dt.date, days_before: int) -> str:  # a date in the facts, before the decision
        return format_cn(d - dt.timedelta(days=days_before))

    subj = []
    for sc in SHOWCASE:
        if sc.legal_rep is None:
            s = g.add_subject(name=sc.name, stype="自然人", region=sc.region, kind="person", industry=None,
                              id_number=sc.code)
        else:
            prefix = sc.code[:2]
            s = g.add_subject(name=sc.name, stype="个体工商户" if prefix == "92" else "法人及非法人组织",
                              region=sc.region, kind={"91": "company", "92": "individual", "12": "public"}[prefix],
                              industry=sc.industry, uscc=sc.code, legal_rep=sc.legal_rep,
                              reg_no=prefix in ("91", "92"),
                              legal_rep_id=make_id_number(fixed, sc.region, fixed.randint(1962, 1988)))
        subj.append(s)
    (hongtai, jinhe, hengyuan, jiacheng, fengyuan, laoli, zhao, beichen, hanqi, rongxing, _haicheng, hupan,
     runsui, hongfeng) = subj
    V, L = VIOLATIONS, LICENCE_TYPES
    rec, tix = {}, {}

    # 1. 大庆市鸿泰石油技术服务有限公司
    day = months_ago(32)
    rec["licence"] = g.add_licence(hongtai, L["pollutant"], decision=day, doc=f"庆环许〔{day.year}〕86号",
                                   number=hongtai.code + "001V",
                                   content="行业类别：石油和天然气开采专业及辅助性活动；主要污染物类别：废气、废水")
    day = ago(81)
    rec["objection"] = p = g.add_penalty(
        hongtai, V["e_air_exceed"], option=V["e_air_exceed"].options[0], decision=day,
        doc=f"庆环罚〔{day.year}〕37号", fine=Decimal("12"), tier_stated=True,
        facts=f"{cn(day, 26)}，执法人员对当事人燃气加热炉排放口进行监测，氮氧化物排放浓度为312.6mg/m³，"
              "超过《锅炉大气污染物排放标准》规定的200mg/m³排放限值。")
    tix["objection"] = g.open_objection(
        p, hongtai, filed_day=working_days_before(today, 2), ground="信息错误", status="核实中", times=(9, 42),
        description="处罚决定书认定的超标排放时段与我公司在线监测数据不一致，已提交监测记录，请核实更正")
    day = months_ago(5)
    rec["displayed"] = g.add_penalty(
        hongtai, V["s_training"], option=V["s_training"].options[0], decision=day,
        doc=f"庆应急罚〔{day.year}〕21号", fine=Decimal("2.5"), tier_stated=False,
        facts=f"{cn(day, 29)}现场检查发现，当事人3名从业人员未经安全生产教育和培训即上岗作业。")
    day = months_ago(43)
    rec["expired"] = p = g.add_penalty(
        hongtai, V["m_special_equip"], option=V["m_special_equip"].options[0], decision=day, agency_kind="market",
        doc=f"庆市监罚字〔{day.year}〕第208号", fine=Decimal("3"), tier_stated=True,
        facts=f"经查，当事人使用的2台叉车超过定期检验有效期，于{cn(day, 36)}检查时仍在使用。")
    g._expire_if_lapsed(p, hongtai)

    # 2. 大庆市金禾餐饮管理有限公司
    day = months_ago(20)
    rec["jinhe_licence"] = g.add_licence(jinhe, L["food_trade"], decision=day, doc=f"庆萨市监食许〔{day.year}〕117号",
                                         number="JY22306020011738", content="热食类食品制售；冷食类食品制售")
    day = months_ago(10)
    rec["repaired"] = p = g.add_penalty(
        jinhe, V["m_food_expired"], option=V["m_food_expired"].options[0], decision=day, agency_kind="market",
        doc=f"庆市监罚字〔{day.year}〕第15号", fine=Decimal("5"), confiscation=Decimal("0.0356"), tier_stated=True,
        facts=f"经查，当事人于{cn(day, 34)}在其经营场所销售超过保质期的酱卤肉制品共12件，货值金额480元，违法所得356元。")
    g.repair(p, jinhe, filed_day=months_ago(6), schedule=(1, 2, 5),
             performance=f"已于{cn(day, -18)}足额缴纳罚款50,000.00元及没收违法所得356.00元，过期食品已全部下架销毁，"
                         "并建立临期食品检查制度")
    tix["repair"] = g.ticket_rows[-1]

    # 3. 大庆市恒远建筑工程有限公司
    day = months_ago(31)
    g.add_licence(hengyuan, L["construction"], decision=day, doc=f"庆建施许〔{day.year}〕215号",
                  number=f"230603{day:%Y%m%d}0101", content="龙凤区湖畔花园3号楼新建工程；建设规模12,600平方米")
    day = months_ago(5)
    rec["accident"] = g.add_penalty(
        hengyuan, V["s_accident"], option=V["s_accident"].options[0], decision=day,
        doc=f"庆应急罚〔{day.year}〕96号", fine=Decimal("60"), tier_stated=True,
        facts=f"{cn(day, 80)}，当事人承建的龙凤区湖畔花园3号楼项目发生一起高处坠落事故，造成1人死亡，"
              "经调查认定当事人对事故发生负有责任。")
    day = months_ago(4)
    rec["serious_list"] = g.add_list_entry(
        hengyuan, "严重失信主体名单", rule=LIST_RULES["严重失信主体名单"][1], decision=day,
        doc=f"庆应急严失〔{day.year}〕3号", reason="发生生产安全事故，造成1人死亡，对事故发生负有责任，被认定为安全生产严重失信主体")

    # 4. 大庆市佳诚商贸有限公司
    day = ago(40)
    rec["abnormal"] = g.add_list_entry(
        jiacheng, "经营异常名录", decision=day, doc=f"庆红市监异字〔{day.year}〕第42号",
        reason=f"未依照《企业信息公示暂行条例》第八条规定的期限公示{day.year - 1}年度年度报告")
    day = months_ago(4)
    rec["revoked"] = p = g.add_penalty(
        jiacheng, V["u_waste"], option=V["u_waste"].options[0], decision=day, doc=f"庆城管罚〔{day.year}〕58号",
        fine=Decimal("0.5"), tier_stated=False,
        facts=f"{cn(day, 23)}检查发现，当事人将建筑垃圾约6立方米倾倒于铁人大道路旁空地。")
    g.revoke(p, jiacheng, via_objection=True, filed_day=_weekday_on_or_before(day + dt.timedelta(days=21)),
             ground="非本主体", description="该处罚当事人为名称相近的同名个体工商户，非本公司")
    tix["revoked"] = g.ticket_rows[-1]

    # 5. 大庆市丰源农业科技股份有限公司
    day = months_ago(7)
    rec["red"] = g.add_list_entry(fengyuan, "守信红名单", rule=LIST_RULES["守信红名单"][0], decision=day,
                                  doc=f"庆税信〔{day.year}〕5号",
                                  reason=f"{day.year - 3}—{day.year - 1}年度连续三年纳税信用评价为A级")
    day = months_ago(15)
    g.add_licence(fengyuan, L["food_prod"], decision=day, doc=f"庆市监食产许〔{day.year}〕33号",
                  number="SC10123060600331", content="粮食加工品（大米）")

    # 6. 大庆市萨尔图区老李家常菜馆
    day = months_ago(30)
    g.add_licence(laoli, L["food_trade"], decision=day, doc=f"庆萨市监食许〔{day.year}〕268号",
                  number="JY22306020026871", content="热食类食品制售")
    day = ago(24)
    rec["warning"] = g.add_penalty(
        laoli, V["m_food_check"], option=V["m_food_check"].options[0], decision=day, agency_kind="market_d",
        doc=f"庆萨市监罚〔{day.year}〕103号", tier_stated=True,
        facts=f"经查，当事人于{cn(day, 34)}购进牛肉时未查验供货者的许可证和动物检疫合格证明，未如实记录进货查验信息。")

    # 7. 赵文强 (natural person)
    day = months_ago(13)
    rec["court"] = g.add_list_entry(zhao, "失信被执行人", decision=day, doc=f"({day.year})黑0602执1234号",
                                    reason="有履行能力而拒不履行生效法律文书确定义务",
                                    remark=f"执行依据：({day.year})黑0602民初567号民事判决书；执行标的：人民币86,000元")

    # 8. 哈尔滨市北辰物流有限公司
    day = months_ago(34)
    g.add_licence(beichen, L["road"], decision=day, doc=f"哈交运许〔{day.year}〕402号",
                  number="黑交运管许可哈字230103004021号", content="道路普通货物运输")
    day = ago(33)
    rec["too_early"] = g.add_penalty(
        beichen, V["tr_overload"], option=V["tr_overload"].options[0], decision=day,
        doc=f"哈交执罚〔{day.year}〕233号", fine=Decimal("1.5"), tier_stated=False,
        facts=f"经查，当事人于{cn(day, 36)}指使驾驶人驾驶车辆黑A7Q2K9超限运输货物，超限38%。")
    day = months_ago(16)
    rec["lapsed"] = p = g.add_penalty(
        beichen, V["tr_overload"], option=V["tr_overload"].options[0], decision=day,
        doc=f"哈交执罚〔{day.year}〕517号", fine=Decimal("0.8"), tier_stated=True,
        facts=f"经查，当事人于{cn(day, 23)}指使驾驶人驾驶车辆黑A3M8P1超限运输货物，超限21%。")
    g._expire_if_lapsed(p, beichen)

    # 9. 西安市瀚祺机电设备有限公司
    day = months_ago(7)
    rec["false_ad"] = g.add_penalty(
        hanqi, V["m_ad_false"], option=V["m_ad_false"].options[0], decision=day, agency_kind="market",
        doc=f"西市监罚〔{day.year}〕45号", fine=Decimal("8"), tier_stated=False,
        facts=f"经查，当事人自{cn(day, 110)}起在其微信公众号发布含有“节能百分之五十”“零故障”等内容的广告，"
              "广告内容与实际情况不符，广告费用16,000元。")
    day = min(TRANSITIONAL_DAY, ago(60))
    rec["transitional"] = g.add_penalty(
        hanqi, V["e_water"], option=V["e_water"].options[1], decision=day, doc=f"西环罚〔{day.year}〕12号",
        fine=Decimal("30"), tier_stated=True,
        facts=f"{cn(day, 40)}现场检查发现，当事人通过暗管将生产废水直接排入市政雨水管网，逃避监管。" + SERIOUS)
    g._expire_if_lapsed(rec["transitional"], hanqi)

    # 10. 福州市榕兴进出口贸易有限公司
    day = months_ago(9)
    rec["evasion"] = g.add_penalty(
        rongxing, V["t_evasion"], option=V["t_evasion"].options[0], decision=day, doc=f"榕税稽罚〔{day.year}〕18号",
        fine=Decimal("186.4"), tier_stated=True,
        facts=f"经检查，当事人{day.year - 1}年度通过账外经营、隐匿收入方式少缴增值税、企业所得税等税款合计3,728,000元。")
    day = _weekday_on_or_before(day + dt.timedelta(days=14))
    rec["tax_list"] = g.add_list_entry(rongxing, "重大税收违法失信主体", decision=day, doc=rec["evasion"]["doc_number"],
                                       reason="偷税数额100万元以上且占各税种应纳税总额10%以上")
    day = months_ago(4)
    rec["hazard"] = g.add_penalty(
        rongxing, V["s_hazard"], option=V["s_hazard"].options[0], decision=day, doc=f"榕应急罚〔{day.year}〕8号",
        fine=Decimal("5"), tier_stated=False,
        facts=f"{cn(day, 43)}现场检查发现，当事人仓库存在易燃易爆物品未分类存放等事故隐患，未采取措施消除。")

    # 12. 大庆市龙凤区湖畔社区卫生服务中心 (11, 厦门市海澄软件科技有限公司, has no records)
    day = months_ago(40)
    g.add_licence(hupan, L["medical"], decision=day, doc=f"庆卫医许〔{day.year}〕12号",
                  number=hupan.code[8:17] + "23060311A1002", content="预防保健科；全科医疗科；中医科")
    day = _weekday_on_or_before(add_months(today + dt.timedelta(days=5), -3))  # 轻微: shown 3 months
    rec["ending_soon"] = g.add_penalty(
        hupan, V["h_waste"], option=V["h_waste"].options[0], decision=day, doc=f"庆卫医罚〔{day.year}〕19号",
        tier_stated=True,
        facts=f"{cn(day, 26)}检查发现，当事人未将医疗废物按照类别分置于专用包装物或者容器，损伤性废物与感染性废物混放。")

    # 13. 大庆市润穗食品有限公司
    day = months_ago(14)
    rec["restriction"] = g.add_penalty(
        runsui, V["m_food_ban"], option=V["m_food_ban"].options[0], decision=day, agency_kind="market",
        doc=f"庆市监罚字〔{day.year}〕第77号", fine=Decimal("12"), confiscation=Decimal("0.235"),
        tier_stated=True, cert="food_prod",
        facts=f"经查，当事人于{cn(day, 52)}加工销售的速冻水饺经抽样检验检出非食用物质，货值金额6,800元，"
              "违法所得2,350元，情节严重。")

    # 14. 大庆市泓沣化工产品销售有限公司
    watch, rec["big_data"] = g.warning_chain(
        hongfeng, day=ago(30), gaps=(35, 60, 75), status=False,
        sectors=tuple(KEY_SECTOR_BY_NAME[n] for n in ("生态环境", "安全生产", "税收")))
    for i, entry in enumerate(watch, 1):
        rec[f"watch{i}"] = entry

    g.rng = saved_rng
    g.reserved_docs.update(r["doc_number"] for r in g.record_rows)
    return rec, tix


# ------------------------------------------------------------------------------ public API
def has_subjects(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(Subject.__table__.c.id).limit(1)).first() is not None


def _max_id(conn, table: sa.Table) -> int:
    return conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0


# From this many subjects on (Linux) the rows are generated in a forked process while this one writes:
# the generation and the database work (both CPU-bound) then run on two cores. Same rows either way.
PARALLEL_MIN_SUBJECTS = 20000


def seed(engine, subjects: int = DEFAULT_SUBJECTS, seed: int = DEFAULT_SEED,
         progress: bool = False, today: dt.date | None = None) -> dict[str, int]:
    """Write `subjects` demo subjects (at least the showcase) with their records and tickets, dated
    back from `today` (the seeding day; date.today() unless given).

    Refuses a database that already has subjects (DemoDataError): the showcase codes are fixed and
    would collide. Returns counts: subjects, natural persons, penalties, licenses, list entries,
    objections, repairs, ticket events.
    """
    if has_subjects(engine):
        raise DemoDataError("数据库已有主体数据，演示数据只写入空库 (the database already has subjects)")
    total = max(int(subjects), len(SHOWCASE))
    now = dt.datetime.now(UTC)
    today = today or dt.date.today()
    with engine.begin() as conn:
        with bulk_session_settings(conn):
            stats = _write_all(conn, total, seed, now, progress, today)
    return stats


def _write_all(conn, total: int, seed: int, now: dt.datetime, progress: bool, today: dt.date) -> dict[str, int]:
    tables = {"subjects": Subject.__table__, "records": Record.__table__, "tickets": Ticket.__table__,
              "ticket_events": TicketEvent.__table__}
    batch_id = conn.execute(ImportBatch.__table__.insert().values(
        kind="demo", file_name=f"demo:seed={seed},subjects={total},today={today.isoformat()}", strict=False,
        started_at=now,
        imported=0, updated=0, unchanged=0, rejected=0, actor="xinyong db seed-demo")).inserted_primary_key[0]
    first_ids = {name: _max_id(conn, t) + 1 for name, t in tables.items()}
    writer = BulkWriter(conn.dialect)
    g = _Generator(FastRandom(seed), now, batch_id, first_ids, today)
    parallel = total >= PARALLEL_MIN_SUBJECTS and sys.platform.startswith("linux")
    messages = _forked(g, writer, total) if parallel else _chunks(g, writer, total)
    from tqdm import tqdm

    try:
        with tqdm(total=total, unit="subjects", desc="演示数据 demo data", file=sys.stderr, disable=not progress,
                  mininterval=0.5) as bar:
            for prepared, done, final in messages:
                writer.execute(conn, prepared)
                bar.update(done)
    finally:
        messages.close()  # stops a forked generator if writing failed
    stats, ticket_days = final
    _write_counters(conn, ticket_days)
    records = stats["penalties"] + stats["licenses"] + stats["list entries"]
    conn.execute(ImportBatch.__table__.update().where(ImportBatch.__table__.c.id == batch_id).values(
        finished_at=dt.datetime.now(UTC), imported=records))
    if conn.dialect.name == "postgresql":
        for name in tables:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)")
    return stats


def _chunks(g: _Generator, writer: BulkWriter, total: int):
    """(prepared rows, subjects done, final state or None) chunk by chunk, the showcase first."""
    _build_showcase(g)
    done = len(SHOWCASE)
    for _ in range(total - len(SHOWCASE)):
        g.random_records(g.random_subject())
        done += 1
        if g.pending() >= CHUNK_ROWS:
            yield writer.prepare(g.take()), done, None
            done = 0
    yield writer.prepare(g.take()), done, (dict(g.stats), dict(g.ticket_days))


def _generate_into(queue_, g: _Generator, writer: BulkWriter, total: int, parent: int) -> None:
    """The forked generator: everything _chunks yields goes through the queue, then ("end",).

    Gives up if the writing process has gone (a full queue would otherwise block it for ever).
    """
    def put(item) -> None:
        while True:
            try:
                queue_.put(item, timeout=1)
                return
            except queue.Full:
                if os.getppid() != parent:
                    raise SystemExit(1) from None

    try:
        for message in _chunks(g, writer, total):
            put(("chunk", message))
        put(("end", None))
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - reported to the writing process, which raises it
        put(("error", DemoDataError(f"demo data generation failed: {exc!r}")))


def _forked(g: _Generator, writer: BulkWriter, total: int):
    """Start _chunks in a forked child; return an iterator over what it sends.

    The child inherits the open connection but never touches it (it only generates and pickles)
    and leaves through os._exit, so nothing of the parent's transaction is closed or flushed there.
    It is started before the progress bar, so no helper thread exists at the fork.
    """
    normalize_name("预热")  # load OpenCC here, so the child imports nothing after the fork
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(maxsize=4)
    child = ctx.Process(target=_generate_into, args=(q, g, writer, total, os.getpid()), name="xinyong-demo-data",
                        daemon=True)
    child.start()
    return _received(q, child)


def _received(q, child):
    try:
        while True:
            try:
                kind, payload = q.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise DemoDataError(f"demo data generator exited with code {child.exitcode}") from None
                continue
            if kind == "error":
                raise payload
            if kind == "end":
                break
            yield payload
        child.join()
    finally:
        if child.is_alive():
            child.terminate()
            child.join()


def _write_counters(conn, days: dict[tuple[str, dt.date], int]) -> None:
    """ticket_counters: last_no per (prefix, day) at least the highest number the demo tickets use."""
    t = TicketCounter.__table__
    existing = {(r.prefix, r.day): r.last_no for r in conn.execute(sa.select(t.c.prefix, t.c.day, t.c.last_no))}
    inserts = []
    for (prefix, day), last in sorted(days.items()):
        if (prefix, day) in existing:
            if existing[(prefix, day)] < last:
                conn.execute(t.update().where(t.c.prefix == prefix, t.c.day == day).values(last_no=last))
        else:
            inserts.append({"prefix": prefix, "day": day, "last_no": last})
    if inserts:
        conn.execute(t.insert(), inserts)
