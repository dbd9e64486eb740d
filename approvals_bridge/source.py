"""The interface every approval source meets, and the plain-language view a caller is given."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

STAGES = ("受理", "审查", "决定", "办结")
STAGE_TEXT = {
    "受理": "已受理，正在等待审查",
    "审查": "正在审查",
    "决定": "已作出审批决定，正在办结（制证、送达）",
    "办结": "已办结",
    "补正": "材料需要补正，请按通知补齐材料",
    "不予受理": "不予受理",
}


@dataclass(frozen=True)
class ApprovalStep:
    stage: str
    at: datetime | None
    text: str


@dataclass(frozen=True)
class ApprovalView:
    application_no: str
    item_name: str
    department: str
    kind: str  # 即办件 / 承诺件
    stage: str
    stage_text: str
    submitted_at: datetime
    promised_days: int
    due_at: datetime | None
    applicant: str  # masked
    steps: list[ApprovalStep] = field(default_factory=list)


def headline(stage: str, steps: list[ApprovalStep]) -> tuple[str, str, list[ApprovalStep]]:
    """(stage, its text, the steps oldest first). The headline follows the timeline the applicant reads under it:
    the latest step's stage, not a status field that may lag behind it or run ahead; the status only when the
    case has no step yet. A platform's own stage names (窗口受理, 科室审核 …) are shown as they are."""
    # stable: steps at one moment keep the platform's order; a step without a time (a platform's gap) goes first
    ordered = sorted(steps, key=lambda s: (s.at is not None, s.at or datetime.min))
    current = ordered[-1].stage if ordered and ordered[-1].stage else stage
    return current, STAGE_TEXT.get(current, current), ordered


ID_TAIL = 6


def identity_matches(
    identity: str, phone: str | None, id_tail: str | None, name: str | None = None, applicant: str | None = None
) -> bool:
    """The applicant's full phone number; or the last six characters of their ID number (X in either case) together
    with their name. Four ID digits alone were 10,000 guesses; six digits and a name are not guessable."""
    given = identity.strip().upper()
    if not given:
        return False
    if phone and len(given) >= 11 and given == phone.strip():
        return True
    if not id_tail or len(id_tail) < ID_TAIL or len(given) != ID_TAIL or given != id_tail[-ID_TAIL:].upper():
        return False
    return bool(name and applicant) and name.strip() == applicant.strip()


def mask_name(name: str) -> str:
    """张三丰 → 张**: enough to recognise, not enough to identify."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


class ApprovalSource(Protocol):
    def lookup(self, application_no: str, identity: str, name: str | None = None) -> ApprovalView | None:
        """The case if it exists AND the identity matches (phone; or ID tail + name); None otherwise (the two are
        indistinguishable)."""
        ...
