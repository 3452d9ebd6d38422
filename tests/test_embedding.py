"""Sentence meaning (actions/services/embedding.py): ships in the wheel, runs offline, cached by content,
and the policy search uses it beside BM25 without depending on it."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from actions.services import embedding, policy_dense
from actions.services.policy_search import PolicyIndex, all_clauses, index, load_config, load_paraphrases


def test_the_model_runs_with_the_network_cut_off():
    """Nothing is fetched at run time: with every socket refused, the model loads and embeds."""
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "from actions.services import embedding\n"
        "v = embedding.query('信用修复需要什么条件')\n"
        "print(v.shape[0], round(float((v * v).sum()), 3))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(__file__)), env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["384", "1.0"]


def test_meaning_ranks_a_paraphrase_above_an_unrelated_sentence():
    sentences = embedding.passages(["被列入严重失信主体名单的企业法定代表人限制乘坐高铁",
                                    "申请信用修复应当已纠正失信行为并履行法定义务",
                                    "今天下雨了，记得带伞"])
    for question, best in (("黑名单公司的老板能坐动车吗", 0), ("想把处罚记录撤下来要满足啥", 1),
                           ("外面天气怎么样", 2)):
        assert int(np.argmax(sentences @ embedding.query(question))) == best, question


def test_the_cache_embeds_a_text_once_and_survives_a_restart(tmp_path):
    path = tmp_path / "vectors.npz"
    cache = embedding.VectorCache(path)
    first = cache.get("query", ["逾期了怎么办", "转人工"])
    assert cache.added == 2
    cache.save()
    again = embedding.VectorCache(path)
    second = again.get("query", ["转人工", "逾期了怎么办"])
    assert again.added == 0
    assert np.allclose(second[::-1], first, atol=2e-3)   # stored as float16
    path.write_bytes(b"not a numpy file")
    assert embedding.VectorCache(path).get("query", ["转人工"]).shape == (1, 384)   # rebuilt, not fatal


def test_the_shipped_policy_vectors_cover_every_sentence():
    """A fresh clone starts without embedding the documents: `xinyong policy build` wrote them all.
    (After a change to a document or the rules table, run `xinyong policy build --vectors-only`.)"""
    clauses = all_clauses()
    cache = embedding.VectorCache(policy_dense.VECTORS)
    texts = [s for c in clauses for s in policy_dense.clause_sentences(c)]
    missing = [t for t in texts if embedding.key("passage", t) not in cache._vectors]
    assert not missing, f"{len(missing)} sentences not in {policy_dense.VECTORS.name}: {missing[:3]}"


@pytest.fixture(scope="module")
def lexical_only():
    return PolicyIndex(all_clauses(), load_paraphrases(), load_config(), dense=None)


def test_without_the_model_the_search_is_the_lexical_one(lexical_only):
    hits = lexical_only.answers("失信被执行人能坐飞机吗")
    assert hits and hits[0].confidence is None and hits[0].dense is None
    assert not lexical_only.answers("今天天气怎么样")


def test_meaning_finds_the_clause_when_the_words_differ(lexical_only):
    """Issue 17's example: the restriction on travel, asked without a word the clause uses."""
    question = "上了黑名单的公司老板还能搭动车出门吗"
    fused = [h.clause.id for h in index().answers(question)[:3]]
    assert "002-3.4" in fused or "000-5.3.4" in fused, fused
    assert index().answers(question)[0].confidence >= load_config().covered["threshold"]


def test_a_bank_question_is_declined_by_the_calibrated_decision():
    for question in ("信用卡逾期三天会上征信吗", "房贷利率现在是多少", "你结婚了吗"):
        assert not index().answers(question), question
