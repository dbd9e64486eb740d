"""The judged triage set (tests/routing/data/triage_cases.csv) scored against `routing.urgency`.

Rows are spoken-style sentences (text in the file) and real messages (by file and id: the text is read from the
real data by path, never copied). Labels were judged by reading, before the rules were written; the `split` column
(fixed by a hash of the case id) keeps a test half that no rule is tuned on.
"""

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hotline.settings import get_settings
from routing.urgency import detect_urgency

CASES = Path(__file__).resolve().parents[1] / "tests" / "routing" / "data" / "triage_cases.csv"
REFERRAL_CATEGORIES = ("violence", "fire", "medical")


@dataclass(frozen=True)
class Case:
    case: str
    text: str
    level: str
    category: str
    referral: list[str]
    split: str


def _messages(data_dir: Path, name: str) -> dict[str, str]:
    with (data_dir / "messages" / name).open(encoding="utf-8") as handle:
        return {row["id"]: f"{row['title']}。{row['body']}" for row in csv.DictReader(handle)}


def load_cases(path: Path = CASES, data_dir: Path | None = None) -> list[Case]:
    data_dir = data_dir or get_settings().data_dir
    messages: dict[str, dict[str, str]] = {}
    cases = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = row["text"]
            if row["source"] != "spoken":
                if data_dir is None:
                    raise FileNotFoundError("the real messages are needed (HOTLINE_DATA_DIR or ../shared/data)")
                if row["source"] not in messages:
                    messages[row["source"]] = _messages(data_dir, row["source"])
                text = messages[row["source"]][row["ref"]]
            referral = row["referral"].split("+") if row["referral"] else []
            cases.append(Case(row["case"], text, row["level"], row["category"], referral, row["split"]))
    return cases


def score(cases: list[Case]) -> dict:
    """Urgent recall, normal kept normal, 较急 found, and the right first referral for violence / fire / medical."""
    tally: Counter = Counter()
    misses: list[dict] = []
    for case in cases:
        got = detect_urgency(case.text)
        tally[case.level] += 1
        if got.level == case.level:
            tally[f"{case.level}_right"] += 1
        if case.level == "urgent" and got.level == "urgent":
            tally["urgent_found"] += 1
        if case.level == "high" and got.level != "normal":
            tally["high_flagged"] += 1
        if case.category in REFERRAL_CATEGORIES:
            tally["referral_cases"] += 1
            if got.level == "urgent" and got.referral[:1] == case.referral[:1]:
                tally["referral_right"] += 1
        if got.level != case.level or (case.referral and got.referral[:1] != case.referral[:1]):
            miss = {"case": case.case, "want": case.level, "got": got.level, "referral": got.referral}
            misses.append({**miss, "text": case.text[:80]})

    def share(part: str, whole: str) -> float | None:
        return round(tally[part] / tally[whole], 3) if tally[whole] else None

    return {
        "cases": len(cases),
        "urgent": tally["urgent"],
        "high": tally["high"],
        "normal": tally["normal"],
        "urgent_recall": share("urgent_found", "urgent"),
        "normal_kept_normal": share("normal_right", "normal"),
        "high_flagged": share("high_flagged", "high"),
        "referral_right": share("referral_right", "referral_cases"),
        "referral_cases": tally["referral_cases"],
        "misses": misses,
    }


def evaluate(split: str | None = None, path: Path = CASES) -> dict:
    cases = [c for c in load_cases(path) if split in (None, "all", c.split)]
    return {"split": split or "all", **score(cases)}
