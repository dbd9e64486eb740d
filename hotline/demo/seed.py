"""`hotline demo seed`: the demo a newcomer sees after `make run`.

The department catalogue, a user of every role, and a few hundred tickets made of real citizens' messages,
taken through the real lifecycle functions: the done ones over the past year, the open ones in the last working days
(hotline.demo.placing), plus a handful of tickets of today.
"""

import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.auth.models import Role
from hotline.clock import get_calendar, get_time_limits
from hotline.db import get_engine, utcnow
from hotline.demo.catalogue import load_catalogue, seed_departments
from hotline.demo.messages import LOCAL, Message, fake_phone, normal_title, read_messages, read_topics, topic_of
from hotline.demo.people import demo_users, print_user_table, seed_users
from hotline.demo.placing import SETTLED, moved, place_done, place_open
from hotline.demo.rules import department_for, district_of, request_type_of
from hotline.demo.stories import TODAY_FATES, Cast, Fate, Story, plan_old, plan_today, run_stories
from hotline.directory.models import Department, DepartmentLevel
from hotline.settings import get_settings
from hotline.tickets.models import Ticket
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import STATE_NAMES, Channel, RequestType, TicketState
from hotline.tickets.sweep import sweep

RANDOM_SEED = 12345
# The messages about A市 with a real reply go back to 2017; older ones make the demo look stale.
OLDEST = datetime(2017, 1, 1, tzinfo=LOCAL)
# Places of the province's other cities (B市, K3县 …): replied.csv holds many; the demo is A市's hotline.
_THIS_CITY = re.compile(r"(?<![A-Za-z])A\d{0,2}(?:区|县|市)")
_OTHER_CITY = re.compile(r"(?<![A-Za-z])[B-Z]\d{0,2}(?:区|县|市)")
# Share of the tickets per fate (merged pairs are added on top, one pair per 40 tickets). About one in seven is open:
# with the analytics' history, what a centre taking this many tickets a week has in hand on a given day; the rest is
# the past year's history.
FATE_WEIGHTS: dict[Fate, int] = {
    Fate.closed: 120,
    Fate.answered: 28,
    Fate.answered_callback: 1,
    Fate.reopened: 1,
    Fate.received: 2,
    Fate.dispatched: 3,
    Fate.returned: 1,
    Fate.in_progress: 5,
    Fate.extension_pending: 1,
    Fate.replied: 2,
    Fate.callback_pending: 2,
    Fate.redone: 1,
}
OPEN_FATES = frozenset(FATE_WEIGHTS) - {Fate.closed, Fate.answered}
OPEN_PAIR_GAP = timedelta(days=1)  # a repeat request this soon can join a main ticket that is still open today
NEEDS_REPLY = {Fate.closed, Fate.replied, Fate.callback_pending, Fate.redone}
NEEDS_LIAISON = {Fate.in_progress, Fate.extension_pending}
ANSWERABLE = {Fate.answered, Fate.answered_callback, Fate.reopened}
ANSWER_TYPES = {RequestType.consult, RequestType.suggestion, RequestType.praise}  # what an agent can answer at once
REPEAT_CALLERS = 3  # callers whose several messages all become tickets: the caller history has something to show
MERGE_WINDOW = timedelta(days=30)
HOUR = timedelta(hours=1)


