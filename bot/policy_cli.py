"""`xinyong policy build|clauses|ask`: the policy documents from the command line.

    xinyong policy build [--sources DIR]     clean ../shared/policy_sources/ into policy_docs/<id>.txt,
                                             then embed every clause sentence (sentence_vectors.npz)
    xinyong policy build --vectors-only      only the sentence vectors, from policy_docs/ as it is
    xinyong policy clauses [--doc ID]         list clause ids, sections and headings
    xinyong policy ask QUESTION [--json]      what the assistant would answer, with the ranked clauses
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from actions.settings import PROJECT_ROOT

EXIT_OK, EXIT_FAILED = 0, 1
# The raw pages live next to the project on the platform's machines; XINYONG_POLICY_SOURCES overrides.
DEFAULT_SOURCES = Path(os.environ.get("XINYONG_POLICY_SOURCES") or PROJECT_ROOT.parent / "shared" / "policy_sources")


def cmd_build(args) -> int:
    if not args.vectors_only:
        code = _clean(args)
        if code != EXIT_OK:
            return code
    return _vectors()


def _vectors() -> int:
    """Embed each clause sentence once, keyed by its text: the index then starts without the model's
    ~15 ms per sentence (about 20 s for ~1,250 sentences on one core)."""
    import time

    from actions.services import embedding, policy_dense
    from actions.services.policy_search import all_clauses

    if not embedding.available():
        print("向量模型不可用，政策检索只用关键词 (the embedding model is not available here; lexical search only)")
        return EXIT_FAILED
    start = time.perf_counter()
    policy_docs_clauses = all_clauses()
    vectors = policy_dense.SentenceVectors.build(policy_docs_clauses, save=True)
    print(f"{policy_dense.VECTORS.relative_to(PROJECT_ROOT)}  {len(vectors.texts)} 句 "
          f"({len(policy_docs_clauses)} clauses, {time.perf_counter() - start:.1f} s)")
    return EXIT_OK


def _clean(args) -> int:
    from actions.services import policy_clean, policy_docs

    sources = Path(args.sources)
    if not sources.is_dir():
        print(f"没有找到原始政策文件目录 (raw sources not found): {sources}")
        return EXIT_FAILED
    try:
        written = policy_clean.build(policy_docs.load_documents(), sources, policy_docs.POLICY_DIR)
    except (policy_clean.CleaningError, OSError) as error:
        print(f"清洗失败 (cleaning failed): {error}")
        return EXIT_FAILED
    for path in written:
        print(f"{path.relative_to(PROJECT_ROOT)}  {len(path.read_text(encoding='utf-8').splitlines())} 段")
    return EXIT_OK


def cmd_clauses(args) -> int:
    from actions.services.policy_docs import clauses

    for c in clauses():
        if args.doc in (None, c.doc.id):
            print(f"{c.id:<14} {c.label:<16} {c.heading}")
    return EXIT_OK


def cmd_ask(args) -> int:
    import logging

    logging.disable(logging.WARNING)
    from actions.policy_actions import respond
    from actions.services.policy_search import index

    hits = index().search(args.question, k=5)
    result = respond(args.question, None)
    if args.json:
        print(json.dumps({"covered": result.covered, "text": result.text, "context": result.context,
                          "ranked": [{"clause": h.clause.id, "score": round(h.score, 2),
                                      "coverage": round(h.coverage, 2)} for h in hits]}, ensure_ascii=False))
    else:
        print(result.text if result.covered else "（文件未涉及 / not covered: the assistant offers the hotline）")
        print("\n" + "\n".join(f"  {h.clause.id:<14} score {h.score:5.1f}  coverage {h.coverage:.2f}" for h in hits))
    return EXIT_OK


def add_parser(sub) -> None:
    policy = sub.add_parser("policy", help="policy documents: build, list clauses, try a question")
    cmds = policy.add_subparsers(dest="policy_command", required=True)
    build = cmds.add_parser("build", help="clean the raw policy pages into policy_docs/ and embed their sentences")
    build.add_argument("--vectors-only", action="store_true",
                       help="only embed the sentences of policy_docs/ as they are (after a rules-table change)")
    build.add_argument("--sources", default=str(DEFAULT_SOURCES))
    build.set_defaults(func=cmd_build)
    listing = cmds.add_parser("clauses", help="list the citable clauses")
    listing.add_argument("--doc", help="only this document id (000–004)")
    listing.set_defaults(func=cmd_clauses)
    ask = cmds.add_parser("ask", help="answer a question as the assistant would")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_ask)
