"""Reading a form answer from what the user typed: grounds, ordinals, phones, names, consent,
cancellation and labelled corrections ("不对，联系人改成王五"), in Chinese and in plain English
("the amount is wrong", "the second one", "contact name: Wang Wu").

Pure functions on the NLU's normalised (Simplified, half-width) text; no database, no Rasa.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from actions.services.textnorm import clean_text, to_simplified
from actions.services.workflow_rules import rules

_CANCEL = re.compile(
    r"^(算了|取消|不办了|不申请了|不提了|不弄了|不搞了|放弃|退出|不用了|不要了|先不|不想办了|撤回|不填了|不想弄了|"
    r"cancel|quit|stop|never ?mind|forget it|give up|abort)|取消(申请|异议|修复|办理|提交|本次)|不(办|申请|提|弄|搞|填|要)了|算了|"
    r"\bdon'?t want to (?:apply|file|continue|go on)\b",
    re.I)

# Order matters: the more specific grounds first ("代码不是我们的" is 非本主体, not 信息错误).
_GROUND_WORDS = (
    ("非本主体", r"不是(我们|我|本公司|本单位|本店|我司|我家|本人)|非本|别人的|别家|其他公司|其他单位|另一家|重名|同名|"
               r"冒用|冒名|与我们无关|跟我们没关系|和我们没关系|张冠李戴|不是同一|"
               r"\bnot (?:ours|us|mine|our (?:company|business|record|penalty))\b|someone else|another (?:company|business)|"
               r"different (?:company|business)|same name|nothing to do with us"),
    ("已撤销或变更", r"撤销|撤消|已撤|变更|复议|改判|撤回|诉讼|已经改|被纠正|已更改|"
                 r"revoked|overturned|withdrawn|annulled|cancell?ed by|changed|reconsideration|appeal"),
    ("超过公示期限", r"公示期|期限|过期|期满|超期|到期|早该|还挂着|还在公示|时间太长|太久|该撤下|应该下架|"
                 r"expired|display period|too long|out of date|outdated|should (?:have been|be) (?:removed|taken down)"),
    ("信息错误", r"错误|有误|写错|错了|不准确|不对|不符|登记错|录错|搞错|弄错|误|不实|不真实|有出入|数字不对|金额|"
              r"wrong|incorrect|\berror|mistake|inaccurate|not (?:right|true|correct)|amount"),
    ("其他", r"^其他|^其它|别的原因|其他原因|其它原因|^other\b|another reason|something else"),
)
_GROUND_PATTERNS = tuple((g, re.compile(p, re.I)) for g, p in _GROUND_WORDS)

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ORDINAL = re.compile(r"^(?:第)?\s*([0-9]{1,2}|[一二两三四五六七八九十])\s*(?:条|个|项|份|家|号)?(?:吧|的|记录)?$")

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 020-029 have three digits, all others (0311, 0459 ...) four; so '(010)12345678'
# and '01012345678' are 010-12345678, not 0101-2345678.
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d\d)-?(\d{7,8})(?:-(\d{1,6}))?$")

_NAME_LEAD = re.compile(r"^(?:联系人|联络人|姓名|名字|我叫|我是|叫|找|本人|"
                        r"(?:my name is|(?:the )?contact (?:person|name)(?: is)?|contact(?: is)?|name(?: is)?|"
                        r"i am|i'm|this is|ask for)\b)\s*(?:是|叫|为|:|：)?\s*", re.I)
_NAME_TAIL = re.compile(r"(?:就行|就可以|就好|吧|即可|please)$", re.I)
_NAME_OK = re.compile(r"^[\u4e00-\u9fffA-Za-z·.\s]{2,30}$")

_YES = re.compile(r"^(确认|对|是|是的|没错|没问题|正确|好|好的|可以|行|提交|嗯|ok|yes|确定|confirm|correct|right|sure|"
                  r"submit|go ahead|yep|yeah|all good|looks good|that'?s right|no problem)|确认(提交|无误)|都对|没问题|提交吧",
                  re.I)
_NO = re.compile(r"不对|不是|有误|错了|不正确|要改|修改|改一下|no\b(?!\s*problem)|\bwrong\b|not right|incorrect|"
                 r"\bchange\b|\bedit\b|\bcorrect (?:the|my|it)\b", re.I)
_CONSENT_NO = re.compile(r"不同意|不承诺|不接受|拒绝|不签|不愿意|disagree|(?:do not|don'?t|not|won'?t|cannot|can'?t) "
                         r"(?:agree|accept|commit|promise|sign)|refuse", re.I)
_CONSENT_YES = re.compile(r"同意|承诺|接受|agree|愿意|签署|\bcommit|promise|undertake|\baccept|consent", re.I)
_NOTHING = re.compile(r"^(没有|无|暂无|没|还没有|暂时没有|没有材料|无材料|没有证据|none|no|nothing|n/?a|no evidence|"
                      r"no documents?|none at all|(?:i|we) (?:have|got) (?:none|nothing)|(?:i|we) don'?t have any)"
                      r"[。.!！]?$", re.I)

# "联系人改成王五" / "电话是…" / "理由改为非本主体": a field named, then its new value.
_SET = r"\s*(?:(?:改一下|改下|修改为|改成|改为|换成|应该是|应为|更正为|更改为|写成|是|为)\s*[:：]?|[:：])\s*"
# English: only words that cannot be part of a description ("contact name: Wang Wu", "ground: other").
_SET_EN = r"\s*(?:(?:is|to|should be|as)\s+|[:：]\s*)"
_LABELLED = (
    ("contact_name", re.compile(r"(?:联系人|联络人|姓名|名字)" + _SET + r"(?P<v>[^，,。；;\d]{2,20})")),
    ("contact_name", re.compile(r"\bcontact(?: person| name)?" + _SET_EN + r"(?P<v>[A-Za-z·.\s]{2,30})", re.I)),
    ("objection_ground", re.compile(r"\bground" + _SET_EN + r"(?P<v>.{2,})", re.I)),
    ("objection_ground", re.compile(r"(?:理由|原因|异议类型|异议理由)" + _SET + r"(?P<v>.{2,})")),
    ("objection_description", re.compile(r"(?:描述|说明|情况说明|具体情况|异议内容)" + _SET + r"(?P<v>.{2,})")),
    ("objection_evidence", re.compile(r"(?:证据|证明材料|材料)" + _SET + r"(?P<v>.{1,})")),
    ("repair_performance", re.compile(r"(?:履行情况|整改情况)" + _SET + r"(?P<v>.{2,})")),
)


def is_cancel(text: str) -> bool:
    text = text.strip()
    return bool(text) and len(text) <= 30 and bool(_CANCEL.search(text))


def ground_of(text: str) -> str | None:
    text = text.strip()
    grounds = rules().grounds
    if text.isdigit() and 1 <= int(text) <= len(grounds):
        return grounds[int(text) - 1]
    for ground in grounds:
        if ground in text:
            return ground
    typed = text.lower().strip(" .!")
    for ground, english in zip(grounds, rules().grounds_en):  # a button's title typed back
        if english.lower() == typed:
            return ground
    for ground, pattern in _GROUND_PATTERNS:
        if pattern.search(text):
            return ground
    return None


_EN_ORDINALS = {"first": 1, "one": 1, "second": 2, "two": 2, "third": 3, "three": 3, "fourth": 4, "four": 4,
                "fifth": 5, "five": 5, "sixth": 6, "six": 6, "seventh": 7, "seven": 7, "eighth": 8, "eight": 8,
                "ninth": 9, "nine": 9, "tenth": 10, "ten": 10}
_ORDINAL_EN = re.compile(r"^(?:the\s+)?(?:number\s+|no\.?\s*|#)?(\d{1,2}|" + "|".join(_EN_ORDINALS) + r")"
                         r"(?:st|nd|rd|th)?(?:\s+(?:one|record|entry|item))?(?:\s+please)?[.!]?$", re.I)


def ordinal(text: str) -> int | None:
    """1 for '1', '第一条', '第1个', '一', 'the first one', '#1'; None otherwise."""
    m = _ORDINAL.match(text.strip())
    if not m:
        m = _ORDINAL_EN.match(text.strip())
        if not m:
            return None
        value = m.group(1).lower()
        return int(value) if value.isdigit() else _EN_ORDINALS[value]
    value = m.group(1)
    return int(value) if value.isdigit() else _CN_DIGITS[value]


@dataclass(frozen=True)
class PhoneCheck:
    valid: bool
    value: str  # canonical: 13912345678 or 0459-4567890(-123)


def check_phone(text: str) -> PhoneCheck:
    s = re.sub(r"[\s()（）]", "", text or "").replace("—", "-").replace("－", "-")
    s = re.sub(r"^(\+?86-?)", "", s)
    if _MOBILE.match(s):
        return PhoneCheck(True, s)
    m = _LANDLINE.match(s)
    if m:
        return PhoneCheck(True, f"{m.group(1)}-{m.group(2)}" + (f"-{m.group(3)}" if m.group(3) else ""))
    return PhoneCheck(False, s)


_PHONE_RUN = re.compile(r"\+?[\d(（][\d\s\-()（）—－]{3,}\d")


def phone_in(text: str) -> PhoneCheck | None:
    """The first valid phone number in a message ("电话 0459 4567890 上班时间打"), else the longest
    digit run as an invalid check, else None when the message holds no number at all."""
    runs = _PHONE_RUN.findall(text or "")
    for run in runs:
        check = _phone_in_run(run)
        if check:
            return check
    return check_phone(max(runs, key=len)) if runs else None


def _phone_in_run(run: str) -> PhoneCheck | None:
    """The run as one number, else the longest stretch of its space-separated groups that is one:
    a number written next to another ('13912345678 3点后打', '房间 203 0459 4567890')."""
    groups = run.split()
    # the whole run, then stretches of at most four groups ('+86 139 1234 5678'), longest first
    for size in [len(groups)] + list(range(min(4, len(groups) - 1), 0, -1)):
        for i in range(len(groups) - size + 1):
            check = check_phone(" ".join(groups[i:i + size]))
            if check.valid:
                return check
    return None


def contact_name_of(text: str) -> str | None:
    s = _NAME_TAIL.sub("", _NAME_LEAD.sub("", text.strip())).strip(" ，,。.！!")
    return s if _NAME_OK.match(s) and not is_cancel(s) else None


def yes_no(text: str, intent: str | None) -> bool | None:
    """True for a confirmation, False for 'not right', None when the message is neither."""
    text = text.strip()
    if _NO.search(text):
        return False
    if intent == "affirm" or _YES.search(text):
        return True
    if intent == "deny":
        return False
    return None


def consent(text: str, intent: str | None) -> bool | None:
    """An explicit agreement to the credit commitment: '同意', '我承诺'; a bare '好' is not enough."""
    if _CONSENT_NO.search(text) or (intent == "deny" and not _CONSENT_YES.search(text)):
        return False
    if _CONSENT_YES.search(text):
        return True
    return None


def nothing(text: str) -> bool:
    return bool(_NOTHING.match(text.strip()))


def labelled(text: str) -> dict[str, str]:
    """Fields the message names explicitly, with their new values (grounds mapped to the list)."""
    found: dict[str, str] = {}
    for field, pattern in _LABELLED:
        m = None if field in found else pattern.search(text)
        if not m:
            continue
        value = m.group("v").strip(" ，,。.")
        if field == "objection_ground":
            value = ground_of(value) or ""
        elif field == "contact_name":
            value = contact_name_of(value) or ""
        if value:
            found[field] = value
    return found


def meaningful(text: str, minimum: int = 2) -> bool:
    """At least `minimum` letters or Han characters: not just punctuation or '嗯'."""
    return len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", text)) >= minimum


_QUESTION = re.compile(r"[?？]|吗|么|怎么|如何|多久|多长|什么|哪些|能不能|可不可以|是否")


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


# ---------------------------------------------------------------- has the penalty been performed?
# The repair form asks whether the fine is paid in full and the rectification done (36号: the duties
# fully performed). Three answers, named as services.eligibility names them; anything else is None
# and asked again. Typos seen in real answers are part of the patterns (缴请, 交玩, 整该, 以经, 缴那).
PERFORMED, NOT_YET, INSTALMENTS = "yes", "no", "instalments"

_DUTY = (r"(?:交|缴|付|还清|还完|结清|整改|整该|改正|纠正|履行|完成|做完|做好|弄完|弄好|搞完|搞好|搞定|办完|办好|"
         r"到位|落实|(?:做|弄|搞|办)(?!法))")
# Said instead of an answer: asked again, never read as yes.
_UNSURE = re.compile(r"不确定|不知道|不清楚|说不好|记不清|不记得|忘了|好像|可能|大概|也许|应该|估计|差不多|"
                     r"[?？]|吗$|not sure|don'?t know|maybe|probably", re.I)
# Nothing ordered ("没有整改要求", "没有罚款", "只是警告"): taken out before reading, so that it is not
# read as "没有整改"; on its own it is no answer (the question names the button for it).
_NOTHING_OWED = re.compile(r"(?:没有|没|无|不需要|不用|无需|不涉及)(?:要求)?(?:整改|改正)(?:要求|任务)|"
                           r"(?:无需|不需要|不用)(?:整改|改正)|(?:没有|没|无|不涉及)罚款(?!要?(?:交|缴))|"
                           r"(?:不用|无需|不需要|不必)(?:交|缴)(?:罚款)?|(?:只是|只有|仅是?|仅为)(?:警告|通报批评)")
_INSTALMENT = re.compile(r"分期|分批|分次|分[两二三四五六七八九十几多\d]+(?:期|次|批|个月)|按月|每个?月|月供|"
                         r"instal+ments?|monthly|payment plan", re.I)
_ONGOING = re.compile(r"(?:还|仍|正)在(?:交|缴|付|还)|在(?:交|缴)着|(?:交|缴)着呢|(?:付款|缴款|缴纳|交纳|还款|缴费|分期)中|"
                      r"still paying|paying off|being paid", re.I)
_PARTIAL = re.compile(r"一半|一部分|部分|还差|还欠|欠着|拖欠|剩(?:下|余)|(?:交|缴|付)不(?:起|了|上)|没钱|"
                      r"partly|partially|part of", re.I)
_NOT_YET = re.compile(
    r"(?:没|未|没有|还没|尚未|还未|没能|不曾)(?:有)?(?:全部|完全|都|全)?(?:把|将)?(?:罚款|罚金|钱)?" + _DUTY + "|"
    # the duty first, then the negation: "罚款还没", "整改也没", "钱都没"
    r"(?:罚款|罚金|罚没款|钱|整改|整该|义务)(?:还|也|都|仍)?(?:没|未|尚未|没有)(?!问题)|"
    r"(?:还在|正在|仍在|还得|还要|还需)(?:整改|改|做|弄|搞|办|处理)|整改中|不(?:交|缴|付|整改|履行)|"
    r"^(?:没|没有|没呢|还没|还没有|还没呢|否|不是|未|尚未|不)[啊呀呢哦吧嘛。.!！~]*$|"
    r"not yet|not paid|unpaid|not done|not finished|not completed|haven'?t|hasn'?t|have not|has not|outstanding|"
    r"^(?:no|nope|not)\b(?! problem)", re.I)
_DONE = re.compile(
    r"(?:交|缴|付|还|结)(?:完|清|请|齐|玩|过了|掉了)|"
    r"(?:已|已经|以经|都|全|全部|早就|早已|早|足额|全额|按时)(?:经)?"
    r"(?:交|缴|付|缴纳|交纳|上缴|补缴|缴那|结清|整改|履行|完成|改正|改好|办好|弄好)|"
    r"(?:交|缴|缴纳|交纳|付|上缴|补缴|缴那)了|(?:整改|整该)(?:完|好|到位|结束|完成|完毕|了|过了)|改(?:好|完|正)了|"
    r"(?:弄|搞|办|做|处理)(?:好|完|妥)|搞定|履行(?:完|了|完毕)|全部履行|都(?:好|完)了|完成了|"
    r"fully paid|paid in full|paid off|all paid|\bpaid\b|all done|\bdone\b|completed?\b|fulfil+ed|settled", re.I)
_BARE_YES = re.compile(r"^(?:是|是的|对|对的|是啊|对啊|嗯是的|yes|yep|yeah)[。.!！~]*$", re.I)
_ABOUT_DUTIES = re.compile(r"罚款|罚金|罚没|整改|整该|缴|交|付款|履行|分期|义务|fine|paid|pay|instal", re.I)


def _any(pattern: re.Pattern, *texts: str) -> bool:
    return any(pattern.search(t) for t in texts)


def performance_of(text: str) -> str | None:
    """PERFORMED, NOT_YET or INSTALMENTS for an answer to "罚款是否已全部缴清、整改是否已完成", or None
    when it is not clearly one of them. Anything still owed wins over words of completion
    ("已经缴了但整改没完" is NOT_YET); a hedge ("应该交了吧") is no answer."""
    s = _NOTHING_OWED.sub("，", to_simplified(clean_text(text)).lower())
    zh = _NOTHING_OWED.sub("，", s.replace(" ", ""))  # Chinese without spaces; `s` keeps English words apart
    if not zh.strip("，") or _any(_UNSURE, s):
        return None
    done, instalment = _any(_DONE, zh, s), _any(_INSTALMENT, zh, s)
    ongoing, not_yet = _any(_ONGOING, zh, s), _any(_NOT_YET, zh, s)
    if ongoing or (instalment and (not_yet or not done)):
        return INSTALMENTS  # "分两期缴清了" is done; "分期还在交" and a bare "分期" are not
    if not_yet or _any(_PARTIAL, zh, s):
        return NOT_YET
    if done or _BARE_YES.match(zh) or _BARE_YES.match(s):
        return PERFORMED
    return None


def says_not_performed(text: str) -> str | None:
    """NOT_YET or INSTALMENTS when a message typed for another question says the duties are not yet
    performed ("其实罚款还没交"); only a message that speaks of the fine or the rectification counts."""
    if not _ABOUT_DUTIES.search(to_simplified(text or "").lower()):
        return None
    found = performance_of(text)
    return found if found in (NOT_YET, INSTALMENTS) else None
