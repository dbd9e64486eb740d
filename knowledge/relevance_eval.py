"""The judged knowledge set (tests/knowledge/data/knowledge_questions.csv) over the real service guide.

Caller-style questions name the guide items an agent would read out (chosen by reading the guide's titles, before
the search was tuned); others ask what the guide does not hold and should get "知识库无匹配". `split`: `dev` is what
the search is tuned on; `dev2` (40 questions about items no other split names, written later) is for choosing
general methods now that `dev` is tuned out; `test` and `holdout` are only scored. Figures: hit@3 and MRR (first
expected item's rank, 0 when not in the first 10) on the answerable questions with 95% bootstrap intervals, and the
share of unanswerable ones that get no hit.
"""

import csv
import random
from dataclasses import dataclass, replace
from pathlib import Path

from knowledge.index import Doc, SearchIndex

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


BOOTSTRAP_SAMPLES = 2000


def bootstrap_interval(values: list[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 7) -> list[float]:
    """95% percentile interval of the mean, resampling questions with replacement."""
    if not values:
        return []
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(values, k=len(values))) / len(values) for _ in range(samples))
    return [round(means[int(0.025 * samples)], 3), round(means[int(0.975 * samples) - 1], 3)]


def score(index: SearchIndex, questions: list[Question], min_relevance: float, raw: bool = False) -> dict:
    answerable = [q for q in questions if q.expected]
    unanswerable = [q for q in questions if not q.expected]
    reciprocal: list[float] = []
    top3: list[float] = []
    misses = []
    for question in answerable:
        titles = [h.title for h in index.search(question.text, 10, min_relevance=min_relevance)]
        rank = next((i + 1 for i, title in enumerate(titles) if title in question.expected), None)
        reciprocal.append(1 / rank if rank else 0.0)
        top3.append(float(bool(rank and rank <= 3)))
        if not rank or rank > 3:
            misses.append({"case": question.case, "question": question.text, "rank": rank, "got": titles[:3]})
    silent = [float(not index.search(q.text, 3, min_relevance=min_relevance)) for q in unanswerable]
    if raw:
        return {"top3": top3, "reciprocal": reciprocal, "silent": silent, "misses": misses}
    return _summary(top3, reciprocal, silent, misses)


def _summary(top3: list[float], reciprocal: list[float], silent: list[float], misses: list[dict]) -> dict:
    return {
        "answerable": len(top3),
        "hit_at_3": round(sum(top3) / len(top3), 3) if top3 else None,
        "hit_at_3_ci": bootstrap_interval(top3),
        "mrr": round(sum(reciprocal) / len(reciprocal), 3) if reciprocal else None,
        "mrr_ci": bootstrap_interval(reciprocal),
        "unanswerable": len(silent),
        "no_match_right": round(sum(silent) / len(silent), 3) if silent else None,
        "misses": misses,
    }


def evaluate(index: SearchIndex, min_relevance: float, split: str | None = None) -> dict:
    """`split`: one split, several joined by "+" (test+holdout), or all."""
    wanted = set((split or "all").split("+"))
    questions = [q for q in load_questions() if "all" in wanted or q.split in wanted]
    return {"split": split or "all", "min_relevance": min_relevance, **score(index, questions, min_relevance)}


def with_history(docs: list[Doc], history: list[Question]) -> list[Doc]:
    """The articles with the questions they answered, as the console records them (用于直接答复): each answerable
    question of `history` joins the articles titled as its expected items."""
    asked: dict[str, list[str]] = {}
    for question in history:
        for title in question.expected:
            asked.setdefault(title, []).append(question.text)
    return [replace(d, asked=tuple(asked[d.title])) if d.title in asked else d for d in docs]


def cross_validate(docs: list[Doc], questions: list[Question], min_relevance: float, folds: int = 5) -> dict:
    """Each fold scored by an index that learned from the other folds' questions only; figures over all folds."""
    order = sorted(questions, key=lambda q: q.case)
    rng = random.Random(20261203)
    rng.shuffle(order)
    parts = [order[i::folds] for i in range(folds)]
    pooled: dict[str, list] = {"top3": [], "reciprocal": [], "silent": []}
    for i, part in enumerate(parts):
        history = [q for j, other in enumerate(parts) if j != i for q in other]
        figures = score(SearchIndex(with_history(docs, history)), part, min_relevance, raw=True)
        for key in pooled:
            pooled[key] += figures[key]
    return _summary(pooled["top3"], pooled["reciprocal"], pooled["silent"], [])
