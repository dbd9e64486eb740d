"""Calls and their transcripts: created when the PBX's media arrives, finals stored as they come."""

from sqlmodel import Session, select

from hotline.callers.models import Call, Caller, TranscriptSegment
from hotline.db import dialect_insert, utcnow
from hotline.errors import Invalid, NotFound
from hotline.tickets.grams import last4


def normalise_phone(raw: str) -> str:
    phone = "".join(ch for ch in raw if ch not in " -()")
    digits = phone.removeprefix("+")
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise Invalid(f"电话号码格式不正确：{raw}", code="bad_phone")
    return phone


def caller_for(session: Session, phone: str, name: str | None = None) -> Caller:
    """The caller with this number, created on first contact (insert-or-ignore: two first calls may race)."""
    phone = normalise_phone(phone)
    session.execute(
        dialect_insert(session)(Caller.__table__)
        .values(phone=phone, phone_last4=last4(phone), name=name, created_at=utcnow())  # Core insert: no model hook
        .on_conflict_do_nothing(index_elements=["phone"])
    )
    caller = session.exec(select(Caller).where(Caller.phone == phone)).one()
    if name and not caller.name:
        caller.name = name
    return caller


def ensure_call(session: Session, external_id: str, caller_phone: str | None = None, legs: str | None = None) -> Call:
    """The call with the PBX's id, created when its first media arrives; commits."""
    if not external_id or len(external_id) > 64:
        raise Invalid("通话标识为空或过长（最多 64 个字符）", code="bad_call_id")
    call = session.exec(select(Call).where(Call.external_id == external_id)).first()
    if call is None:
        session.execute(
            dialect_insert(session)(Call.__table__)
            .values(
                external_id=external_id,
                channel="phone",
                direction="inbound",
                started_at=utcnow(),
                legs=legs or "caller,agent",
            )
            .on_conflict_do_nothing(index_elements=["external_id"])
        )
        call = session.exec(select(Call).where(Call.external_id == external_id)).one()
    if caller_phone and call.caller_id is None:
        call.caller_id = caller_for(session, caller_phone).id
    session.add(call)
    session.commit()
    session.refresh(call)
    return call


def add_segment(
    session: Session, external_id: str, leg: str, start: float, end: float, text: str, confidence: float | None
) -> TranscriptSegment:
    """Store one final result of one leg; commits."""
    call = ensure_call(session, external_id)
    segment = TranscriptSegment(call_id=call.id, leg=leg, start=start, end=end, text=text, confidence=confidence)
    session.add(segment)
    session.commit()
    session.refresh(segment)
    return segment


def call_by_external_id(session: Session, external_id: str) -> Call:
    call = session.exec(select(Call).where(Call.external_id == external_id)).first()
    if call is None:
        raise NotFound(f"没有通话 {external_id}", code="call_not_found")
    return call


def end_call(session: Session, external_id: str) -> Call:
    call = call_by_external_id(session, external_id)
    if call.ended_at is None:
        call.ended_at = utcnow()
        session.add(call)
        session.commit()
        session.refresh(call)
    return call


def transcript(session: Session, call: Call) -> list[TranscriptSegment]:
    query = select(TranscriptSegment).where(TranscriptSegment.call_id == call.id)
    return list(session.exec(query.order_by(TranscriptSegment.start, TranscriptSegment.id)))