def seed(if_empty: bool, ticket_count: int, echo: Callable[[str], None]) -> None:
    started = time.monotonic()
    settings = get_settings()
    with Session(get_engine()) as session:
        existing = session.exec(select(func.count()).select_from(Ticket)).one()
        if existing:
            if if_empty:
                echo(f"数据库里已有 {existing} 张工单，不再生成演示数据（--if-empty）。")
                return
            echo(f"数据库里已有 {existing} 张工单，演示数据只能生成在没有工单的数据库里。")
            echo(f"要重新开始：删除 {_database_hint()}，再运行 hotline db upgrade 和 hotline demo seed。")
            raise SystemExit(1)
        units = load_catalogue()
        departments = seed_departments(session, units)
        seeded_users = seed_users(session, demo_users())
        names = {code: d.name for code, d in departments.items()}
        echo(f"承办单位目录：{len(departments)} 个单位（{_level_counts(departments)}）")
        data_dir = settings.data_dir
        if data_dir is None or not (data_dir / "messages" / "replied.csv").is_file():
            echo(f"未找到真实数据（{data_dir or '未设置'}），本次只生成了单位目录和演示账号，没有生成工单。")
            echo("数据应放在项目旁的 ../shared/data（其中有 messages/replied.csv 等），")
            echo("或用环境变量 HOTLINE_DATA_DIR 指向数据目录；放好后删除 var/hotline.db 重新运行 make run。")
        else:
            cast = _cast(seeded_users, departments)
            stories = plan(read_messages(data_dir), read_topics(data_dir), cast, ticket_count, utcnow())
            run_stories(session, stories)
            result = sweep(session)
            echo(f"演示工单：{len(stories)} 张，取自 {data_dir / 'messages'} 的真实留言，")
            echo("  已办结的分布在近一年，在办的在最近几个工作日。")
            echo(f"  {_state_counts(session)}")
            echo(f"  时钟巡检：超期督办 {len(result.overdue)} 张，临期催办 {len(result.near_due)} 张。")
            _seed_knowledge_and_approvals(session, data_dir, echo)
        print_user_table(seeded_users, names, echo)
    echo(f"用时 {time.monotonic() - started:.1f} 秒。")


def _seed_knowledge_and_approvals(session: Session, data_dir: Path, echo: Callable[[str], None]) -> None:
    """The real service guide (办事指南) becomes the knowledge base and the catalogue of demo approval cases."""
    from approvals_bridge.embedded import seed_demo
    from approvals_bridge.models import ApprovalCase
    from knowledge.guide import import_service_guide

    guide = data_dir / "knowledge" / "service_guide.csv"
    if not guide.is_file():
        echo(f"未找到办事指南 {guide}：知识库和演示办件为空。")
        return
    imported = import_service_guide(session, guide)
    echo(f"知识库：导入办事指南 {imported.created + imported.updated + imported.unchanged} 条。")
    echo(f"演示办件：新增 {seed_demo(session, data_dir)} 件。可在 /selfservice 试查，例如：")
    for case in session.exec(select(ApprovalCase).order_by(ApprovalCase.id).limit(2)):
        echo(f"  申办号 {case.application_no}，手机 {case.applicant_phone}（{case.item_name}，{case.stage}）")


def _database_hint() -> str:
    url = get_settings().sqlalchemy_url
    return url.removeprefix("sqlite:///") if url.startswith("sqlite") else "数据库中的全部表（或换一个空库）"


def _level_counts(departments: dict[str, Department]) -> str:
    words = {DepartmentLevel.city: "市级部门", DepartmentLevel.district: "区县政府",
             DepartmentLevel.street: "街道乡镇", DepartmentLevel.enterprise: "公共服务企业"}  # fmt: skip
    counts = Counter(d.level for d in departments.values())
    return "，".join(f"{words[level]} {counts[level]}" for level in DepartmentLevel)


def _state_counts(session: Session) -> str:
    rows = session.exec(select(Ticket.state, func.count()).group_by(Ticket.state)).all()
    counts = dict(rows)
    return "，".join(f"{STATE_NAMES[state]} {counts[state]}" for state in TicketState if counts.get(state))


def _cast(seeded_users: list, departments: dict[str, Department]) -> Cast:
    actors = [(item.spec, Actor.of(item.user)) for item in seeded_users]
    return Cast(
        agents=[actor for spec, actor in actors if spec.role == Role.agent],
        supervisor=next(actor for spec, actor in actors if spec.role == Role.supervisor),
        liaisons={spec.department_code: actor for spec, actor in actors if spec.role == Role.liaison},
        department_ids={code: d.id for code, d in departments.items()},
        department_names={code: d.name for code, d in departments.items()},
    )


# Choosing the messages and what becomes of each.


def about_this_city(message: Message) -> bool:
    text = message.title + message.body
    return bool(_THIS_CITY.search(text)) or not _OTHER_CITY.search(text)


def _streets(department_names: dict[str, str]) -> dict[str, str]:
    """'桂花坪街道' → 'A2-GHP': street offices as the messages name them (without district and office)."""
    streets = {}
    for code, name in department_names.items():
        found = re.fullmatch(r"A\d(?:区|县|市)(.+?(?:街道|镇|乡))(?:办事处|人民政府)", name)
        if found:
            streets[found.group(1)] = code
    return streets


def _district_governments(department_names: dict[str, str]) -> dict[str, str]:
    return {name.removesuffix("人民政府"): code for code, name in department_names.items() if code.endswith("-GOV")}


