"""The judged knowledge set (tests/knowledge/data/knowledge_questions.csv) over the real service guide.

110 caller-style questions name the guide item an agent would read out (chosen by reading the guide's titles, before
the search was tuned); 10 more ask what the guide does not hold and should get "知识库无匹配". `split` fixes a test
half that nothing is tuned on. Figures: hit@3 and MRR (first expected item's rank, 0 when not in the first 10) on the
answerable questions, and the share of unanswerable ones that get no hit.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from knowledge.index import SearchIndex

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "knowledge" / "data" / "knowledge_questions.csv"


@dataclass(frozen=True)
class Question:
    case: str
    text: str
    expected: frozenset[str]
    split: str


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    with path.open(encoding="utf-8") as handle:
        return [
            Question(row["case"], row["question"], frozenset(filter(None, row["expected"].split("||"))), row["split"])
            for row in csv.DictReader(handle)
        ]


def score(index: SearchIndex, questions: list[Question], min_relevance: float) -> dict:
    answerable = [q for q in questions if q.expected]
    unanswerable = [q for q in questions if not q.expected]
    reciprocal, top3, misses = 0.0, 0, []
    for question in answerable:
        titles = [h.title for h in index.search(question.text, 10, min_relevance=min_relevance)]
        rank = next((i + 1 for i, title in enumerate(titles) if title in question.expected), None)
        reciprocal += 1 / rank if rank else 0.0
        top3 += bool(rank and rank <= 3)
        if not rank or rank > 3:
            misses.append({"case": question.case, "question": question.text, "rank": rank, "got": titles[:3]})
    silent = sum(not index.search(q.text, 3, min_relevance=min_relevance) for q in unanswerable)
    return {
        "answerable": len(answerable),
        "hit_at_3": round(top3 / len(answerable), 3) if answerable else None,
        "mrr": round(reciprocal / len(answerable), 3) if answerable else None,
        "unanswerable": len(unanswerable),
        "no_match_right": round(silent / len(unanswerable), 3) if unanswerable else None,
        "misses": misses,
    }


def evaluate(index: SearchIndex, min_relevance: float, split: str | None = None) -> dict:
    questions = [q for q in load_questions() if split in (None, "all", q.split)]
    return {"split": split or "all", "min_relevance": min_relevance, **score(index, questions, min_relevance)}
