"""Who may see who called (来电人身份): the one place every view of a ticket asks.

The full number never reaches a browser (138****1234 for everyone). A ticket marked 保密 (confidential, typical for
举报) shows its caller's name and numbers only inside the centre — agents, supervisors, managers, admins — and to
nobody else: liaisons, knowledge editors, exports made for outside, the Open311 façade, partner systems. Every
ticket view (API, desk, liaison portal, console, exports, Open311) goes through `shown_caller`.
"""

import re
from dataclasses import dataclass

from asr.text import DIGITS, digits_of
from hotline.auth.models import Role
from hotline.callers.models import mask_phone

CENTRE_ROLES = frozenset({Role.agent, Role.supervisor, Role.manager, Role.admin})
OUTSIDE = None  # the viewer of a public or partner view: Open311, an export for outside
HIDDEN_NOTE = "保密工单：来电人信息仅限热线中心查看"
# Phone-like digit runs in free text (a caller reading out their number): 7 digits or more, spaces allowed.
_SPOKEN_RUN = re.compile(f"[{''.join(DIGITS)}](?:[ ]?[{''.join(DIGITS)}]){{6,}}")
PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\d[ -]?){6,14}\d(?!\d)")


@dataclass(frozen=True)
class ShownCaller:
    phone: str | None  # masked
    name: str | None
    callback_phone: str | None  # masked
    hidden: bool  # the identity was withheld from this viewer (保密)


def inside_centre(viewer_role: str | None) -> bool:
    return viewer_role in CENTRE_ROLES


def shown_caller(
    confidential: bool, phone: str | None, name: str | None, callback_phone: str | None, viewer_role: str | None
) -> ShownCaller:
    """The caller as `viewer_role` may see them (None: a public or partner view, outside the centre)."""
    if confidential and not inside_centre(viewer_role):
        return ShownCaller(None, None, None, True)
    return ShownCaller(mask_phone(phone), name, mask_phone(callback_phone), False)


def partner_may_know_caller(confidential: bool, emergency: bool) -> bool:
    """A partner gets the caller's number to call back; a 保密 ticket's caller only reaches emergency services
    (110 / 119 / 120: routing/linkage/partners.py)."""
    return not confidential or emergency


def mask_numbers(text: str) -> str:
    """Phone numbers typed or read out in free text (幺三九…, as the speech package reads them), masked the way
    the number fields are: for viewers outside the centre."""
    text = _SPOKEN_RUN.sub(lambda m: digits_of(m.group().replace(" ", "")), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(re.sub(r"[ -]", "", m.group())) or "", text)


def outside_summary(confidential: bool, summary: str, request_type: str) -> str:
    """A ticket's summary for a view outside the centre: a 保密 ticket's own words may point at who reported it."""
    return f"{request_type}（保密）" if confidential else summary
