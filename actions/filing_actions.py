"""The objection and repair forms: validation (what this message answers or corrects), the
questions, and the filing once the user confirms.

Rasa runs `validate_<form>` after every user message while a form is active. It returns the slots
this message fills or corrects plus the next slot to ask for; returning no slot at all rejects
the form for this turn, which lets a rule answer a digression (a policy question, a status query)
before the form asks its question again. Thin: parsing is services.form_input, wording is
services.filing_text (Chinese and English side by side: `self.english` picks), data is services.tickets
and services.eligibility.
"""
from __future__ import annotations

import abc
import uuid
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import subject_switch
from actions.db.engine import run_db
from actions.policy_actions import is_policy_followup
from actions.reply import Reply
from actions.safe_action import SafeAction
from actions.services import codes, eligibility, enquiry, filing_text, followup, form_input, payload_guard, tickets
from actions.services.codes import mask_ids_in_text
from actions.services.enquiry import RecordView
from actions.services.legal_words import stated
from actions.services.rate_limit import TooManyLookups
from actions.services.workflow_rules import rules

FORMS = {"objection_form": "objection", "repair_form": "repair"}
REQUIRED = {
    "objection": ("filing_subject", "filing_record", "objection_ground", "objection_description",
                  "objection_evidence", "contact_name", "contact_phone", "filing_confirmed"),
    "repair": ("filing_subject", "filing_record", "repair_performance", "repair_commitment",
               "contact_name", "contact_phone", "filing_confirmed"),
}
# Every slot a filing uses; all are cleared when it ends, so the next filing starts clean.
FILING_SLOTS = ("filing_kind", "filing_id", "filing_subject", "filing_record", "filing_choices",
                "filing_cancelled", "objection_ground", "objection_description", "objection_evidence",
                "repair_performance", "repair_commitment", "contact_name", "contact_phone", "filing_confirmed")
FREE_TEXT = ("objection_description", "objection_evidence", "repair_performance", "contact_name")
# The questions a code or a document number answers. Typed in the answer to any other question, a
# code does not change the subject by itself (the user is asked: subject_switch), and a document
# number is part of the answer (the summary excepted: a record corrected there is shown again).
SUBJECT_QUESTIONS = (None, "filing_subject", "filing_record")
RECORD_QUESTIONS = SUBJECT_QUESTIONS + ("filing_confirmed",)
ENTITIES = ("credit_code", "subject_name", "doc_number", "phone", "person_name", "choice")
# Intents that interrupt a form: a rule answers them, then the form asks its question again.
DIGRESSIONS = ("ask_policy", "check_status", "human_handoff", "bot_challenge", "bank_credit")
DIGRESSION_CONFIDENCE = 0.6
MAX_CHOICES = 8
# What a repair ticket records as its performance once the applicant has said "yes" (then any details
# typed); ActionSubmitFiling files a repair only with this mark. Any other answer ends the form.
PERFORMED_MARK = "已全部履行"
PERFORMED_TEXT = {kind: chinese for kind, (chinese, _) in filing_text.PERFORMED_TEXT.items()}
# The steps after the performance question: a message there that says the duties are not yet
# performed ("其实罚款还没交") ends the form as the answer "no" would.
AFTER_PERFORMANCE = REQUIRED["repair"][REQUIRED["repair"].index("repair_performance") + 1:]
# A record button naming a record this filing did not offer (a forged payload, or a stale button).
NOT_OFFERED = filing_text.MESSAGES["not_offered"][0]


