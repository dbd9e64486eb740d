"""A year of ticket histories for the benchmark, as plain rows in batches.

Each ticket is a real message (title, body, request type, unit as the demo rules decide) at the real message's
month, day and time of day moved into YEAR; its history is written as the lifecycle functions write it
(the same actions, states and JSON fields), with the real handling interval of a real reply. Shares: a few
wrong dispatches returned and re-dispatched, returns insisted on, late signatures, extensions asked for and
mostly granted, dissatisfied callbacks reopened and handled again, consultations answered directly. Events
after `as_of` are cut, so the last weeks hold open tickets. Times are epoch seconds until the loaders format them.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import astuple, dataclass, field, fields
from datetime import UTC, date, datetime, time

from analytics.bench.clock import EpochClock
from analytics.bench.corpus import Corpus, Sample
from hotline.clock import get_time_limits
from hotline.tickets.assignments import DISPATCHES, AssignmentFacts, replay
from hotline.tickets.states import Action as A  # short: the generator writes long rows
from hotline.tickets.states import RequestType
from hotline.tickets.words import cut

YEAR = 2025  # a year the official calendar (chinesecalendar) knows
REPLY_CHARS = 160  # of the real reply kept in the history: the figures never read it
ANSWERABLE = {RequestType.consult.value, RequestType.suggestion.value, RequestType.praise.value}
ANSWER_TEXT = "已根据相关政策向市民解答，并告知办理地点、所需材料和咨询电话，市民表示清楚。"
ANSWER = json.dumps(ANSWER_TEXT)
RETURN_NOTE = "该诉求不属于本单位职责范围，请改派。"
HOUR = 3600

TICKET_COLUMNS = ("id", "number", "channel", "request_type", "topic", "department_id", "district", "urgency",
                  "summary", "description", "caller_id", "state", "created_by_id", "created_at", "updated_at",
                  "dispatched_at", "sign_due_at", "reply_due_at", "closed_at", "answer", "latest_reply",
                  "extended_days", "return_count", "reopen_count", "reminder_count", "supervised", "satisfaction",
                  "version")  # fmt: skip
EVENT_COLUMNS = ("id", "ticket_id", "action", "at", "actor_id", "actor_name", "actor_role", "department_id",
                 "from_state", "to_state", "note", "before", "after")  # fmt: skip
CALL_COLUMNS = ("id", "call_external_id", "caller_phone", "state", "enqueued_at", "offered_to", "offered_at",
                "offer_count", "answered_by", "answered_at", "ended_at", "wait_seconds", "version")  # fmt: skip
ASSIGNMENT_COLUMNS = ("id", *(f.name for f in fields(AssignmentFacts)))
WORDS_COLUMNS = ("ticket_id", "title", "body")
CALLER_COLUMNS = ("id", "phone", "created_at")
REACTION_COLUMNS = ("ticket_id", "likes", "dislikes")
TIME_COLUMNS = {"created_at", "updated_at", "dispatched_at", "sign_due_at", "reply_due_at", "closed_at", "at",
                "enqueued_at", "offered_at", "answered_at", "ended_at", "signed_at", "returned_at",
                "extension_requested_at", "extension_approved_at", "last_reply_at", "replied_at", "reply_accepted_at",
                "callback_at"}  # fmt: skip
AFTER_READ = {*DISPATCHES, A.approve_extension, A.callback}  # the steps whose recorded changes an assignment reads


@dataclass
class Cast:
    """Who acts: (user id, display name) of agents, the supervisor and each unit's liaison; unit ids by code."""

    agents: list[tuple[int, str]]
    supervisor: tuple[int, str]
    liaisons: dict[int, tuple[int, str]]  # by department id
    departments: dict[str, int]  # id by catalogue code


@dataclass
class Batch:
    tickets: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    calls: list[tuple] = field(default_factory=list)
    callers: list[tuple] = field(default_factory=list)
    reactions: list[tuple] = field(default_factory=list)
    assignments: list[tuple] = field(default_factory=list)
    words: list[tuple] = field(default_factory=list)


def year_bounds(tz) -> tuple[int, int]:
    first = datetime.combine(date(YEAR, 1, 1), time(), tz)
    return int(first.timestamp()), int(datetime.combine(date(YEAR + 1, 1, 1), time(), tz).timestamp())


