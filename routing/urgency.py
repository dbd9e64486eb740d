"""Safety triage (紧急程度): 紧急 urgent / 较急 high / 普通 normal, with where an urgent call belongs (转 110 / 119 /
120) and what the agent does first.

Cues come from `routing/data/urgency.toml`. A cue counts only in its own clause and only when it is said of the
present: not negated right before it (没有着火, 人没有受伤, 打不着火), not in a clause that is past (去年, 上个月,
2017年, 已经扑灭), hypothetical (万一, 如果, 容易, 隐患), habitual (经常, 隔三差五) or counterfactual (差点), and not
a figure of speech (不想活的心都有了, 热得都要晕倒). A written complaint (投诉, 举报, 反映 …) that says nothing of
now (现在, 正在, 快来 …) is not an emergency call, whatever it recounts.
"""

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

URGENCY = Path(__file__).resolve().parent / "data" / "urgency.toml"
LEVELS = ("normal", "high", "urgent")

CLAUSE = re.compile(r"[^。！？!?；;，,\n|｜]+")
# A negation right before the cue, with at most two characters between (没人被困, 不是要自杀).
NEGATED = re.compile(r"(没有|没|不是|并非|未曾|未|无(?![故端])|不|别|不会|不要|不用|差点|差一点|险些)[^，。]{0,2}$")
PAST = re.compile(
    r"去年|前年|上个?月|上周|上星期|前几天|前些天|那天|那年|当年|当时|以前|之前|曾经|过去|上次|前段时间|几年前|多年前|年前"
    r"|昨天|昨晚|前天|前一晚|\d{2,4}年|[一二三四五六七八九十\d]+月[一二三四五六七八九十\d]+[日号]|扑灭了|已经扑灭|送医院了|送到医院"
    r"|获救|救出来了|去世|身亡|死亡|发生过|过一次"
)
HYPOTHETICAL = re.compile(
    r"万一|如果|一旦|要是|假如|倘若|迟早|隐患|容易|以免|防止|预防|担心|会不会|可能会|有可能|可能发生|可能引发|难免|的话|危险性"
)
HABITUAL = re.compile(
    r"经常|常常|时常|屡次|屡屡|多次|频繁|频发|隔三差五|隔.{1,3}天|动不动|家常便饭|时有发生|不断发生|老是|总是|有时|偶尔|司空见惯|每次|每夜|每晚|每天|天天|长达"
)
FIGURE_AFTER = re.compile(r"^(的)?心都有")
FIGURE_BEFORE = re.compile(r"(都|快)要$|心[都也还]?$")
# "失火的房子" in a question is a kind of house, not a fire.
QUESTION = re.compile(r"想问|咨询|请问|问问|问一下|能不能|可不可以")
WRITTEN_FRAME = re.compile(r"投诉|举报|反映|控告|控诉|曝光|起诉|维权|索赔|追责|问责|尊敬的|恳请|恳求|信访|上访|诉求")
WRITTEN_MIN_CHARS = 100
SHORT_CLAUSE = 6
LETTER_NOW = re.compile(r"正在|还在|刚才|刚刚|此刻|救命|快来")
NOW = re.compile(
    r"现在|正在|还在|刚才|刚刚|快来|快点|赶紧|赶快|马上|立刻|立即|救命|情况紧急|就在|还没走|快派|此刻|这会儿|怎么办啊"
)


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    referral: str
    advice: str


@dataclass(frozen=True)
class Cue:
    pattern: re.Pattern[str]
    level: str
    category: str
    requires: re.Pattern[str] | None


@dataclass(frozen=True)
class Rules:
    level_names: dict[str, str]
    categories: dict[str, Category]  # in referral priority order
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class Urgency:
    level: str  # urgent / high / normal
    confidence: float
    cues: list[str]  # the words that counted
    reason: str
    category: str | None = None  # the urgent category that decides the referral
    referral: list[str] = field(default_factory=list)  # "110" / "119" / "120", the first one first
    advice: str | None = None  # what the agent does first (Chinese)
    dismissed: list[str] = field(default_factory=list)  # words heard but not counted, with why

    @property
    def level_name(self) -> str:
        return rules().level_names[self.level]


