"""What an entity value may be, whoever wrote it.

Rasa reads any message starting with "/" as `/intent{"entity": value, ...}` with confidence 1, so a
user can send any intent with any entity values, of any JSON type: the button payloads are not
the only payloads that arrive. Every action reads entities through `actions.latest.latest_entity`,
which passes them through `entity_value` here: a value of the wrong type or shape counts as
absent. Internal entities have fixed shapes (`choice`: r<record id>, g<ground number>, cancel,
performed-yes|no|instalments; `page`: an offset); names and document numbers are text without markup, of bounded length.

Whether a value that has the right shape may be used (a record this conversation was offered) is
for the service that owns the data to say: `tickets.offered_record`.

Pure functions; no database, no Rasa.
"""
from __future__ import annotations

import re
import unicodedata

MAX_RECORD_ID = 2**31 - 1  # an INTEGER column: a larger id is an error in PostgreSQL, not "not found"

# Fixed shapes, on the value as sent (ASCII digits only: "²".isdigit() is True, int("²") fails).
_SHAPES = {
    "choice": re.compile(r"(?:r[0-9]{1,10}|g[0-9]{1,2}|cancel|performed-(?:yes|no|instalments))"),
    "page": re.compile(r"[0-9]{1,6}"),
    "ticket_id": re.compile(r"(?:YY|XF)[-_ —]?[0-9]{8}[-_ —]?[0-9]{4}", re.I),
    "phone": re.compile(r"[0-9+()（）\-—－ ]{3,30}"),
}
# Codes: letters and digits once separators and widths are normalised (wrong letters still reach
# the check that explains them).
_CODE = re.compile(r"[0-9A-Za-z]{1,24}")
_CODE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−－_·.．、]+")
# Free text: bounded, and no markup or template syntax (no name or document number has any).
MAX_TEXT = {"subject_name": 100, "person_name": 30, "doc_number": 60}
_MARKUP = re.compile(r"[{}<>$`\\]")


def _printable(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text)


def entity_value(entity: str, value: object) -> str | None:
    """`value` as text when it is a usable value of `entity`, else None (treated as absent)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None  # null, lists, objects, floats: never a value anything sends
    text = str(value).strip()
    if not text or not _printable(text):
        return None
    shape = _SHAPES.get(entity)
    if shape is not None:
        return text if shape.fullmatch(text) else None
    if entity == "credit_code":
        joined = _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
        return text if _CODE.fullmatch(joined) else None
    if entity in MAX_TEXT:
        return text if len(text) <= MAX_TEXT[entity] and not _MARKUP.search(text) else None
    return text if len(text) <= 100 else None


def name_text(text: str) -> str | None:
    """A whole message taken as a subject name (the form asked for one), if it can be one."""
    return entity_value("subject_name", text)


def record_choice(choice: str | None) -> int | None:
    """The record id of a `choice` value r<id>, or None."""
    if choice and _SHAPES["choice"].fullmatch(choice) and choice.startswith("r"):
        record_id = int(choice[1:])
        return record_id if 0 < record_id <= MAX_RECORD_ID else None
    return None


def performance_choice(choice: str | None) -> str | None:
    """The answer of a repair form's performance button (performed-yes|no|instalments), or None."""
    if choice and _SHAPES["choice"].fullmatch(choice) and choice.startswith("performed-"):
        return choice[len("performed-"):]
    return None


def ground_choice(choice: str | None) -> str | None:
    """The ground number (as text) of a `choice` value g<n>, or None."""
    if choice and _SHAPES["choice"].fullmatch(choice) and choice.startswith("g"):
        return choice[1:]
    return None
