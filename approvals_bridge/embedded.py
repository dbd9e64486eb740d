"""The embedded approval store for a stand-alone install, and demo cases from the real service guide."""

import csv
import random
import re
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from approvals_bridge.models import ApprovalCase
from approvals_bridge.source import ApprovalStep, ApprovalView, headline, identity_matches, mask_name
from hotline.clock import get_calendar
from hotline.db import utcnow
from hotline.localtime import format_centre


def view_of(case: ApprovalCase) -> ApprovalView:
    history = [ApprovalStep(s["stage"], datetime.fromisoformat(s["at"]), s["text"]) for s in case.history]
    stage, stage_text, steps = headline(case.stage, history)
    return ApprovalView(
        application_no=case.application_no,
        item_name=case.item_name,
        department=case.department,
        kind=case.kind,
        stage=stage,
        stage_text=stage_text,
        submitted_at=case.submitted_at,
        promised_days=case.promised_days,
        due_at=case.due_at,
        applicant=mask_name(case.applicant_name),
        steps=steps,
    )


class EmbeddedApprovalSource:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lookup(self, application_no: str, identity: str, name: str | None = None) -> ApprovalView | None:
        case = self.session.exec(
            select(ApprovalCase).where(ApprovalCase.application_no == application_no.strip())
        ).first()
        if case is None or not identity_matches(
            identity, case.applicant_phone, case.id_last6, name, case.applicant_name
        ):
            return None
        return view_of(case)


def promised_days(limit: str) -> int:
    """'7(工作日)' → 7; '无' or '0' → 0 (即办件, done on the spot)."""
    found = re.match(r"\s*(\d+)", limit or "")
    return int(found.group(1)) if found else 0


def read_items(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row.get("matter_name") and row.get("DEPT_NAME")]


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def demo_cases(items: list[dict], count: int, now: datetime, seed: int = 12345) -> list[ApprovalCase]:
    """Cases across every stage, including 补正 and 不予受理, with promised dates on the working-day calendar."""
    rng = random.Random(seed)
    calendar = get_calendar()
    cases = []
    for index, item in enumerate(rng.sample(items, min(count, len(items)))):
        days = promised_days(item.get("handle_time_limit", ""))
        kind = "承诺件" if days else "即办件"
        submitted = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 8))
        due = calendar.add_working_days(submitted, days) if days else submitted
        history = [{"stage": "受理", "at": submitted.isoformat(), "text": f"{item['DEPT_NAME']}已受理申请"}]
        if kind == "即办件":
            done = min(submitted + timedelta(minutes=30), now)  # never a step after the moment the demo is made
            history.append({"stage": "办结", "at": done.isoformat(), "text": "即办件，当场办结"})
        else:
            outcome = rng.choice(["审查", "决定", "办结", "办结", "补正", "不予受理"])
            path = {
                "审查": ["审查"],
                "决定": ["审查", "决定"],
                "办结": ["审查", "决定", "办结"],
                "补正": ["补正"],
                "不予受理": ["不予受理"],
            }[outcome]
            moment = submitted
            for stage in path:
                moment = min(moment + timedelta(days=rng.randint(1, max(days // 3, 1))), now)
                text = {
                    "审查": "进入审查",
                    "决定": "审查通过，作出准予许可决定",
                    "办结": "已办结，证照已制发",
                    "补正": "申请材料不齐全，请于 5 个工作日内补正",
                    "不予受理": "不属于本部门职权范围，不予受理",
                }
                history.append({"stage": stage, "at": moment.isoformat(), "text": text[stage]})
        name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
        cases.append(
            ApprovalCase(
                application_no=f"SB{format_centre(submitted, '%Y%m%d')}{index:05d}",  # the local day
                item_code=item.get("TASK_CODE", "")[:64],
                item_name=item["matter_name"][:200],
                department=item["DEPT_NAME"][:100],
                kind=kind,
                promised_days=days,
                applicant_name=name,
                applicant_phone=f"139{rng.randint(0, 99999999):08d}",
                id_last6=f"{rng.randint(0, 99999):05d}{rng.choice('0123456789X')}",
                stage=history[-1]["stage"],
                submitted_at=submitted,
                due_at=due,
                history=history,
            )
        )
    return cases


def seed_demo(session: Session, data_dir: Path, count: int = 200) -> int:
    """Fill the embedded store with demo cases (once: existing application numbers are kept)."""
    items = read_items(data_dir / "knowledge" / "service_guide.csv")
    existing = set(session.exec(select(ApprovalCase.application_no)).all())
    added = 0
    for case in demo_cases(items, count, utcnow()):
        if case.application_no not in existing:
            session.add(case)
            added += 1
    session.commit()
    return added
