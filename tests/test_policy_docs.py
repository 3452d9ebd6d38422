"""policy_docs/: the cleaned documents, their metadata and the clause structure answers cite."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.services import policy_clean, policy_docs
from actions.services.policy_docs import POLICY_DIR, Document, clauses, documents, parse
from bot.policy_cli import DEFAULT_SOURCES as SOURCES
FURNITURE = ("当前位置", "扫描二维码", "放大字体", "食品伙伴网", "Processed in", "友情鏈接", "加入收藏",
             "直播软件", "湖人", "分享到", "目  录", "发布单位", "浏览次数")


def test_five_documents_with_the_metadata_the_pages_give():
    docs = documents()
    assert sorted(docs) == ["000", "001", "002", "003", "004"]
    assert docs["000"].doc_number == "黑政规〔2017〕19号" and docs["000"].issued == dt.date(2017, 6, 22)
    assert docs["000"].source_url.startswith("http://www.hlj.gov.cn/")
    assert docs["004"].doc_number == "闽政〔2015〕11号" and docs["004"].region == "福建省"
    assert docs["002"].script == "traditional" and docs["002"].region == "黑龙江省大庆市"
    # 003 has no title line on its page: it carries the title of the plan it is.
    assert docs["003"].title.startswith("陕西省") and docs["003"].title.endswith("实施方案")
    # 001 names no city: the metadata says so instead of inventing one.
    assert not docs["001"].region_known and "未写明" in docs["001"].region
    assert docs["001"].issuer.startswith("未署名") and docs["001"].doc_number is None


def test_cleaned_texts_carry_no_page_furniture():
    for doc_id in documents():
        text = (POLICY_DIR / f"{doc_id}.txt").read_text(encoding="utf-8")
        found = [f for f in FURNITURE if f in text]
        assert not found, (doc_id, found)
        assert all(line == line.strip() and line for line in text.splitlines()), doc_id


def test_cleaning_keeps_the_body_between_its_markers_and_drops_furniture():
    raw = ("首页 » 政策法规\n扫描二维码 分享好友\n\u3000\u3000为贯彻落实本规划。\n\n  一、总体要求\n"
           "专栏2:空栏\n  (一)第一条。\n  (二)最后一条。\n友情链接\n")
    text = policy_clean.clean(raw, start="为贯彻落实", end="(二)最后一条", drop=["专栏"])
    assert text == "为贯彻落实本规划。\n一、总体要求\n(一)第一条。\n(二)最后一条。\n"
    with pytest.raises(policy_clean.CleaningError):
        policy_clean.clean(raw, start="不存在的开头", end="(二)")


@pytest.mark.skipif(not SOURCES.exists(), reason=f"raw sources not next to this checkout ({SOURCES}); "
                                                 "set XINYONG_POLICY_SOURCES")
def test_build_from_the_raw_sources_reproduces_the_committed_texts(tmp_path):
    written = policy_clean.build(policy_docs.load_documents(), SOURCES, tmp_path)
    assert len(written) == 5
    for path in written:
        assert path.read_text(encoding="utf-8") == (POLICY_DIR / path.name).read_text(encoding="utf-8"), path.name


def test_clause_ids_follow_the_section_numbers():
    by_id = {c.id: c for c in clauses()}
    assert len(by_id) == len(clauses())
    repair = by_id["002-4.4"]
    assert repair.label == "四、（四）" and "信用修復" in repair.heading and "信用修复" in repair.norm
    assert by_id["003-3.1.1"].label == "三、（一）1." and by_id["003-3.1.1"].heading == "建立健全信用承诺制度"
    assert by_id["004-2.1.3"].label == "第二节 一、（三）"
    assert by_id["004-2.1.3"].parents == ("推进重点领域诚信建设", "加快推进政务诚信建设")
    assert by_id["003-0"].where == "前言"
    # Document 004's numbering restarts in every 节, and the ids stay unique.
    assert {"004-2.1", "004-3.1", "004-6.1"} <= set(by_id)


def test_parsing_levels_and_continuation_paragraphs():
    doc = Document("T", "测试", "测试", None, None, None, None, "某地", True, "simplified", None, "")
    text = "前言一段。\n一、总则\n(一)第一项。内容。\n责任单位:甲。\n1.细则一。\n2.细则二。\n二、附则\n(十二)第十二项。"
    got = {c.id: c for c in parse(doc, text)}
    assert list(got) == ["T-0", "T-1", "T-1.1", "T-1.1.1", "T-1.1.2", "T-2", "T-2.12"]
    assert got["T-1.1"].text == "(一)第一项。内容。\n责任单位:甲。" and got["T-1.1"].heading == "第一项"
    assert got["T-2.12"].label == "二、（十二）"


def test_traditional_document_is_quoted_as_written_and_indexed_simplified():
    clause = next(c for c in clauses() if c.id == "002-4.5")
    assert "聯合懲戒措施在信息核實期間暫不執行" in clause.text
    assert "联合惩戒措施在信息核实期间暂不执行" in clause.norm


def test_citation_names_title_number_and_section():
    by_id = {c.id: c for c in clauses()}
    assert by_id["000-5.3.2"].citation().startswith("《黑龙江省社会信用体系建设“十三五”规划》（黑政规〔2017〕19号）五、（三）2.")
    assert "大庆市人民政府" in by_id["002-4.4"].citation() and "黑龙江省大庆市" in by_id["002-4.4"].citation()


def test_a_document_without_number_or_issuer_says_so_in_its_citation():
    plan = next(c for c in clauses() if c.id == "001-6").citation()
    assert plan.startswith("《社会信用体系建设计划》（2018年工作计划，原文未署发文机关）六、")
    assert "未写明名称的某市" in plan
