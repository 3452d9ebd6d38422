"""Reading form answers from free text: grounds, ordinals, phones, names, consent, corrections."""
from __future__ import annotations

import pytest

from actions.services import form_input as fi


@pytest.mark.parametrize("text, ground", [
    ("信息错误", "信息错误"), ("2", "非本主体"), ("罚款金额写错了", "信息错误"), ("这个处罚不是我们公司的", "非本主体"),
    ("重名了，是另一家", "非本主体"), ("已经被复议撤销了", "已撤销或变更"), ("公示期早就过了还挂着", "超过公示期限"),
    ("其他", "其他"), ("代码不是我们的", "非本主体"),
])
def test_grounds(text, ground):
    assert fi.ground_of(text) == ground


def test_no_ground_in_unrelated_text():
    assert fi.ground_of("你好") is None


@pytest.mark.parametrize("text, n", [("1", 1), ("第二条", 2), ("第3个", 3), ("二", 2), ("第一条吧", 1)])
def test_ordinals(text, n):
    assert fi.ordinal(text) == n


@pytest.mark.parametrize("text, value", [("13912345678", "13912345678"), ("+86 139 1234 5678", "13912345678"),
                                         ("0459-4567890", "0459-4567890"), ("04594567890", "0459-4567890"),
                                         ("010-12345678-802", "010-12345678-802")])
def test_valid_phones_are_made_canonical(text, value):
    check = fi.check_phone(text)
    assert check.valid and check.value == value


@pytest.mark.parametrize("text", ["1391234567", "23912345678", "12345", "abc", "459-4567890"])
def test_invalid_phones(text):
    assert not fi.check_phone(text).valid


@pytest.mark.parametrize("text, cancel", [("算了", True), ("不办了", True), ("取消申请", True), ("算了吧不搞了", True),
                                          ("先不弄了", True), ("罚款已经缴清", False), ("确认", False)])
def test_cancel(text, cancel):
    assert fi.is_cancel(text) is cancel


def test_labelled_corrections():
    assert fi.labelled("不对，联系人改成王五") == {"contact_name": "王五"}
    assert fi.labelled("理由改为非本主体")["objection_ground"] == "非本主体"
    assert fi.labelled("描述改一下：金额有误，应为两万")["objection_description"].startswith("金额有误")
    assert fi.labelled("罚款已经缴清") == {}


@pytest.mark.parametrize("text, intent, expected", [("同意", "affirm", True), ("我承诺", "inform", True),
                                                    ("不同意", "deny", False), ("好", "affirm", None),
                                                    ("嗯", "affirm", None)])
def test_consent_must_be_explicit(text, intent, expected):
    assert fi.consent(text, intent) is expected


@pytest.mark.parametrize("text, intent, expected", [("确认", "affirm", True), ("没问题，提交吧", "affirm", True),
                                                    ("不对", "deny", False), ("电话有误", "inform", False),
                                                    ("今天天气", "out_of_scope", None)])
def test_yes_no(text, intent, expected):
    assert fi.yes_no(text, intent) is expected


def test_contact_names():
    assert fi.contact_name_of("联系人是张伟") == "张伟"
    assert fi.contact_name_of("我叫李明") == "李明"
    assert fi.contact_name_of("找刘经理就行") == "刘经理"
    assert fi.contact_name_of("13912345678") is None


@pytest.mark.parametrize("text, value, valid", [("0459 4567890", "0459-4567890", True),
                                                ("电话 0459 4567890 上班时间打", "0459-4567890", True),
                                                ("打这个 15845678901", "15845678901", True),
                                                ("(0459)4567890", "0459-4567890", True),
                                                ("12345", "12345", False)])
def test_a_phone_is_found_in_the_message(text, value, valid):
    check = fi.phone_in(text)
    assert (check.value, check.valid) == (value, valid)


def test_no_number_no_phone():
    assert fi.phone_in("张伟") is None


# "罚款是否已全部缴清、整改是否已完成": colloquial, typo-laden, Traditional and English answers. The
# form reads the NLU's Simplified text; performance_of converts too, so Traditional is read as typed.
@pytest.mark.parametrize("text", [
    "交完了", "都弄好了", "罚款已缴清", "罰款已繳清", "是的", "罚款交了 整改也做了 就是还没复查", "罚款分两期缴清了",
    "罰款分兩期繳清了", "没有整改要求，罚款已经交了", "罚款以经交清了", "整该完了", "缴请了", "罚款已经缴那了",
    "已全部履行（罚款已缴清、整改已完成）", "罚款5月已缴清，整改已完成并通过复查", "早交了，整改也到位了",
    "paid in full", "Yes, fully paid and fixed"])
def test_performed(text):
    assert fi.performance_of(text) == fi.PERFORMED


@pytest.mark.parametrize("text", [
    "罚款还没交", "還沒交", "交了一半", "整改还没做完", "已经缴了但整改没完", "整改還沒做完", "否", "没有", "还没呢",
    "尚未履行", "罚款交不起", "还在整改", "罚款交了，整改还在做", "还差两千没交", "钱还没凑齐", "都没弄", "不交了",
    "已經繳了但是整改沒完", "not yet", "No, not paid yet"])
def test_not_yet_performed(text):
    assert fi.performance_of(text) == fi.NOT_YET


@pytest.mark.parametrize("text", ["分期还在交", "分期", "分期缴纳中", "正在分期还款", "每个月交一点", "分期付款中，还剩三期",
                                  "分期還在繳", "we are still paying in instalments"])
def test_instalments_still_running(text):
    assert fi.performance_of(text) == fi.INSTALMENTS


@pytest.mark.parametrize("text", ["应该交了吧", "好像交完了", "不知道", "嗯", "好的", "没问题", "只是警告", "不用交罚款",
                                  "罚款交了吗", "你好", "maybe"])
def test_unclear_performance_is_no_answer(text):
    assert fi.performance_of(text) is None


def test_only_words_about_the_duties_say_not_performed_at_another_step():
    assert fi.says_not_performed("其实罚款还没交") == fi.NOT_YET
    assert fi.says_not_performed("分期还在交呢") == fi.INSTALMENTS
    assert fi.says_not_performed("没有") is None and fi.says_not_performed("不是") is None  # "联系人不是他"
    assert fi.says_not_performed("罚款交完了") is None and fi.says_not_performed("同意") is None