@lru_cache(maxsize=1)
def rules() -> Rules:
    data = tomllib.loads(URGENCY.read_text(encoding="utf-8"))
    categories = {key: Category(key, c["name"], c["referral"], c["advice"]) for key, c in data["categories"].items()}
    cues = tuple(
        Cue(re.compile(c["pattern"]), c["level"], c["category"], re.compile(c["requires"]) if "requires" in c else None)
        for c in data["cues"]
    )
    return Rules(data["levels"], categories, cues)


def level_name(level: str) -> str:
    return rules().level_names.get(level, level)


def _why_not(clause: str, start: int, end: int) -> str | None:
    """Why a cue heard in this clause does not describe a danger now, or None when it does."""
    before = clause[:start].replace(" ", "")
    if NEGATED.search(before):
        return "否定"
    if FIGURE_AFTER.search(clause[end:]) or FIGURE_BEFORE.search(before):
        return "夸张说法"
    if clause[end : end + 1] == "的" and QUESTION.search(clause):
        return "修饰语"
    if PAST.search(clause):
        return "过去的事"
    if HYPOTHETICAL.search(clause):
        return "假设或隐患"
    if HABITUAL.search(clause):
        return "经常发生的问题"
    return None


def _clauses(text: str) -> list[str]:
    """Clauses with the spaces of ASR output taken out (有人 打人 → 有人打人)."""
    return [c.replace(" ", "").replace("\u3000", "") for c in CLAUSE.findall(text)]


def _near_now(clauses: list[str], index: int) -> bool:
    """A letter says "now" next to the cue (its 现在 and 立即 are about the state of affairs and the request)."""
    return any(LETTER_NOW.search(c) for c in clauses[max(0, index - 1) : index + 2])


def detect_urgency(text: str) -> Urgency:
    """The triage of a transcript or message: level, the urgent category and its referral, the cues and why."""
    text = (text or "")[:20_000]
    table = rules()
    clauses = _clauses(text)
    # A letter (投诉/举报/反映 …, longer than a spoken request) recounts: its cues count only where it says "now",
    # and an outage also in its title (first clause).
    letter = len(text) > WRITTEN_MIN_CHARS and bool(WRITTEN_FRAME.search(text))
    heard: list[tuple[Cue, str]] = []
    dismissed: list[str] = []
    for index, clause in enumerate(clauses):
        for cue in table.cues:
            found = cue.pattern.search(clause)
            if not found or (cue.requires and not cue.requires.search(text)):
                continue
            why = _why_not(clause, found.start(), found.end())
            if why is None and index and len(clause) <= SHORT_CLAUSE and HYPOTHETICAL.search(clauses[index - 1]):
                why = "假设或隐患"  # 一旦失火，火灾，垮塌: a short list goes on with the clause before it
            if why is None and letter and not _near_now(clauses, index):
                why = None if cue.level == "high" and index == 0 else "信件式反映，未说正在发生"
            if why:
                dismissed.append(f"{found.group()}（{why}）")
            else:
                heard.append((cue, found.group()))
    return _decide(table, heard, list(dict.fromkeys(dismissed)))


def triage_details(urgency: Urgency) -> dict:
    """What the console shows first on an urgent call: level name, category, referral, advice; what was heard."""
    return {
        "level": urgency.level,
        "level_name": urgency.level_name,
        "category": urgency.category,
        "referral": urgency.referral,
        "advice": urgency.advice,
        "dismissed": urgency.dismissed,
    }


def _decide(table: Rules, heard: list[tuple[Cue, str]], dismissed: list[str]) -> Urgency:
    if not heard:
        note = f"；提到但不计：{'、'.join(dismissed)}" if dismissed else ""
        return Urgency("normal", 0.7 if dismissed else 0.6, [], f"未发现正在发生的险情{note}", dismissed=dismissed)
    level = max((cue.level for cue, _ in heard), key=LEVELS.index)
    words = list(dict.fromkeys(word for cue, word in heard if cue.level == level))
    if level != "urgent":
        return Urgency(level, 0.75, words, f"设施或供应险情（关键词：{'、'.join(words)}）", dismissed=dismissed)
    heard_categories = {cue.category for cue, _ in heard if cue.level == "urgent"}
    ordered = [c for key, c in table.categories.items() if key in heard_categories]
    referral = list(dict.fromkeys(c.referral for c in ordered))
    first = ordered[0]
    reason = f"{'、'.join(c.name for c in ordered)}（关键词：{'、'.join(words)}）"
    return Urgency("urgent", 0.9, words, reason, first.key, referral, first.advice, dismissed)
