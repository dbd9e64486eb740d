"""Latency of single-message prediction (all heads) on real messages, one core."""

import time
from dataclasses import dataclass

import numpy as np

from classifier.dataset import Message
from classifier.predictor import Predictor


@dataclass
class BenchResult:
    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    throughput_per_s: float


def bench(predictor: Predictor, messages: list[Message], repeat: int = 1) -> BenchResult:
    for message in messages[:20]:  # warm caches (jieba's, numpy's) before timing
        predictor.predict(message.body, title=message.title)
    timings = []
    started = time.perf_counter()
    for _ in range(repeat):
        for message in messages:
            t0 = time.perf_counter()
            predictor.predict(message.body, title=message.title)
            timings.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    ms = np.array(timings) * 1000
    return BenchResult(
        n=len(timings),
        p50_ms=round(float(np.percentile(ms, 50)), 3),
        p95_ms=round(float(np.percentile(ms, 95)), 3),
        p99_ms=round(float(np.percentile(ms, 99)), 3),
        max_ms=round(float(ms.max()), 3),
        throughput_per_s=round(len(timings) / total, 1),
    )
