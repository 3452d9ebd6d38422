"""The credit enquiry as text: what the assistant tells an anonymous user about a code."""
from __future__ import annotations

from collections import Counter

from actions.db.engine import session_scope
from actions.services import audit, codes, subjects

KIND_NAMES = {"penalty": "行政处罚", "license": "行政许可", "list": "名单"}


def summary_by_code(code_text: str, sender_id: str | None = None) -> str:
    check = codes.check_code(code_text)
    if not check.valid:
        return f"{check.reason}。请核对后重新发送。"
    with session_scope() as session:
        subject = subjects.find_by_code(session, check.normalized)
        audit.log(session, "anonymous", sender_id, "lookup_code", "subject",
                  subject.id if subject else None, {"code": check.normalized if check.kind != "id_number"
                                                    else codes.mask_id_number(check.normalized),
                                                    "found": subject is not None})
        if subject is None:
            return f"没有找到统一社会信用代码为 {check.normalized} 的主体公示信息。"
        records = subjects.records_of(session, subject.id)
        counts = Counter(r.kind for r in records)
        lines = [f"{subject.name}（{subject.subject_type}，{subject.region or '地区未知'}）",
                 f"代码：{subject.code}"]
        if not records:
            lines.append("目前没有公示中的行政处罚、行政许可或名单信息。")
        else:
            lines.append("公示信息：" + "，".join(f"{KIND_NAMES[k]} {n} 条" for k, n in counts.items()))
            for r in records[:5]:
                status = "（异议处理中，核实期间联合惩戒措施暂不执行）" if r.display_status == "异议处理中" else ""
                what = r.list_type if r.kind == "list" else (r.penalty_category or r.license_doc_name or "")
                lines.append(f"· {KIND_NAMES[r.kind]} {r.doc_number} {r.decision_date:%Y-%m-%d} "
                             f"{r.agency} {what}{status}")
        return "\n".join(lines)