def draw_times(corpus: Corpus, count: int, rng: random.Random, tz) -> list[tuple[int, int]]:
    """(epoch, sample index) for `count` tickets, oldest first: the month, day and time of day of one real message
    (± 20 minutes), the text of another. Drawn together, every copy of a message would fall on its one day
    and look like a sudden rise (突发) to the spike detector."""
    first, end = year_bounds(tz)
    offset = int(datetime.combine(date(YEAR, 1, 1), time(), tz).utcoffset().total_seconds())
    n = len(corpus.samples)
    drawn = []
    for _ in range(count):
        i = rng.randrange(n)
        s = corpus.samples[rng.randrange(n)]
        day = date(YEAR, s.month, min(s.day, 28) if s.month == 2 else s.day)
        epoch = (day - date(1970, 1, 1)).days * 86400 - offset + s.seconds + rng.randint(-1200, 1200)
        drawn.append((min(max(epoch, first), end - 1), i))
    drawn.sort()
    return drawn


class Writer:
    """Builds the rows of one ticket at a time; ids count up across batches."""

    def __init__(self, corpus: Corpus, cast: Cast, clock: EpochClock, as_of: int, rng: random.Random) -> None:
        self.corpus, self.cast, self.clock, self.as_of, self.rng = corpus, cast, clock, as_of, rng
        self.limits = get_time_limits()
        self.event_id = 0
        self.assignment_id = 0
        self.words: dict[int, tuple[str, str]] = {}  # by sample: each text is cut once, as intake would cut it
        self.call_id = 0
        self.callers = 0
        self.day_numbers: dict[str, int] = {}
        self.recent: list[tuple[int, int, str]] = []  # (sample index, caller id, phone) of recent tickets
        self.replies = [(interval, text[:REPLY_CHARS]) for interval, text in corpus.replies]
        self.reply_json = [json.dumps(text) for _, text in self.replies]

    # one event; `ev` keeps the ticket's own list so a cut at as_of is one slice
    def _event(self, ev: list, ticket_id: int, action: str, at: int, actor: tuple[int, str], role: str,
               department: int | None, from_state: str, to_state: str, note: str | None, before: str,
               after: str) -> None:  # fmt: skip
        ev.append([0, ticket_id, action, at, actor[0], actor[1], role, department, from_state, to_state, note,
                   before, after])  # fmt: skip

    def ticket(self, batch: Batch, ticket_id: int, epoch: int, index: int) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.05 and self.recent:  # the same caller about the same matter again (重复来电)
            index, caller_id, phone = rng.choice(self.recent)
        else:
            if roll < 0.12 and self.recent:  # a caller known from before, about something else
                _, caller_id, phone = rng.choice(self.recent)
            else:
                self.callers += 1
                caller_id, phone = self.callers, f"13{self.callers:09d}"
                batch.callers.append((caller_id, phone, epoch))
        self.recent.append((index, caller_id, phone))
        if len(self.recent) > 3000:
            del self.recent[:1000]
        s = self.corpus.samples[index]
        channel = "web" if s.likes else ("phone" if rng.random() < 0.85 else "web")
        if s.likes:
            batch.reactions.append((ticket_id, s.likes, 0))
        agent = self.cast.agents[ticket_id % len(self.cast.agents)]
        ev: list = []
        state = self._history(ev, ticket_id, epoch, s, agent)
        ev = [e for e in ev if e[3] < self.as_of]
        fields = _state_of(ev)
        for e in ev:
            self.event_id += 1
            e[0] = self.event_id
            batch.events.append(tuple(e))
        self._assignments(batch, ticket_id, ev)
        if index not in self.words:
            self.words[index] = cut(s.title, s.body)
        batch.words.append((ticket_id, *self.words[index]))
        day = datetime.fromtimestamp(epoch + self.clock.offset).strftime("%y%m%d")
        seq = self.day_numbers[day] = self.day_numbers.get(day, 0) + 1
        batch.tickets.append((
            ticket_id, f"{day}{seq:05d}", channel, s.request_type, s.topic, fields.get("department_id"), s.district,
            "normal", s.title, s.body, caller_id, fields["state"], agent[0], epoch, ev[-1][3],
            fields.get("dispatched_at"), fields.get("sign_due_at"), fields.get("reply_due_at"),
            fields.get("closed_at"), state["answer"] if "answer" in fields else None,
            state["reply"] if "latest_reply" in fields else None, fields.get("extended_days", 0),
            fields.get("return_count", 0), fields.get("reopen_count", 0), 0, False, fields.get("satisfaction"),
            len(ev),
        ))  # fmt: skip
        if channel == "phone":
            batch.calls.append(self._call(epoch, phone, agent[0]))
        if rng.random() < 0.03:  # callers who hung up in the queue: no ticket behind them
            batch.calls.append(self._call(epoch - rng.randint(600, 7200), phone, None))

    def _assignments(self, batch: Batch, ticket_id: int, ev: list) -> None:
        """The ticket's 派单记录 as the lifecycle keeps them (replayed from the history just written)."""
        steps = ((e[2], e[3], json.loads(e[12]) if e[2] in AFTER_READ else {}) for e in ev)
        for facts in replay(ticket_id, steps):
            self.assignment_id += 1
            batch.assignments.append((self.assignment_id, *(_epoch_of(v) for v in astuple(facts))))

    def _history(self, ev: list, tid: int, t0: int, s: Sample, agent: tuple[int, str]) -> dict:
        rng, clock, cast = self.rng, self.clock, self.cast
        self._event(ev, tid, A.intake, t0, agent, "agent", None, "received", "received", None,
                    '{"state": "received"}', '{"state": "received"}')  # fmt: skip
        if s.request_type in ANSWERABLE and rng.random() < 0.55:  # 直接答复
            t1 = t0 + rng.randint(180, 900)
            self._event(
                ev,
                tid,
                A.answer,
                t1,
                agent,
                "agent",
                None,
                "received",
                "received",
                None,
                '{"answer": null, "knowledge_ref": null}',
                f'{{"answer": {ANSWER}, "knowledge_ref": null}}',
            )
            self._event(
                ev,
                tid,
                A.close,
                t1,
                agent,
                "agent",
                None,
                "received",
                "closed",
                "直接答复办结",
                '{"state": "received", "closed_at": null}',
                f'{{"state": "closed", "closed_at": {_iso(t1)}}}',
            )
            return {"answer": ANSWER_TEXT, "reply": None}
        right = cast.departments[s.department]
        reply_index = rng.randrange(len(self.replies))
        interval, reply_text = self.replies[reply_index]
        t = t0 + rng.randint(15, 90) * 60
        detour = rng.random()
        if detour < 0.08:  # a wrong unit first: it returns the ticket, the supervisor re-dispatches
            wrong = rng.choice([d for d in cast.liaisons if d != right])
            t = self._dispatch(ev, tid, t, A.dispatch, agent, "agent", wrong, "received", s.request_type)
            t = self._return(ev, tid, clock.add_hours(t, rng.uniform(0.3, 1.5)), wrong, 0)
            t = self._dispatch(ev, tid, clock.add_hours(t, rng.uniform(0.3, 1.5)), A.redispatch, cast.supervisor,
                               "supervisor", right, "returned", s.request_type)  # fmt: skip
        elif detour < 0.11:  # the right unit tries to return it; the supervisor insists
            t = self._dispatch(ev, tid, t, A.dispatch, agent, "agent", right, "received", s.request_type)
            t = self._return(ev, tid, clock.add_hours(t, rng.uniform(0.3, 1.5)), right, 0)
            t = self._dispatch(ev, tid, clock.add_hours(t, rng.uniform(0.3, 1.0)), A.insist, cast.supervisor,
                               "supervisor", right, "returned", s.request_type)  # fmt: skip
        else:
            t = self._dispatch(ev, tid, t, A.dispatch, agent, "agent", right, "received", s.request_type)
        reply_at = max(t0 + interval, t + 3 * HOUR)
        self._handle(ev, tid, t, reply_at, right, s.request_type, reply_index)
        return {"answer": None, "reply": reply_text}

    def _dispatch(self, ev: list, tid: int, t: int, action: str, actor: tuple[int, str], role: str, unit: int,
                  from_state: str, request_type: str) -> int:  # fmt: skip
        sign_due = self.clock.add_hours(t, self.limits.sign_working_hours)
        reply_due = self.clock.add_days(t, self.limits.handle_days(request_type))
        after = (f'{{"state": "dispatched", "department_id": {unit}, "dispatched_at": {_iso(t)}, '
                 f'"sign_due_at": {_iso(sign_due)}, "reply_due_at": {_iso(reply_due)}, "sla_flag": null}}')  # fmt: skip
        self._event(ev, tid, action, t, actor, role, unit, from_state, "dispatched", None,
                    f'{{"state": "{from_state}"}}', after)  # fmt: skip
        ev[-1].append(reply_due)  # kept for the extension; dropped before the row is written
        return t

    def _return(self, ev: list, tid: int, t: int, unit: int, count: int) -> int:
        self._event(ev, tid, A.return_, t, self.cast.liaisons[unit], "liaison", unit, "dispatched", "returned",
                    RETURN_NOTE, f'{{"state": "dispatched", "return_count": {count}}}',
                    f'{{"state": "returned", "return_count": {count + 1}}}')  # fmt: skip
        return t

    def _handle(self, ev: list, tid: int, dispatched: int, reply_at: int, unit: int, request_type: str,
                reply_index: int, reopened: bool = False) -> None:  # fmt: skip
        rng, clock, cast = self.rng, self.clock, self.cast
        liaison, supervisor = self.cast.liaisons[unit], cast.supervisor
        reply_due = ev[-1].pop()
        late_sign = rng.random() < 0.1
        signed = clock.add_hours(dispatched, rng.uniform(2.5, 6) if late_sign else rng.uniform(0.2, 1.8))
        self._event(
            ev,
            tid,
            A.sign,
            signed,
            liaison,
            "liaison",
            unit,
            "dispatched",
            "in_progress",
            None,
            '{"state": "dispatched", "sla_flag": null}',
            '{"state": "in_progress", "sla_flag": null}',
        )
        # the longest real intervals run past as_of, where the history is cut anyway: keep them in the clock's range
        reply_at = max(min(reply_at, self.as_of + 30 * 86400), signed + HOUR)
        if reply_at > reply_due > signed + HOUR and rng.random() < 0.5:  # asks for more time before the deadline
            asked = signed + int((reply_due - signed) * 0.7)
            days = 5 if reply_at > clock.add_days(reply_due, 3) else 3
            self._event(
                ev,
                tid,
                A.request_extension,
                asked,
                liaison,
                "liaison",
                unit,
                "in_progress",
                "in_progress",
                None,
                '{"pending_extension_days": null}',
                f'{{"pending_extension_days": {days}}}',
            )
            decided = asked + 2 * HOUR
            if rng.random() < 0.8:
                due = clock.add_days(reply_due, days)
                self._event(ev, tid, A.approve_extension, decided, supervisor, "supervisor", unit, "in_progress",
                            "in_progress", "同意延期，请按期答复。", f'{{"pending_extension_days": {days}}}',
                            f'{{"pending_extension_days": null, "reply_due_at": {_iso(due)}, '
                            f'"extended_days": {days}}}')  # fmt: skip
            else:
                self._event(ev, tid, A.refuse_extension, decided, supervisor, "supervisor", unit, "in_progress",
                            "in_progress", "不同意延期，请在原时限内答复。", f'{{"pending_extension_days": {days}}}',
                            '{"pending_extension_days": null}')  # fmt: skip
            reply_at = max(reply_at, decided + HOUR)
        self._event(ev, tid, A.reply, reply_at, liaison, "liaison", unit, "in_progress", "replied", None,
                    '{"state": "in_progress", "latest_reply": null}',
                    f'{{"state": "replied", "latest_reply": {self.reply_json[reply_index]}}}')  # fmt: skip
        accepted = clock.add_hours(reply_at, rng.uniform(0.5, 3))
        due = clock.add_days(accepted, self.limits.callback_working_days)
        self._event(ev, tid, A.accept_reply, accepted, supervisor, "supervisor", unit, "replied", "callback_pending",
                    None, '{"state": "replied", "callback_due_at": null}',
                    f'{{"state": "callback_pending", "callback_due_at": {_iso(due)}}}')  # fmt: skip
        called = clock.add_hours(accepted, rng.uniform(3, 9))
        agent = cast.agents[tid % len(cast.agents)]
        satisfied = reopened or rng.random() < 0.88
        verdict = "satisfied" if satisfied else "dissatisfied"
        self._event(ev, tid, A.callback, called, agent, "agent", unit, "callback_pending", "callback_pending",
                    None, '{"satisfaction": null}', f'{{"satisfaction": "{verdict}"}}')  # fmt: skip
        if satisfied:
            self._event(ev, tid, A.close, called, agent, "agent", unit, "callback_pending", "closed", "回访满意，办结",
                        '{"state": "callback_pending", "closed_at": null}',
                        f'{{"state": "closed", "closed_at": {_iso(called)}}}')  # fmt: skip
            return
        # dissatisfied: reopened (重办) and dispatched back to the same unit at once, as service.callback does
        self._event(
            ev,
            tid,
            A.reopen,
            called,
            agent,
            "agent",
            unit,
            "callback_pending",
            "reopened",
            "回访不满意，重办",
            '{"state": "callback_pending", "reopen_count": 0}',
            '{"state": "reopened", "reopen_count": 1}',
        )
        self._dispatch(ev, tid, called, A.dispatch, agent, "agent", unit, "reopened", request_type)
        again = called + max(4 * HOUR, int(self.replies[reply_index][0] * rng.uniform(0.2, 0.6)))
        self._handle(ev, tid, called, again, unit, request_type, reply_index, reopened=True)

    def _call(self, epoch: int, phone: str, agent_id: int | None) -> tuple:
        """The call behind a ticket, or (agent None) one abandoned in the queue; waits are longer at peak hours."""
        rng = self.rng
        self.call_id += 1
        hour = (epoch + self.clock.offset) // 3600 % 24
        wait = rng.expovariate(1 / (22 if hour in (9, 10, 14, 15) else 8))
        if agent_id is None:
            start = epoch
            return (self.call_id, f"bench-{self.call_id}", phone, "abandoned", start, None, None, 1, None, None,
                    start + int(wait) + 5, round(wait + 5, 1), 1)  # fmt: skip
        start = epoch - int(wait) - rng.randint(60, 300)
        answered = start + int(wait)
        return (self.call_id, f"bench-{self.call_id}", phone, "ended", start, agent_id, answered, 1, agent_id,
                answered, answered + rng.randint(90, 420), round(wait, 1), 1)  # fmt: skip


