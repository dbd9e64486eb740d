"""Search latency over a knowledge base of N articles: the real guide plus resampled variants of it.

Variants copy a real article with a district suffix on the title and a random subset of its body lines, the way
a city's guide repeats a provincial item for each district, so the vocabulary and lengths stay real. Queries are
real: the titles of citizens' messages (messages/labelled.csv), plus the questions the relevance tests use.
"""

import csv
import random
import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from hotline.db import utcnow
from hotline.settings import get_settings
from knowledge.guide import guide_docs
from knowledge.index import Doc, SearchIndex
from knowledge.terms import query_terms

QUESTIONS = (
    "怎么办理居住证",
    "社保断缴怎么补",
    "残疾证丢了怎么补办",
    "出生医学证明怎么查",
    "结婚登记预约",
    "退休金怎么领",
    "港澳通行证签注进度",
    "律师执业证怎么申请",
    "高等学校教师资格认定",
    "我想问一下公积金怎么提取",
)


def variants(docs: list[Doc], total: int, seed: int = 12345) -> list[Doc]:
    rng = random.Random(seed)
    out = list(docs[:total])
    while len(out) < total:
        source = rng.choice(docs)
        lines = source.body.splitlines()
        kept = [line for line in lines if rng.random() < 0.8] or lines
        district = f"A{rng.randint(1, 9)}区"
        out.append(replace(source, id=len(out) + 1, title=f"{source.title}（{district}）", body="\n".join(kept)))
    return out


def real_questions(count: int, seed: int = 12345) -> list[str]:
    path = get_settings().data_dir / "messages" / "labelled.csv"
    with Path(path).open(encoding="utf-8") as handle:
        titles = [row["title"] for row in csv.DictReader(handle) if row.get("title")]
    rng = random.Random(seed)
    picked = rng.sample(titles, min(count - len(QUESTIONS), len(titles)))
    return list(QUESTIONS) + picked


@dataclass(frozen=True)
class BenchResult:
    articles: int
    queries: int
    build_seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float
    mean_hits: float

    def as_dict(self) -> dict:
        return asdict(self)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(articles: int = 10_000, queries: int = 1_000, limit: int = 10) -> BenchResult:
    """Times one whole query each: tokenising, scoring, validity, top-k and highlighting."""
    query_terms("预热")  # load jieba's dictionary before timing
    started = time.perf_counter()
    index = SearchIndex(variants(guide_docs(), articles))
    build = time.perf_counter() - started
    questions = real_questions(queries)
    for question in questions[:50]:
        index.search(question, limit)  # warm caches the way a running server has them
    times: list[float] = []
    cpu: list[float] = []  # this thread's CPU time: what the query costs when other processes take the cores
    hits = 0
    now = utcnow()
    for question in questions:
        started, started_cpu = time.perf_counter(), time.thread_time()
        hits += len(index.search(question, limit, now=now))
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return BenchResult(
        articles=len(index),
        queries=len(times),
        build_seconds=round(build, 2),
        p50_ms=round(statistics.median(times), 3),
        p95_ms=round(_percentile(times, 0.95), 3),
        p99_ms=round(_percentile(times, 0.99), 3),
        max_ms=round(max(times), 3),
        cpu_p50_ms=round(statistics.median(cpu), 3),
        cpu_p99_ms=round(_percentile(cpu, 0.99), 3),
        mean_hits=round(hits / len(times), 2),
    )