@dataclass(frozen=True)
class Places:
    streets: dict[str, str]
    district_governments: dict[str, str]


def places_for(department_names: dict[str, str]) -> Places:
    """The places the messages name, resolved against the catalogue's departments (code → name)."""
    return Places(_streets(department_names), _district_governments(department_names))


def draft_for(message: Message, topics: dict[str, str], places: Places) -> tuple[TicketDraft, str]:
    """The intake form an agent would fill in for this message, and the unit the rules send it to."""
    district = district_of(message.title + message.body)
    department = department_for(message.title, message.body, district, places.streets, places.district_governments)
    draft = TicketDraft(
        request_type=request_type_of(message.title, message.body),
        summary=message.title,
        description=message.body,
        channel=Channel.web,  # the data are messages left on the city's web portal (网络问政)
        caller_phone=fake_phone(message.user),
        topic=topic_of(message, topics),
        district=district,
    )
    return draft, department


def allocate(total: int, weights: dict[Fate, int]) -> dict[Fate, int]:
    """Split `total` by weight (largest remainder), at least one of each fate when there are enough tickets."""
    floor = 1 if total >= len(weights) else 0
    rest = total - floor * len(weights)
    whole = sum(weights.values())
    shares = {fate: rest * weight / whole for fate, weight in weights.items()}
    counts = {fate: floor + int(share) for fate, share in shares.items()}
    by_remainder = sorted(weights, key=lambda fate: shares[fate] - int(shares[fate]), reverse=True)
    for fate in by_remainder[: total - sum(counts.values())]:
        counts[fate] += 1
    return counts


def merge_pairs(messages: list[Message], rng: random.Random, count: int) -> list[tuple[Message, Message]]:
    """Repeat requests: the same title posted again within a month (by the same or another user)."""
    groups: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        groups[normal_title(message.title)].append(message)
    pairs = []
    for group in groups.values():
        first = group[0]
        later = [m for m in group[1:] if timedelta(minutes=1) <= m.time - first.time <= MERGE_WINDOW]
        if later:
            pairs.append((first, later[0]))
    return rng.sample(pairs, min(count, len(pairs)))


