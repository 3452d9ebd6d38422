"""What a follow-up message about the subject in focus asks for, from its words alone.

"有没有行政许可" asks for licences, "这家公司在名单上吗" for list entries, "上一家呢" for the
previous subject, "查看更多" for the next page. Runs on the NLU's normalised (Simplified) text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_KIND_WORDS = (
    ("license", re.compile(r"许可|证照|执照|资质|许可证|经营证|证书|牌照|审批|license|licen[cs]e", re.I)),
    ("penalty", re.compile(r"处罚|罚款|罚单|被罚|罚了|罚过|违法|违规|处法|罚没|penalt|fine", re.I)),
    ("list", re.compile(r"名单|名录|黑名单|红名单|老赖|失信|异常|警示|重点关注|被执行|blacklist|list", re.I)),
)
_PREVIOUS = re.compile(r"上一家|上一个|前一家|前一个|刚才那家|刚才那个|之前那家|之前那个|上家|上一间|previous|last one", re.I)
_MORE = re.compile(r"查看更多|更多|下一页|下页|继续|还有吗|还有呢|接着|往下|剩下的|其余|其他的|more|next", re.I)


@dataclass(frozen=True)
class FollowUp:
    kinds: tuple[str, ...] = ()  # record kinds asked about; empty = all
    previous: bool = False
    more: bool = False


def parse(text: str | None) -> FollowUp:
    text = text or ""
    kinds = tuple(kind for kind, pattern in _KIND_WORDS if pattern.search(text))
    # "行政处罚和行政许可都有吗" names two kinds; naming all three is the same as naming none.
    if len(kinds) == len(_KIND_WORDS):
        kinds = ()
    return FollowUp(kinds=kinds, previous=bool(_PREVIOUS.search(text)),
                    more=bool(_MORE.search(text)) and not kinds)