def _just_activated(tracker: Tracker, form: str) -> bool:
    """True when Rasa activated the form on this very message (its ActiveLoop event follows the
    user's message). Slots left from an abandoned filing are then ignored."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name") == form:
            return True
    return False


def _entity(message: dict, entity: str) -> str | None:
    """The first usable value of `entity` in a parsed message (as actions.latest.latest_entity reads
    the latest one: a forged payload's values pass services.payload_guard)."""
    values = (payload_guard.entity_value(entity, e.get("value")) for e in message.get("entities") or []
              if e.get("entity") == entity)
    return next((v for v in values if v is not None), None)


class Turn:
    """A message as the form sees it: the latest one, or one the form held (subject_switch)."""

    def __init__(self, message: dict, channel: str | None):
        self.text = (message.get("text") or "").strip()
        # What the user typed (Traditional kept) is what a ticket stores; matching uses `text`.
        self.original = (message.get("original_text") or self.text).strip()
        intent = message.get("intent") or {}
        self.intent = intent.get("name")
        self.confidence = float(intent.get("confidence") or 0.0)
        self.payload = self.text.startswith("/")
        self.channel = channel
        self.entities = {name: _entity(message, name) for name in ENTITIES}

    @classmethod
    def latest(cls, tracker: Tracker) -> "Turn":
        return cls(tracker.latest_message or {}, tracker.get_latest_input_channel() or None)


class ValidateFiling(SafeAction):
    """Shared by both forms; `form` names which."""

    form = ""

    def name(self) -> str:
        return f"validate_{self.form}"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        kind = FORMS[self.form]
        turn = Turn.latest(tracker)
        slots = {s: tracker.get_slot(s) for s in FILING_SLOTS}
        starting = _just_activated(tracker, self.form) or slots["filing_kind"] != kind
        requested = None if starting else tracker.get_slot("requested_slot")
        updates: dict[str, Any] = {}
        if starting:
            slots = {s: None for s in FILING_SLOTS}
            updates.update({s: None for s in FILING_SLOTS})
            updates.update(filing_kind=kind, filing_id=uuid.uuid4().hex)
            slots.update(filing_kind=kind, filing_id=updates["filing_id"])
            focus = tracker.get_slot("focus_subject")
            if focus:  # "这条处罚有误": the subject the user just looked up
                updates["filing_subject"] = slots["filing_subject"] = str(focus)

        if not starting and (turn.entities["choice"] == "cancel" or form_input.is_cancel(turn.text)):
            return self._end(updates, "user")
        if not starting and self._digression(turn, requested):
            return []  # reject: a rule answers, then the form asks again

        form = _Form(kind, reply, slots, updates, turn, requested, tracker.sender_id)
        holding = None if starting else subject_switch.held(tracker)
        if holding is not None:
            await form.settle_switch(holding, tracker.get_latest_input_channel() or None)
        else:
            await form.read(starting)
        await form.settle_record()
        if form.cancelled:
            return self._end(updates, form.cancelled)
        if form.changed - {"filing_confirmed"} and not starting and requested == "filing_confirmed":
            updates["filing_confirmed"] = None  # a correction at the summary: show it again
        merged = {**slots, **updates}
        missing = next((s for s in REQUIRED[kind] if merged.get(s) in (None, "")), None)
        events = [SlotSet(k, v) for k, v in updates.items()]
        if not any(k != "requested_slot" for k in updates) and requested:
            events.append(SlotSet(requested, None))  # an answer we could not use: ask again, don't reject
        events.append(SlotSet("requested_slot", missing))
        return events

    def _digression(self, turn: Turn, requested: str | None) -> bool:
        if turn.intent not in DIGRESSIONS or turn.confidence < DIGRESSION_CONFIDENCE:
            return False
        if turn.entities["phone"] or turn.entities["doc_number"] or turn.entities["credit_code"]:
            return False
        if turn.payload:
            return True
        if (requested == "repair_performance" and turn.intent != "human_handoff" and not form_input.is_question(turn.text)
                and form_input.performance_of(turn.text) is not None):
            return False  # "分期还在交" answers the question, whatever intent the NLU heard in it
        if turn.intent == "check_status":
            return True
        # A description may well be classified ask_policy; only a question, or "出处呢" about the
        # policy answer just given, interrupts free text.
        return (requested not in FREE_TEXT or form_input.is_question(turn.text)
                or (turn.intent == "ask_policy" and is_policy_followup(turn.text)))

    @staticmethod
    def _end(updates: dict, reason: str) -> list[dict[str, Any]]:
        updates["filing_cancelled"] = reason
        return [SlotSet(k, v) for k, v in updates.items()] + [SlotSet("requested_slot", None)]


class _Form:
    """One turn of one form: reads the message into `updates`, says what needs saying."""

    def __init__(self, kind: str, reply: Reply, slots: dict, updates: dict, turn: Turn, requested, sender: str):
        self.kind, self.reply, self.slots, self.updates = kind, reply, slots, updates
        self.english = reply.english
        self.turn, self.requested, self.sender = turn, requested, sender
        self.changed: set[str] = set()
        self.cancelled: str | None = None
        self.chosen: RecordView | None = None  # the record this turn chose, checked by settle_record
        self.switch_asked = False  # this message is held: the user is asked whether to switch subject
        self.keep_subject = False  # a held message read as an answer: its code changes nothing

    def set(self, slot: str, value) -> None:
        if slot in FREE_TEXT and isinstance(value, str):
            value = mask_ids_in_text(value)  # kept in the conversation's slots too: never a whole ID number
        self.updates[slot] = value
        self.slots[slot] = value
        self.changed.add(slot)

    async def read(self, starting: bool) -> None:
        """The message: what it names, then what it says to the question asked."""
        await self.read_entities()
        if self.switch_asked or self.cancelled:
            return  # held until the user says whether to switch, or the filing has ended
        if starting:
            return self.read_opening()
        not_performed = (self.kind == "repair" and self.requested in AFTER_PERFORMANCE and not self.turn.payload
                         and form_input.says_not_performed(self.turn.text))
        if not_performed:  # "其实罚款还没交" at a later step: the answer "no" after all
            await self._not_performed(not_performed)
        elif self.requested and self.requested not in self.changed and not (
                self.requested == "filing_confirmed" and self.changed):  # a correction at the summary is the answer
            await self.read_answer(self.requested)

    # -- another subject named while the form asked something else (subject_switch)
    async def _offer_switch(self, code: str) -> bool:
        """Ask whether to switch to the subject of `code`; False when there is nothing to ask (not a
        valid code, or the filing's own subject), and the code is then part of the answer."""
        check = codes.check_code(code)
        if not check.valid:
            return False
        subject = self.slots.get("filing_subject")
        if subject and await run_db(tickets.is_subject_code, int(subject), check.normalized):
            return False
        self.switch_asked = True
        what = subject_switch.KIND_WORDS.get(check.kind, "代码")
        shown = subject_switch.shown(check)
        self.reply.zh_en(
            f"您的回复中有{what} {shown}，与本次申请的主体不同。要把这次{filing_text.KIND_NAME[self.kind]}申请"
            f"改为针对它所对应的主体吗？选【否】，这条回复就作为对刚才问题的回答，主体不变。",
            f"Your reply contains another code ({shown}). Should this application be about that subject "
            f"instead? If not, your reply is kept as the answer to my question and the subject stays.",
            subject_switch.question_buttons(self.english))
        return True

    async def settle_switch(self, holding: subject_switch.Held, channel: str | None) -> None:
        """The answer to "switch?": only an explicit yes switches; anything else makes the held
        message the answer to the question it was typed for (this reply answers nothing else)."""
        t = self.turn
        if subject_switch.is_yes(t.text, t.intent, t.payload):
            await self._subject_by_code(holding.code)  # a lookup like any other: counted and audited
            return
        parse = dict(holding.event.get("parse_data") or {}, text=holding.text, original_text=holding.original)
        self.turn, self.keep_subject = Turn(parse, channel), True
        await self.read(starting=False)

    # -- anything the message names, whatever was asked
    async def read_entities(self) -> None:
        e = self.turn.entities
        if e["credit_code"] and not self.keep_subject:
            if self.requested in SUBJECT_QUESTIONS:
                await self._subject_by_code(e["credit_code"])
            elif await self._offer_switch(e["credit_code"]):
                return  # the whole message waits for the user's yes or no
        elif e["subject_name"] and self.requested in SUBJECT_QUESTIONS:
            await self._subject_by_name(e["subject_name"])
        if e["doc_number"] and self.requested in RECORD_QUESTIONS:
            await self._record_by_doc(e["doc_number"])
        record_id, ground_no = payload_guard.record_choice(e["choice"]), payload_guard.ground_choice(e["choice"])
        if record_id:
            await self._record_by_choice(record_id)
        elif ground_no and self.kind == "objection":
            ground = form_input.ground_of(ground_no)
            if ground:
                self.set("objection_ground", ground)
        performed = payload_guard.performance_choice(e["choice"])
        if performed and self.kind == "repair" and self.slots.get("filing_record"):
            return await self._performance(performed, None)
        if self.requested not in ("objection_description", "objection_evidence", "repair_performance"):
            # The whole message first: the NLU's phone span misses a landline typed with a space.
            # A payload's text is JSON, not something typed: only its phone entity counts.
            found = None if self.turn.payload else form_input.phone_in(self.turn.text)
            if found and (found.valid or self.requested == "contact_phone"):
                self._phone(found.value)
            elif e["phone"]:
                self._phone(e["phone"])
        for field, value in ({} if self.turn.payload else form_input.labelled(self.turn.text)).items():
            if field == "repair_performance" and field != self.requested and self.kind == "repair":
                if self.slots.get("filing_record"):  # "履行情况改为…": read like the answer to the question
                    await self._performance(form_input.performance_of(value), self._original_of(value))
            elif field in REQUIRED[self.kind] and field != self.requested:
                self.set(field, self._original_of(value) if field in FREE_TEXT else value)

    def _original_of(self, value: str) -> str:
        """The user's own characters for a value found in the normalised text (same length)."""
        start = self.turn.text.find(value)
        if start >= 0 and len(self.turn.original) == len(self.turn.text):
            return self.turn.original[start:start + len(value)]
        return value

    def read_opening(self) -> None:
        """The message that started an objection may already say why ("金额写错了")."""
        if self.kind != "objection" or self.turn.payload:
            return
        ground = form_input.ground_of(self.turn.text)
        if ground and ground != "其他":
            self.set("objection_ground", ground)

    # -- the answer to the question asked
    async def read_answer(self, slot: str) -> None:
        t = self.turn
        if slot == "filing_subject":
            if t.entities["subject_name"] or t.entities["credit_code"]:
                return  # read_entities has answered (a list of candidates, or why not)
            name = None if t.payload else payload_guard.name_text(t.text)
            if not name or not form_input.meaningful(name, 3):
                return self._say("ask_subject_again")
            return await self._subject_by_name(name)
        if slot == "filing_record":
            if t.entities["doc_number"] or payload_guard.record_choice(t.entities["choice"]):
                return  # read_entities has answered
            n = form_input.ordinal(t.text)
            choices = [c for c in (self.slots.get("filing_choices") or "").split(",") if c]
            if n and 1 <= n <= len(choices):
                return await self._record_by_id(int(choices[n - 1]))
            return self._say("ask_record_again")
        if slot == "objection_ground":
            ground = form_input.ground_of(t.text)
            if ground:
                return self.set(slot, ground)
            return self._say("ask_ground_again")
        if slot == "objection_description":
            if t.payload or not form_input.meaningful(t.text, 4):
                return self._say("ask_description_again")
            return self.set(slot, t.original)
        if slot == "repair_performance":  # a button was read by read_entities
            return await self._performance(None if t.payload else form_input.performance_of(t.text), t.original)
        if slot == "objection_evidence":
            if form_input.nothing(t.text):
                return self.set(slot, filing_text.NOTHING_TYPED[0])
            if t.payload or not form_input.meaningful(t.text, 2):
                return self._say("ask_evidence_again")
            return self.set(slot, t.original)
        if slot == "repair_commitment":
            # The "同意并承诺" button sends /affirm: pressing it is the explicit agreement; a typed
            # bare "好" still is not.
            agreed = (t.payload and t.intent == "affirm") or form_input.consent(t.text, t.intent)
            if agreed:
                return self.set(slot, "agreed")
            return self._say("commitment_needed")
        if slot == "contact_name":
            name = self.turn.entities["person_name"] or form_input.contact_name_of(t.text)
            if name and not t.payload:
                return self.set(slot, self._original_of(name))
            return self._say("ask_name_again")
        if slot == "contact_phone":  # a number, valid or not, was dealt with by read_entities
            return self._say("ask_phone_again")
        if slot == "filing_confirmed":
            answer = form_input.yes_no(t.text, t.intent)
            if answer:
                return self.set(slot, "yes")
            return self._say("confirm_what_to_change" if answer is False else "confirm_again")

    def _again(self, text: str) -> None:
        self.reply.say(text)

    def _say(self, key: str, **values) -> None:
        """A message of filing_text's table, in the user's language."""
        self.reply.say(filing_text.say(key, self.english, **values))

    def _phone(self, text: str) -> None:
        check = form_input.check_phone(text)
        if check.valid:
            self.set("contact_phone", check.value)
        else:
            self._again(filing_text.bad_phone(check.value, self.english))

    # -- has the penalty been performed (36号: the duties fully performed before a repair)
    async def _performance(self, answer: str | None, typed: str | None) -> None:
        """Yes: recorded (with what the user typed, when it says more than yes); no or instalments:
        the form ends with 36号's condition; anything else: asked again, never taken as yes."""
        if answer is None:
            return self._say("performance_unclear")
        if answer != form_input.PERFORMED:
            return await self._not_performed(answer)
        record = await run_db(tickets.record_view, int(self.slots["filing_record"]))
        text = PERFORMED_TEXT["list" if record is not None and record.kind == "list" else "penalty"]
        if typed and form_input.meaningful(typed, 5):  # more than "交完了": the details, as typed
            text += f"{filing_text.APPLICANT_NOTE[0]}{typed.strip()}"
        self.set("repair_performance", text)

    async def _not_performed(self, answer: str) -> None:
        """Not eligible now: the record's verdict with the answer given, and nothing filed."""
        record = await run_db(tickets.record_view, int(self.slots["filing_record"]))
        if record is None:
            return self._say("record_gone_not_filed")
        verdict = eligibility.assess(record, performed=answer, region=record.region)
        self.reply.say(filing_text.ineligible(record, verdict, english=self.english))
        self._say("not_performed_after")
        self.cancelled = "not_performed"

    # -- subject and record
    async def _looked_up(self, lookup, *args, **kwargs):
        """A lookup's result, or None with the refusal said when this conversation asked too often."""
        try:
            return await run_db(lookup, *args, channel=self.turn.channel, **kwargs)
        except TooManyLookups as refused:
            self.reply.too_many(refused)
            return None

    async def _subject_by_code(self, code: str) -> None:
        found = await self._looked_up(enquiry.by_code, code, self.sender)
        if found is None:
            return None
        if not found.check.valid:
            return self._say("bad_code", reason=found.check.reason, code=found.check.normalized)
        if found.enquiry is None:
            return self._say("no_such_code")
        self._subject(found.enquiry.subject.id)

    async def _subject_by_name(self, name: str) -> None:
        found = await self._looked_up(enquiry.by_name, name, self.sender, limit=5)
        if found is None:
            return None
        if found.exact:
            return self._subject(found.exact.subject.id)
        if found.too_short:
            return self._say("name_too_short", name=name)
        if not found.candidates:
            return self._say("name_not_found", name=name)
        buttons = [{"title": c.name, "payload": '/inform{"credit_code":"%s"}' % c.code}
                   for c in found.candidates if c.code]
        self.reply.say(filing_text.say("name_candidates", self.english, name=name), buttons)

    def _subject(self, subject_id: int) -> None:
        if str(subject_id) != str(self.slots.get("filing_subject")):
            self.set("filing_record", None)
            self.set("filing_choices", None)
        self.set("filing_subject", str(subject_id))

    async def _record_by_doc(self, doc: str) -> None:
        if not tickets.doc_searchable(doc):  # no digits, or too short: nothing to search for
            return self._say("doc_incomplete")
        subject = self.slots.get("filing_subject")
        found = await self._looked_up(tickets.record_by_doc, doc, int(subject) if subject else None, self.sender)
        if found is None:
            return None
        if not found:
            return self._say("doc_not_found_subject" if subject else "doc_not_found", doc=doc)
        if len(found) > 1 and not subject:
            return self._say("doc_ambiguous", doc=doc)
        self._choose(found[0])

    async def _record_by_id(self, record_id: int) -> None:
        self._choose(await run_db(tickets.record_view, record_id))

    async def _record_by_choice(self, record_id: int) -> None:
        """A record button's payload: only a record this filing offers (a forged one is refused)."""
        subject = self.slots.get("filing_subject")
        record = await run_db(tickets.offered_record, record_id, self.kind, int(subject) if subject else None)
        if record is None:
            return self._say("not_offered")
        self._choose(record)

    def _choose(self, record: RecordView | None) -> None:
        if record is None:
            return self._say("record_gone")
        if str(record.subject_id) != str(self.slots.get("filing_subject")):
            self._subject(record.subject_id)
        self.set("filing_record", str(record.id))
        self.chosen = record

    async def settle_record(self) -> None:
        """Once the subject is known: list its records, or take the only one; check the chosen one."""
        subject = self.slots.get("filing_subject")
        if not subject or self.cancelled:
            return
        if not self.slots.get("filing_record"):
            if "filing_subject" not in self.changed and self.slots.get("filing_choices"):
                return
            found = await run_db(tickets.records_for, int(subject), self.kind)
            # "对一条行政处罚提出异议": only the kinds the message names, when it names any it has
            named = followup.parse(self.turn.text).kinds if not self.turn.payload else ()
            found = [r for r in found if r.kind in named] or found
            records, routed, red = _offered(found, self.kind)
            for record in routed:  # 经营异常名录 and the like: where to go instead
                self.reply.say(filing_text.ineligible(record, eligibility.assess(record, region=record.region),
                                                      english=self.english))
            if not records:
                if red and not routed:  # say why the red-list entry is not offered
                    self.reply.say(_red_list_text(red[0], self.kind, self.english))
                self._say("nothing_to_file", action=filing_text.action_name(self.kind, self.english))
                self.cancelled = "nothing"
                return
            if len(records) == 1:
                self._say("only_record", label=filing_text.record_label(records[0], self.english))
                self._choose(records[0])
            else:
                self.set("filing_choices", ",".join(str(r.id) for r in records[:MAX_CHOICES]))
                return
        if self.chosen is not None and self.slots.get("filing_record") == str(self.chosen.id):
            await self._check_record(self.chosen)

    async def _check_record(self, record: RecordView) -> None:
        if self.kind == "objection" and _list_rule(record) is not None and _list_rule(record).red:
            self.reply.say(_red_list_text(record, self.kind, self.english))  # named by its document number
            self.cancelled = "ineligible"
            return
        if self.kind == "repair":
            verdict = eligibility.assess(record, region=record.region)
            if not verdict.eligible:
                self.reply.say(filing_text.ineligible(record, verdict, english=self.english))
                self.cancelled = "ineligible"
                return
            self.reply.say(filing_text.eligible(record, verdict, english=self.english))
        elif record.display_status == "异议处理中":
            open_ticket = await run_db(tickets.open_on_record, "objection", record.id)
            if open_ticket:
                self._say("open_objection", no=open_ticket.ticket_no,
                          status=filing_text.status_name(open_ticket.status, self.english))
                self.cancelled = "duplicate"


def _list_rule(record: RecordView):
    return rules().lists.get(record.list_type or "") if record.kind == "list" else None


def _offered(records: list[RecordView], kind: str) -> tuple[list, list, list]:
    """(offered, routed, red) of a subject's records: a red-list entry (守信红名单, an incentive) is
    never a repair or objection target; a list another body handles (rules().lists: repairable false,
    handled_by set) is routed to that body instead of being offered for repair."""
    offered, routed, red = [], [], []
    for record in records:
        rule = _list_rule(record)
        if rule is not None and rule.red:
            red.append(record)
        elif kind == "repair" and rule is not None and not rule.repairable:
            routed.append(record)
        else:
            offered.append(record)
    return offered, routed, red


def _red_list_text(record: RecordView, kind: str, english: bool = False) -> str:
    """Why a red-list entry is not a target. For a repair, the wording of the eligibility answer; an
    objection has none, so the rule's exit text with its source (our summary, labelled so)."""
    if kind == "repair":
        return filing_text.ineligible(record, eligibility.assess(record, region=record.region), english=english)
    return filing_text.red_list_objection(record, english)


class ValidateObjectionForm(ValidateFiling):
    form = "objection_form"


class ValidateRepairForm(ValidateFiling):
    form = "repair_form"


# ---------------------------------------------------------------- the questions

_QUESTIONS = {
    "filing_subject": ("请问要对哪家企业（组织）的记录{what}？请发送名称或18位统一社会信用代码。",
                       "Which company's or organisation's record do you want to {what}? Send its name or its "
                       "18-character unified social credit code."),
    "objection_description": ("请简要说明具体情况：哪一项信息不对，正确的应该是什么？",
                              "Please describe briefly what is wrong: which item, and what would be right?"),
    "objection_evidence": ("您有哪些可以证明的材料？（如复议决定书、缴款凭证、营业执照），没有可以回复【没有】。",
                           "What evidence do you have (e.g. a reconsideration decision, a payment receipt, the "
                           "business licence)? Reply 'none' if you have none."),
    "contact_name": ("请留下联系人姓名。", "Please give the contact person's name."),
    "contact_phone": ("请留下联系电话（手机号或带区号的座机号）。",
                      "Please give a contact phone number (a mobile number, or a landline with its area code)."),
}


class FormQuestion(SafeAction):
    """A form's question, unless the form has just asked whether to switch subject: that question
    is then the only one (the form asks its own again once the user has answered it)."""

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if subject_switch.asked_this_turn(tracker):
            return []
        return await self.ask(reply, tracker)

    @abc.abstractmethod
    async def ask(self, reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
        """Say the question."""


class AskFiling(FormQuestion):
    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def ask(self, reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
        kind = tracker.get_slot("filing_kind") or "objection"
        chinese, english = _QUESTIONS[self.slot]
        reply.zh_en(chinese.format(what=filing_text.ACTION[kind]), english.format(what=filing_text.ACTION_EN[kind]))
        return []


class AskFilingSubject(AskFiling):
    slot = "filing_subject"


class AskObjectionDescription(AskFiling):
    slot = "objection_description"


class AskObjectionEvidence(AskFiling):
    slot = "objection_evidence"


class AskRepairPerformance(FormQuestion):
    """Asked plainly, with the three answers as buttons: only "yes" goes on (36号)."""

    def name(self) -> str:
        return "action_ask_repair_performance"

    async def ask(self, reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
        record_id = tracker.get_slot("filing_record")
        record = await run_db(tickets.record_view, int(record_id)) if record_id else None
        duties = _DUTIES["list" if record is not None and record.kind == "list" else "penalty"][reply.english]
        rule = stated(rules().performance, reply.english)
        reply.zh_en(f"请确认：{duties}\n{rule}。\n没有罚款或整改要求的（例如仅警告），请选【已全部履行】。",
                    f"Please confirm: {duties}\nA repair needs this: {rule}.\nIf there was no fine and nothing to "
                    f"rectify (e.g. only a warning), choose the first answer.",
                    PERFORMANCE_BUTTONS_EN if reply.english else PERFORMANCE_BUTTONS)
        return []


_DUTIES = {  # the performance question: (Chinese, English)
    "list": ("列入名单所涉的失信行为是否已经纠正、法定义务（如罚款、税款、整改）是否已经全部履行？",
             "has the conduct that led to the listing been corrected, and have the legal duties (fines, taxes, "
             "rectification) all been performed?"),
    "penalty": ("处罚决定规定的义务是否已经全部履行：罚款是否已全部缴清、责令整改的事项是否已全部完成？",
                "have the duties the penalty decision set been performed in full: is the fine paid in full and "
                "is everything you were ordered to rectify done?"),
}


PERFORMANCE_BUTTONS = [
    {"title": "已全部履行（罚款已缴清、整改已完成）", "payload": '/inform{"choice":"performed-yes"}'},
    {"title": "尚未全部履行（罚款未缴清或整改未完成）", "payload": '/inform{"choice":"performed-no"}'},
    {"title": "分期缴纳中（尚未缴完）", "payload": '/inform{"choice":"performed-instalments"}'},
]
PERFORMANCE_BUTTONS_EN = [dict(b, title=t) for b, t in zip(
    PERFORMANCE_BUTTONS, ("Yes, paid in full and rectified", "Not yet", "Paying in instalments"))]


class AskContactName(AskFiling):
    slot = "contact_name"


class AskContactPhone(AskFiling):
    slot = "contact_phone"


class AskFilingRecord(FormQuestion):
    def name(self) -> str:
        return "action_ask_filing_record"

    async def ask(self, reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
        kind = tracker.get_slot("filing_kind") or "objection"
        ids = [int(c) for c in (tracker.get_slot("filing_choices") or "").split(",") if c]
        views = await run_db(tickets.record_views, ids)
        buttons = [{"title": f"{n}. {filing_text.record_label(v, reply.english)}",
                    "payload": '/inform{"choice":"r%d"}' % v.id} for n, v in enumerate(views, 1)]
        reply.say(filing_text.say("choose_record", reply.english, action=filing_text.action_name(kind, reply.english)),
                  buttons)
        return []


class AskObjectionGround(FormQuestion):
    def name(self) -> str:
        return "action_ask_objection_ground"

    async def ask(self, reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
        buttons = [{"title": filing_text.ground_name(g, reply.english), "payload": '/inform{"choice":"g%d"}' % i}
                   for i, g in enumerate(rules().grounds, 1)]
        reply.say(filing_text.say("choose_ground", reply.english), buttons)
        return []


class AskRepairCommitment(FormQuestion):
    def name(self) -> str:
        return "action_ask_repair_commitment"

    async def ask(self, reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
        reply.say(filing_text.commitment(reply.english), _buttons(reply, "button_agree"))
        return []


class AskFilingConfirmed(FormQuestion):
    def name(self) -> str:
        return "action_ask_filing_confirmed"

    async def ask(self, reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
        kind = tracker.get_slot("filing_kind") or "objection"
        record = await run_db(tickets.record_view, int(tracker.get_slot("filing_record")))
        name = await run_db(tickets.subject_name, int(tracker.get_slot("filing_subject")))
        slots = {s: tracker.get_slot(s) for s in FILING_SLOTS}
        reply.say(filing_text.summary(kind, name or "", record, slots, reply.english),
                  _buttons(reply, "button_confirm"))
        return []


def _buttons(reply: Reply, yes: str) -> list[dict]:
    """Go on (the /affirm payload) or cancel, titled in the user's language."""
    return [{"title": filing_text.say(yes, reply.english), "payload": "/affirm"},
            {"title": filing_text.say("button_cancel", reply.english), "payload": '/deny{"choice":"cancel"}'}]


# ---------------------------------------------------------------- the filing

class ActionSubmitFiling(SafeAction):
    """After the form: file the ticket (committed before anything is said), or end a cancelled one."""

    def name(self) -> str:
        return "action_submit_filing"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        slots = {s: tracker.get_slot(s) for s in FILING_SLOTS}
        reset = [SlotSet(s, None) for s in FILING_SLOTS]
        cancelled = slots["filing_cancelled"]
        if cancelled == "user":
            reply.say(filing_text.say("cancelled", reply.english))
        if cancelled or slots["filing_confirmed"] != "yes":
            return reset
        kind = slots["filing_kind"]
        if kind == "repair" and not str(slots["repair_performance"] or "").startswith(PERFORMED_MARK):
            # The form sets nothing else; a slot that says otherwise (never the applicant's yes) files nothing.
            reply.say(filing_text.say("not_filed_unperformed", reply.english))
            return reset
        filing = tickets.Filing(
            kind=kind, record_id=int(slots["filing_record"]),
            idempotency_key=f"{tracker.sender_id}:{slots['filing_id']}", sender_id=tracker.sender_id,
            channel=(tracker.get_latest_input_channel() or None), ground=slots["objection_ground"],
            description=slots["objection_description"], evidence=slots["objection_evidence"],
            performance=slots["repair_performance"],
            commitment_text=rules().commitment.text if kind == "repair" else None,
            contact_name=slots["contact_name"], contact_phone=slots["contact_phone"])
        try:
            filed = await run_db(tickets.file, filing)
        except tickets.TicketError as refused:
            reply.say(filing_text.say("refused", reply.english, reason=refused.english if reply.english else refused))
            return reset
        reply.say(filing_text.receipt(filed.ticket, filed.created, filed.same_request, english=reply.english))
        return reset + [SlotSet("focus_subject", slots["filing_subject"])]
