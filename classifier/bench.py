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
    # CPU time of the predicting thread: what the target means on a quiet core, and stable when other processes
    # share the machine (wall-clock percentiles then measure the scheduler, not the classifier).
    cpu_p50_ms: float
    cpu_p99_ms: float


def bench(predictor: Predictor, messages: list[Message], repeat: int = 1) -> BenchResult:
    for message in messages[:20]:  # warm caches (jieba's, numpy's) before timing
        predictor.predict(message.body, title=message.title)
    timings, cpu = [], []
    started = time.perf_counter()
    for _ in range(repeat):
        for message in messages:
            t0, c0 = time.perf_counter(), time.thread_time()
            predictor.predict(message.body, title=message.title)
            cpu.append(time.thread_time() - c0)
            timings.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    ms = np.array(timings) * 1000
    cpu_ms = np.array(cpu) * 1000
    return BenchResult(
        n=len(timings),
        p50_ms=round(float(np.percentile(ms, 50)), 3),
        p95_ms=round(float(np.percentile(ms, 95)), 3),
        p99_ms=round(float(np.percentile(ms, 99)), 3),
        max_ms=round(float(ms.max()), 3),
        throughput_per_s=round(len(timings) / total, 1),
        cpu_p50_ms=round(float(np.percentile(cpu_ms, 50)), 3),
        cpu_p99_ms=round(float(np.percentile(cpu_ms, 99)), 3),
    )