def _iso(epoch: int) -> str:
    return '"' + datetime.fromtimestamp(epoch, tz=UTC).isoformat() + '"'


def _state_of(ev: list) -> dict:
    """The ticket's columns after its (cut) history: the last state and the JSON fields each step set."""
    fields: dict = {"state": ev[-1][9]}
    for e in ev:
        action, at = e[2], e[3]
        if action in DISPATCHES:
            after = json.loads(e[12])
            fields |= {
                "department_id": after["department_id"],
                "dispatched_at": at,
                "sign_due_at": _epoch(after["sign_due_at"]),
                "reply_due_at": _epoch(after["reply_due_at"]),
            }
        elif action == A.approve_extension:
            after = json.loads(e[12])
            fields["reply_due_at"] = _epoch(after["reply_due_at"])
            fields["extended_days"] = fields.get("extended_days", 0) + after["extended_days"]
        elif action == A.return_:
            fields["return_count"] = fields.get("return_count", 0) + 1
        elif action == A.reopen:
            fields["reopen_count"] = fields.get("reopen_count", 0) + 1
        elif action == A.callback:
            fields["satisfaction"] = json.loads(e[12])["satisfaction"]
        elif action == A.close:
            fields["closed_at"] = at
        elif action == A.answer:
            fields["answer"] = True
        elif action == A.reply:
            fields["latest_reply"] = True
    for e in ev:  # dispatch rows carried the reply due for the extension step
        del e[13:]
    return fields


def _epoch_of(value: object) -> object:
    """Moments in the recorded changes are ISO text, the generator's own are epoch seconds: all leave as epochs."""
    return int(value.timestamp()) if isinstance(value, datetime) else value


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def batches(corpus: Corpus, cast: Cast, count: int, as_of: int, size: int, seed: int = 2026) -> Iterator[Batch]:
    """`count` tickets in batches of `size`, oldest first."""
    rng = random.Random(seed)
    clock = EpochClock(date(YEAR - 1, 12, 1), date(YEAR + 1, 12, 31))
    tz = clock.clock.calendar.tz
    drawn = draw_times(corpus, count, rng, tz)
    writer = Writer(corpus, cast, clock, as_of, rng)
    batch = Batch()
    for ticket_id, (epoch, index) in enumerate(drawn, 1):
        writer.ticket(batch, ticket_id, epoch, index)
        if len(batch.tickets) >= size:
            yield batch
            batch = Batch()
    if batch.tickets:
        yield batch
