"""`hotline analytics bench-grouping`: the similar-pair search of grouping against the full product, on N distinct
real texts.

The million-ticket bench resamples 5,623 real messages, so its months hold only that many distinct texts and
grouping looks cheap; a real city's month is close to one distinct text a ticket. Here each text is the title of
one real message with the body of another (their stored words, as reports read them), so N texts are N distinct
texts with the real vocabulary. The baseline is the full product X·Xᵀ in blocks on one core, which grouping
used before; the pair search is timed on one core (the algorithm alone) and on its WORKERS threads (as used).
"""

import os
import random
import time
from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix

from analytics.clusters import SIMILAR, group, vectorise
from analytics.pairs import CHUNK, WORKERS, similar_pairs
from analytics.text import load_dictionaries, ticket_text
from hotline.demo.messages import read_messages, require_messages
from hotline.errors import Invalid
from hotline.settings import get_settings
from hotline.tickets.words import cut

Echo = Callable[[str], None]


def full_product_pairs(matrix: csr_matrix, similar: float) -> tuple[np.ndarray, np.ndarray]:
    """The baseline: every pair that shares a word is multiplied, those reaching `similar` kept."""
    rows, cols = [], []
    for start in range(0, matrix.shape[0], CHUNK):
        block = (matrix[start : start + CHUNK] @ matrix.T).tocoo()
        keep = block.data >= similar
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
    return np.concatenate(rows), np.concatenate(cols)


def distinct_texts(count: int, seed: int = 11) -> list:
    """`count` distinct texts: the title words of one real message with the body words of another."""
    data_dir = require_messages(get_settings().data_dir, "unlabelled.csv")
    messages = read_messages(data_dir)
    if count > len(messages) * (len(messages) - 1):
        raise Invalid(f"最多 {len(messages) * (len(messages) - 1)} 条不同的文本", code="too_many_texts")
    words = [cut(m.title, m.body) for m in messages]
    rng = random.Random(seed)
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < count:
        title, body = rng.randrange(len(words)), rng.randrange(len(words))
        if title != body:
            chosen.add((title, body))
    return [ticket_text("", "", (words[t][0], words[b][1])) for t, b in sorted(chosen)]


def _pair_keys(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    return np.sort(rows.astype(np.int64) * n + cols)


def _timed(work, *args):
    started = time.perf_counter()
    value = work(*args)
    return value, round(time.perf_counter() - started, 2)


def run_grouping_bench(sizes: list[int], echo: Echo) -> dict:
    """For each size N: the pair search against the full product on N distinct texts, then a report's grouping
    of N texts of its period with N earlier ones, grouped all together (as before) and by joining the earlier
    ones to the period's topics (as now)."""
    load_dictionaries()
    load_before = os.getloadavg()
    runs = []
    for size in sizes:
        both = distinct_texts(2 * size)
        texts = both[:size]
        matrix, vectorise_seconds = _timed(vectorise, texts)
        _, one_core_seconds = _timed(similar_pairs, matrix, matrix, SIMILAR, 1)
        (rows, cols), prefix_seconds = _timed(similar_pairs, matrix, matrix, SIMILAR)
        (base_rows, base_cols), full_seconds = _timed(full_product_pairs, matrix, SIMILAR)
        same = np.array_equal(_pair_keys(rows, cols, size), _pair_keys(base_rows, base_cols, size))
        together, together_seconds = _timed(group, both)
        joined, joined_seconds = _timed(group, both, SIMILAR, size)
        run = {"texts": size, "pairs": len(rows), "same_pairs_as_full_product": bool(same),
               "vectorise_seconds": vectorise_seconds, "full_product_seconds": full_seconds,
               "prefix_filter_one_core_seconds": one_core_seconds, "prefix_filter_seconds": prefix_seconds,
               "workers": WORKERS, "speedup": round(full_seconds / max(prefix_seconds, 0.01), 2),
               "report_grouped_together_seconds": together_seconds, "report_joined_seconds": joined_seconds,
               "topics": len(set(joined[:size].tolist())),
               "earlier_joined": int((joined[size:] >= 0).sum())}  # fmt: skip
        verdict = "相同" if same else "不同！"
        echo(f"{size} 条不同文本：相似对 {len(rows)}（与全量乘积{verdict}），全量乘积 {full_seconds:.2f} 秒，"
             f"前缀过滤单核 {one_core_seconds:.2f} 秒、{WORKERS} 线程 {prefix_seconds:.2f} 秒（{run['speedup']} 倍）；"
             f"本期与之前各 {size} 条：一起归并 {together_seconds:.2f} 秒（{len(set(together.tolist()))} 个事项），"
             f"之前的归入本期事项 {joined_seconds:.2f} 秒（本期 {run['topics']} 个事项，"
             f"之前的 {run['earlier_joined']} 条归入）")  # fmt: skip
        runs.append(run)
    load_after = os.getloadavg()
    echo(f"机器：{os.cpu_count()} 核，负载（1/5/15 分钟）开始 {' / '.join(f'{v:.2f}' for v in load_before)}，"
         f"结束 {' / '.join(f'{v:.2f}' for v in load_after)}")  # fmt: skip
    return {"runs": runs, "similar": SIMILAR,
            "machine": {"cores": os.cpu_count(), "load_average_before": [round(v, 2) for v in load_before],
                        "load_average_after": [round(v, 2) for v in load_after]}}  # fmt: skip
