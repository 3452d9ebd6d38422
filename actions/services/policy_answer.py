"""Policy replies: the answer in one or two sentences from the clause, the clause cited, follow-ups.

Pure functions of the index and a small context dict that the action keeps in the `policy_context`
slot: {"q": the question, "hits": covered clause ids best first, "shown": ids already shown}.
Texts are Simplified; the action's Reply converts them to the user's script.

Quotes are quotes: a document's sentences go inside “ ” as published (non-adjacent ones joined
by ……); a rules-table clause is the platform's wording and is labelled so, never quoted. A local
rules-table clause is stated only when the question asks about it (policy_rules.stated_for, applied
by the index's `answers`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from actions.services.policy_docs import Clause
from actions.services.policy_rules import PLATFORM
from actions.services.policy_search import PolicyIndex, Query, ranks
from actions.services.policy_sentences import sentences
from actions.services.textnorm import to_simplified

MAX_OTHERS = 2
HINT = "（回复【原文】查看整条原文，回复【还有吗】查看下一条相关规定。）"


@dataclass(frozen=True)
class PolicyReply:
    text: str
    context: dict | None      # the new slot value; None leaves the slot as it was
    covered: bool
    buttons: tuple[dict, ...] = ()   # start a filing the answer was about
    followup: bool = False           # a reply to "出处呢" / "还有吗" rather than to a new question


def offers(question: str, index: PolicyIndex) -> tuple[dict, ...]:
    """"信用修复要啥条件" → a 申请信用修复 button: the user may well want to do it next."""
    mended = index.terms.mend(question)
    return tuple({"title": o["title"], "payload": f"/{o['intent']}"} for o in index.config.offers
                 if any(w in mended for w in o["words"]))


def followup_kind(text: str, index: PolicyIndex) -> str | None:
    """"出处呢" asks for the source, "还有吗" for more; a message that also names a topic is a new question."""
    simplified = to_simplified(text or "").lower()
    for kind in ("source", "more"):
        words = index.config.followups.get(kind, ())
        if any(w in simplified for w in words):
            rest = simplified
            for w in sorted(words, key=len, reverse=True):
                rest = rest.replace(w, " ")
            # What is left names no topic the documents know: it is about the last answer.
            if not any(t in index.body.idf for t in index.terms(rest)):
                return kind
    return None


def _best_sentences(clause: Clause, index: PolicyIndex, q: Query, limit: int = 2) -> list[str]:
    if clause.source:   # a rules-table entry is short and whole
        return [clause.text]
    heading = to_simplified(clause.heading)
    every = list(sentences(clause.text))
    # The heading sentence ("完善失信主体信用修复机制。") says what, not how: only quoted if alone.
    sents = [s for s in every if len(s) >= 8 and to_simplified(s).rstrip("。；") != heading] or every
    if len(sents) <= limit and sum(len(s) for s in sents) <= 160:
        return sents
    idf = index.body.idf

    def lexical(s: str) -> float:
        terms = set(index.terms(s))
        return sum(w * idf.get(t, 0.0) for t, w in q.weights.items() if t in terms)

    lex = [lexical(s) for s in sents]
    if q.vector is not None and index.dense is not None and clause.id in index.by_id:
        # The sentence that means what was asked, by both measures: reciprocal-rank fusion of the
        # sentence's similarity to the question and its rare-word overlap.
        sims = index.dense.sentence_scores(index.by_id[clause.id], q.vector)
        dense = [sims.get(to_simplified(s), -1.0) for s in sents]
        dense_rank = ranks(np.asarray(dense))
        lex_rank = ranks(np.asarray(lex))
        fused = [1 / (2 + d) + 1 / (2 + r) for d, r in zip(dense_rank, lex_rank)]
        order = sorted(range(len(sents)), key=lambda i: -fused[i])
        chosen = [order[0]]
        # A second sentence when it is near the top by both measures: "条件" and "程序" often
        # sit in two sentences of one clause.
        if len(order) > 1 and dense_rank[order[1]] <= 1 and lex_rank[order[1]] <= 1 and lex[order[1]] > 0:
            chosen.append(order[1])
        return [sents[i] for i in sorted(chosen)[:limit]]
    scored = sorted(range(len(sents)), key=lambda i: -lex[i])
    chosen = [scored[0]]
    if len(scored) > 1 and lex[scored[1]] >= 0.5 * lex[scored[0]] > 0:
        chosen.append(scored[1])
    return [sents[i] for i in sorted(chosen)[:limit]]



def _quote(sents: list[str], clause: Clause) -> str:
    """The sentences as published (Simplified), for “ ”: sentences not next to each other in the
    clause are joined by ……; nothing is added inside (the reply's own full stop goes after “ ”)."""
    whole = "".join(to_simplified(clause.text).split())
    text = ""
    for s in (to_simplified(s) for s in sents):
        joined = text + s
        text = joined if not text or "".join(joined.split()) in whole else f"{text}……{s}"
    return text


def _origin(clause: Clause) -> str:
    if clause.source:
        return clause.citation()
    return to_simplified(f"{clause.doc.title_cite}{clause.where}（{clause.doc.region}）")


def _is_local(clause: Clause) -> bool:
    return clause.doc.region not in ("全国", PLATFORM)


def _rules_lead(clause: Clause) -> str:
    """A rules-table clause is our wording of a rule: say whose rule it is and that it is not a quote."""
    region = clause.doc.region
    if region == "全国":
        return "全国性规定（本平台根据规则表归纳，不是文件原文）："
    if region == PLATFORM:
        return "本平台的做法和理解（不是法律规定，本平台归纳）："
    return f"{region}的规定（本平台根据规则表归纳，不是文件原文；只适用于{region}）："


def _clause_answer(clause: Clause, index: PolicyIndex, q: Query) -> str:
    if clause.source:
        return f"{_rules_lead(clause)}{clause.text}\n出处：{_origin(clause)}"
    quote = _quote(_best_sentences(clause, index, q), clause)
    return f"{clause.doc.region}的规定：“{quote}”\n出处：{_origin(clause)}"


def answer(question: str, index: PolicyIndex) -> PolicyReply:
    q = index.query(question)   # once: the search and the sentence choice both use it
    hits = index.answers(q)   # a local rules-table clause only when asked about (policy_rules.stated_for)
    if not hits:
        return PolicyReply("", None, covered=False)
    top = hits[0]
    parts = [_clause_answer(top.clause, index, q)]
    shown = [top.clause.id]
    # Other documents that answer it too: say which region each rule is from.
    others = [h for h in hits[1:] if h.clause.doc.id != top.clause.doc.id and h.clause.doc.id != "rules"
              and h.score >= top.score * index.config.other_documents_ratio and index.answerable(h)]
    seen_docs = {top.clause.doc.id}
    for h in others:
        if h.clause.doc.id in seen_docs or len(shown) > MAX_OTHERS:
            continue
        seen_docs.add(h.clause.doc.id)
        shown.append(h.clause.id)
        sent = _best_sentences(h.clause, index, q, limit=1)
        parts.append(f"另外，{h.clause.doc.region}：“{_quote(sent, h.clause)}”\n出处：{_origin(h.clause)}")
    if (not top.clause.source or _is_local(top.clause)) and len(seen_docs) == 1:
        parts.append("以上是该文件所在地区的规定，其他地区以当地规定为准。")
    parts.append(HINT)
    context = {"q": question, "hits": [h.clause.id for h in hits], "shown": shown}
    return PolicyReply("\n\n".join(parts), context, covered=True, buttons=offers(question, index))


def full_clause(context: dict | None, index: PolicyIndex) -> PolicyReply:
    """"出处呢 / 原文是什么": the whole clause last answered, with the document's details."""
    # A context saved before the documents changed may name a clause that is gone.
    if not context or not context.get("shown") or context["shown"][0] not in index.by_id:
        return PolicyReply("", None, covered=False, followup=True)
    clause = index.clauses[index.by_id[context["shown"][0]]]
    if clause.source:
        text = f"出处：{clause.citation()}\n规则表（本平台归纳，不是文件原文）：{clause.text}"
        return PolicyReply(text, None, covered=True, followup=True)
    doc = clause.doc
    body = to_simplified(clause.text)
    facts = [f"发文机关：{doc.issuer}" if doc.issuer else "",
             f"文号：{doc.doc_number}" if doc.doc_number else "文号：原文未标注",
             f"成文日期：{doc.issued.isoformat()}" if doc.issued else
             (f"发布日期：{doc.published.isoformat()}" if doc.published else ""),
             f"地区：{doc.region}"]
    text = to_simplified(f"{doc.title_cite}{clause.where}") + f"原文：\n{body}\n\n" + "；".join(f for f in facts if f) + "。"
    if doc.notes:
        text += f"\n说明：{doc.notes}"
    return PolicyReply(text, None, covered=True, followup=True)


def more(context: dict | None, index: PolicyIndex) -> PolicyReply:
    """"还有吗": the next covered clause for the same question that has not been shown yet."""
    if not context or not context.get("hits"):
        return PolicyReply("", None, covered=False, followup=True)
    remaining = [cid for cid in context["hits"] if cid not in context.get("shown", []) and cid in index.by_id]
    if not remaining:
        return PolicyReply("关于这个问题，政策文件里相关的规定就是这些了。您还想了解什么？", context,
                           covered=True, followup=True)
    clause = index.clauses[index.by_id[remaining[0]]]
    text = _clause_answer(clause, index, index.query(context.get("q", ""))) + "\n\n" + HINT
    # The newest clause goes first in `shown`, so "原文" quotes the one just shown.
    return PolicyReply(text, {**context, "shown": [clause.id] + list(context.get("shown", []))},
                       covered=True, followup=True)
