"""Find the clauses that answer a policy question: jieba terms, synonyms, BM25, curated paraphrases.

Everything is local: jieba's dictionary plus the NLU's domain words, the synonym groups and
paraphrases in policy_docs/. A question is "covered" only when its best clause matches enough of
the question's rare words (coverage) with enough weight (score); the answer layer declines the rest.

With the embedding model (policy_dense) the ranking is the reciprocal-rank fusion of BM25 and the
clause's best sentence by meaning, and "covered" is a calibrated probability from the top clause's
coverage, BM25 score and sentence similarity (`covered` in retrieval.yml, fit on the project's two
question sets by bench/policy_calibrate.py). Without the model the lexical rule above holds.
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

import numpy as np

from actions.services import embedding
from actions.services.policy_dense import SentenceVectors
from actions.services.policy_docs import POLICY_DIR, Clause, clauses as document_clauses
from actions.services.policy_rules import rule_clauses, stated_for
from actions.services.textnorm import to_simplified
from actions.settings import PROJECT_ROOT

DOMAIN_WORDS = PROJECT_ROOT / "nlu" / "dict" / "domain_words.txt"
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class Config:
    synonyms: tuple[tuple[str, ...], ...]
    expansion_weight: float
    stopwords: frozenset[str]
    min_score: float
    min_coverage: float
    paraphrase_weight: float
    other_documents_ratio: float
    followups: dict[str, tuple[str, ...]]
    typos: dict[str, str]
    offers: tuple[dict, ...] = ()
    rrf_k: float = 10.0
    dense_weight: float = 0.5
    covered: dict | None = None     # logistic weights: coverage, log_score, dense, intercept, threshold


def load_config(directory: Path = POLICY_DIR) -> Config:
    data = yaml.safe_load((directory / "retrieval.yml").read_text(encoding="utf-8"))
    return Config(synonyms=tuple(tuple(str(w) for w in group) for group in data["synonyms"]),
                  expansion_weight=float(data["expansion_weight"]),
                  stopwords=frozenset(str(w) for w in data["stopwords"]),
                  min_score=float(data["min_score"]), min_coverage=float(data["min_coverage"]),
                  paraphrase_weight=float(data["paraphrase_weight"]),
                  other_documents_ratio=float(data["other_documents_ratio"]),
                  followups={k: tuple(v) for k, v in data["followups"].items()},
                  typos={str(k): str(v) for k, v in (data.get("typos") or {}).items()},
                  offers=tuple(data.get("offers") or ()),
                  rrf_k=float(data.get("fusion", {}).get("rrf_k", 10)),
                  dense_weight=float(data.get("fusion", {}).get("dense_weight", 0.5)),
                  covered={k: float(v) for k, v in data["covered"].items()} if data.get("covered") else None)


def load_paraphrases(directory: Path = POLICY_DIR) -> dict[str, list[str]]:
    path = directory / "paraphrases.yml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(q) for q in v] for k, v in (data.get("paraphrases") or {}).items()}


class Terms:
    """Text → index terms: Simplified, lower case, jieba search-mode words without stopwords."""

    def __init__(self, config: Config):
        import jieba

        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        if DOMAIN_WORDS.exists():
            self._jieba.load_userdict(str(DOMAIN_WORDS))
        for group in config.synonyms:
            for word in group:
                self._jieba.add_word(word, freq=2000)
        self._stop = config.stopwords
        # Longest first, so "信誉修复" is mended before anything shorter inside it.
        self._typos = sorted(config.typos.items(), key=lambda kv: -len(kv[0]))
        self._lock = threading.Lock()   # jieba's tokenizer is not thread-safe while it caches

    def mend(self, text: str) -> str:
        """Simplified, lower case, common slips corrected."""
        text = to_simplified(text).lower()
        for wrong, right in self._typos:
            text = text.replace(wrong, right)
        return text

    def __call__(self, text: str, search_mode: bool = True) -> list[str]:
        """Search mode adds the pieces of long words ("信用修复" → 信用, 修复, 信用修复); a synonym's
        expansion uses whole words only, or "移出名单" would drag in every clause about 名单."""
        text = self.mend(text)
        with self._lock:
            words = list(self._jieba.cut_for_search(text) if search_mode else self._jieba.cut(text))
        return [w for w in (w.strip() for w in words) if w and w not in self._stop and _WORDLIKE.search(w)]


class _BM25:
    def __init__(self, docs: list[list[str]]):
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = (sum(self.len) / len(docs)) if docs else 1.0
        df = Counter(t for d in self.tf for t in d)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)

    def score(self, i: int, query: dict[str, float]) -> float:
        tf, norm = self.tf[i], K1 * (1 - B + B * self.len[i] / self.avg)
        total = 0.0
        for term, weight in query.items():
            f = tf.get(term)
            if f:
                total += weight * self.idf[term] * f * (K1 + 1) / (f + norm)
        return total


@dataclass(frozen=True)
class Hit:
    clause: Clause
    score: float              # BM25 (paraphrases included)
    coverage: float
    dense: float | None = None        # the clause's best sentence, cosine similarity to the question
    confidence: float | None = None   # calibrated probability that the clause answers the question


@dataclass(frozen=True)
class Query:
    text: str
    base: tuple[str, ...]                   # the question's own terms
    weights: dict                           # term → weight, expansions included
    groups: tuple[tuple[str, ...], ...]     # per base term: it and the expansion terms that stand for it
    vector: np.ndarray | None = None        # the question's meaning; None without the embedding model


class PolicyIndex:
    def __init__(self, clauses: list[Clause], paraphrases: dict[str, list[str]], config: Config,
                 dense: SentenceVectors | None = None):
        self.config = config
        self.dense = dense
        self.terms = Terms(config)
        self.clauses = clauses
        self.by_id = {c.id: i for i, c in enumerate(clauses)}
        unknown = sorted(set(paraphrases) - set(self.by_id))
        if unknown:
            raise ValueError(f"paraphrases.yml names clauses that do not exist: {unknown}")
        self.body_terms = [self._clause_terms(c) for c in clauses]
        self.body = _BM25(self.body_terms)
        self.para_owner: list[int] = []
        para_docs: list[list[str]] = []
        for clause_id, questions in paraphrases.items():
            for q in questions:
                self.para_owner.append(self.by_id[clause_id])
                para_docs.append(self.terms(q))
        self.para = _BM25(para_docs) if para_docs else None
        self.para_terms: list[set[str]] = [set() for _ in clauses]
        for owner, doc in zip(self.para_owner, para_docs):
            self.para_terms[owner].update(doc)
        # Per group: its members, their whole-word terms (what is searched for) and their pieces (which
        # question terms a present member accounts for), cut once here rather than per question.
        self._groups = [(group, [self.terms(w, search_mode=False) for w in group], [self.terms(w) for w in group])
                        for group in config.synonyms]

    def _clause_terms(self, c: Clause) -> list[str]:
        # A document's headings say what a clause is about: count them twice. A rules-table entry's
        # heading is our own label, counted once.
        head = " ".join((c.heading, *c.parents))
        return self.terms(c.norm) + self.terms(head) * (1 if c.source else 2)

    def query(self, text: str) -> Query:
        simplified = self.terms.mend(text)
        base = self.terms(simplified)
        weights: dict[str, float] = {t: 1.0 for t in base}
        stands_for: dict[str, set[str]] = {t: {t} for t in base}
        for group, member_terms, member_pieces in self._groups:
            present = [pieces for m, pieces in zip(group, member_pieces) if m in simplified]
            if not present:
                continue
            expansion = {t for terms in member_terms for t in terms}
            # The group's first member is the documents' own term: a user's "法人" means 法定代表人
            # as fully as if they had typed it. The other members count half.
            for t in member_terms[0]:
                weights[t] = max(weights.get(t, 0.0), 1.0)
            for t in expansion:
                weights.setdefault(t, self.config.expansion_weight)
            for pieces in present:
                for t in pieces:
                    stands_for.setdefault(t, {t}).update(expansion)
        unique = tuple(dict.fromkeys(base))
        groups = tuple(tuple(sorted(stands_for.get(t, {t}))) for t in unique)
        vector = embedding.query(simplified) if self.dense is not None and simplified.strip() else None
        return Query(text=text, base=unique, weights=weights, groups=groups, vector=vector)

    def search(self, text: str | Query, k: int = 10) -> list[Hit]:
        q = text if isinstance(text, Query) else self.query(text)
        if not q.base and q.vector is None:
            return []
        scores = np.array([self.body.score(i, q.weights) for i in range(len(self.clauses))]) if q.base \
            else np.zeros(len(self.clauses))
        if self.para and q.base:
            best = np.zeros(len(self.clauses))
            for j, owner in enumerate(self.para_owner):
                best[owner] = max(best[owner], self.para.score(j, q.weights))
            scores = scores + self.config.paraphrase_weight * best
        if q.vector is None:
            ranked = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
            return [Hit(self.clauses[i], float(scores[i]), self._coverage(q, i)) for i in ranked]
        dense = self.dense.clause_scores(q.vector)
        fused = self.config.dense_weight / (self.config.rrf_k + ranks(dense))
        fused += np.where(scores > 0, 1.0 / (self.config.rrf_k + ranks(scores)), 0.0)
        ranked = [int(i) for i in np.argsort(-fused, kind="stable")[:k]]
        hits = []
        for i in ranked:
            coverage = self._coverage(q, i) if q.base else 0.0
            hits.append(Hit(self.clauses[i], float(scores[i]), coverage, float(dense[i]),
                            self._confidence(coverage, float(scores[i]), float(dense[i]))))
        return hits

    def _confidence(self, coverage: float, score: float, dense: float) -> float | None:
        w = self.config.covered
        if not w:
            return None
        z = (w["intercept"] + w["coverage"] * coverage + w["log_score"] * math.log1p(score)
             + w["dense"] * dense)
        return 1.0 / (1.0 + math.exp(-z))

    def _coverage(self, q: Query, i: int) -> float:
        """Share of the question's words, weighted by rarity, that the clause or its paraphrases contain.

        A word the documents never use weighs as much as the rarest one ("护照" in "办护照要多久"
        makes a question uncovered), except a single character, which is usually filler ("弄").
        """
        present = set(self.body_terms[i]) | self.para_terms[i]
        total = matched = 0.0
        for term, group in zip(q.base, q.groups):
            known = [self.body.idf[t] for t in group if t in self.body.idf]
            if term in self.body.idf:
                weight = self.body.idf[term]
            elif known:
                weight = min(known)
            else:
                weight = 1.0 if len(term) == 1 else self.body.max_idf
            total += weight
            if present.intersection(group):
                matched += weight
        return matched / total if total else 0.0

    def answerable(self, hit: Hit) -> bool:
        if hit.confidence is not None:
            return hit.confidence >= self.config.covered["threshold"]
        return hit.score >= self.config.min_score and hit.coverage >= self.config.min_coverage

    def answers(self, text: str | Query, k: int = 6) -> list[Hit]:
        """The covered hits, best first; empty when the documents do not answer the question. A local
        rules-table clause counts only when the question asks about its region or list (stated_for)."""
        q = text if isinstance(text, Query) else self.query(text)
        asked = self.terms.mend(q.text)
        hits = [h for h in self.search(q, k=k) if stated_for(h.clause, asked, set(q.weights), self.terms)]
        if not hits or not self.answerable(hits[0]):
            return []
        if hits[0].confidence is not None:
            kept = [h for h in hits if self.answerable(h)]
        else:
            floor = hits[0].score * 0.35
            kept = [h for h in hits if h.score >= max(floor, self.config.min_score)]
        # The rule in force comes before the one it replaced when both answer.
        ids = {h.clause.id for h in kept}
        return ([h for h in kept if h.clause.superseded_by not in ids]
                + [h for h in kept if h.clause.superseded_by in ids])


def ranks(values: np.ndarray) -> np.ndarray:
    """0 for the highest value; ties keep the clauses' order."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def all_clauses() -> list[Clause]:
    return list(document_clauses()) + list(rule_clauses())


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _index() -> PolicyIndex:
    clauses = all_clauses()
    dense = SentenceVectors.build(clauses) if embedding.available() else None
    return PolicyIndex(clauses, load_paraphrases(), load_config(), dense)


def index() -> PolicyIndex:
    """The shared index, built once (about a second: jieba's dictionary, ~300 clauses, their sentence
    vectors from policy_docs/sentence_vectors.npz)."""
    with _lock:
        return _index()