def plan(messages: list[Message], topics: dict[str, str], cast: Cast, ticket_count: int, now: datetime) -> list[Story]:
    """Choose the messages, give each a fate, and plan its steps relative to `now` (deterministic for one `now`).

    Done tickets are spread over the past year, open ones placed in the last working days (hotline.demo.placing).
    """
    rng = random.Random(RANDOM_SEED)
    messages = [m for m in messages if m.time >= OLDEST and about_this_city(m)]
    places = places_for(cast.department_names)
    drafts = {m: draft_for(m, topics, places) for m in messages}
    stories: list[Story] = []

    def planner(original: Message, fate: Fate, parent: Story | None = None) -> Callable[[Message], Story]:
        """Plans the story of `original` at a moved copy; the same random draws wherever it is placed."""
        draft, department = drafts[original]

        def at(message: Message) -> Story:
            agent = cast.agents[len(stories) % len(cast.agents)]
            story = Story(len(stories), message, draft, department, fate, agent)
            plan_old(story, cast, random.Random(f"{RANDOM_SEED}:{original.source}:{original.id}"), parent=parent)
            return story

        return at

    def place(original: Message, fate: Fate, parent: Story | None = None) -> Story | None:
        at = planner(original, fate, parent)
        story = place_open(original, at, now, rng) if fate in OPEN_FATES else place_done(original, at, now)
        if story is not None:
            stories.append(story)
        return story

    # Today's tickets use the newest messages that a liaison can take: their clocks are live.
    today_count = min(len(TODAY_FATES), ticket_count // 5)
    newest = [m for m in reversed(messages) if drafts[m][1] in cast.liaisons][:today_count]
    taken = set(newest)
    old_count = ticket_count - today_count

    pair_count = max(1, old_count // 40) if old_count >= 20 else 0
    pairs = [(p, c) for p, c in merge_pairs([m for m in messages if m not in taken], rng, 10**6) if p not in taken]
    placed_pairs = 0
    for index, (parent_message, child_message) in enumerate(p for p in pairs if _pair_fits(*p, drafts, cast)):
        if placed_pairs == pair_count:
            break
        if {parent_message, child_message} & taken:
            continue
        fate = _parent_fate(parent_message, child_message, drafts, cast, index)
        parent = place(parent_message, fate)
        if parent is None:
            continue
        # the repeat request comes the same time after the main ticket as in the data
        delta = parent.message.time - parent_message.time
        child = planner(child_message, Fate.merged, parent)(moved(child_message, delta))
        if child.steps[-1][0] >= now - (SETTLED if fate not in OPEN_FATES else timedelta(minutes=2)):
            stories.pop()  # the repeat would still lie ahead: another pair
            continue
        stories.append(child)
        taken |= {parent_message, child_message}
        placed_pairs += 1
    counts = allocate(old_count - len(stories), FATE_WEIGHTS)

    order = _candidate_order(messages, taken, rng)
    pools = {
        "reply": [m for m in order if m.source == "replied" and drafts[m][1] in cast.liaisons],
        "liaison": [m for m in order if drafts[m][1] in cast.liaisons],
        "answer": [m for m in order if drafts[m][0].request_type in ANSWER_TYPES],
        "any": order,
    }
    pools["quick_reply"] = [m for m in pools["reply"] if _replied_in_time(m, drafts[m][0])]

    def draw(pool: str) -> Message | None:
        for message in pools[pool]:
            if message not in taken:
                taken.add(message)
                return message
        return None

    for fate, count in counts.items():
        pool = "reply" if fate in NEEDS_REPLY else "liaison" if fate in NEEDS_LIAISON else "any"
        pool = "quick_reply" if fate in NEEDS_REPLY and fate in OPEN_FATES else pool
        pool = "answer" if fate in ANSWERABLE else pool
        placed = 0
        while placed < count:
            message = draw(pool)
            if message is None:  # the data ran short for this fate: the ticket just waits for dispatch
                message, fate = draw("any"), Fate.received
            if message is None:
                break
            placed += place(message, fate) is not None

    while len(stories) < old_count:  # a main ticket or repeat request that did not fit: more past history instead
        message = draw("reply")
        if message is None:
            break
        place(message, Fate.closed)

    for kind, message in zip(TODAY_FATES, newest, strict=False):
        agent = cast.agents[len(stories) % len(cast.agents)]
        draft, department = drafts[message]
        story = Story(len(stories), message, replace(draft, channel=Channel.phone), department, Fate.received, agent)
        stories.append(story)
        plan_today(story, cast, rng, now, kind)
    return stories


def _replied_in_time(message: Message, draft: TicketDraft) -> bool:
    """The real reply came within the request type's time limit: such a ticket can be open now and not overdue."""
    assert message.reply_time is not None
    limit = get_time_limits().handle_days(draft.request_type)
    return get_calendar().working_days_between(message.time, message.reply_time) <= limit


def _pair_fits(parent: Message, child: Message, drafts: dict, cast: Cast) -> bool:
    """A main ticket still open now must have had its repeat request soon after it; others must close later."""
    if child.time - parent.time <= OPEN_PAIR_GAP:
        return True
    return drafts[parent][1] in cast.liaisons and bool(parent.reply_time and parent.reply_time > child.time + 2 * HOUR)


def _candidate_order(messages: list[Message], taken: set[Message], rng: random.Random) -> list[Message]:
    """Shuffled, with a few repeat callers' messages first so they surely become tickets."""
    free = [m for m in messages if m not in taken]
    by_user: dict[str, list[Message]] = defaultdict(list)
    for message in free:
        by_user[message.user].append(message)
    repeaters = sorted(user for user, items in by_user.items() if 2 <= len(items) <= 6)
    first = [m for user in rng.sample(repeaters, min(REPEAT_CALLERS, len(repeaters))) for m in by_user[user][:3]]
    chosen = set(first)
    rest = [m for m in free if m not in chosen]
    rng.shuffle(rest)
    return first + rest


def _parent_fate(parent: Message, child: Message, drafts: dict, cast: Cast, index: int) -> Fate:
    """The main ticket must still be open when the repeat request arrives; half of them close later (all of
    those whose repeat came days later: an open main ticket is recent)."""
    has_liaison = drafts[parent][1] in cast.liaisons
    closes = has_liaison and parent.reply_time and parent.reply_time > child.time + 2 * HOUR
    if closes and (index % 2 == 1 or child.time - parent.time > OPEN_PAIR_GAP):
        return Fate.closed
    return Fate.in_progress if has_liaison else Fate.dispatched
