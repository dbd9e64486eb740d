"""The similar-pair search finds exactly the pairs the full product X·Xᵀ finds, on real texts."""

import csv
import json
import random

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from analytics.bench import grouping as bench
from analytics.clusters import SIMILAR, vectorise
from analytics.pairs import similar_pairs, split_common
from analytics.text import ticket_text
from tests.conftest import real_data


def full_product_pairs(matrix: csr_matrix, similar: float) -> set[tuple[int, int]]:
    return pair_set(*bench.full_product_pairs(matrix, similar))


def pair_set(rows: np.ndarray, cols: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(rows.tolist(), cols.tolist(), strict=True))


@pytest.fixture(scope="module")
def real_matrix() -> csr_matrix:
    """1,500 real messages and 500 made of the title of one and the body of another: near and far pairs."""
    with real_data("messages", "unlabelled.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(r["title"], r["body"]) for r in csv.DictReader(fh)][:1500]
    rng = random.Random(3)
    mixed = [(rows[rng.randrange(len(rows))][0], rows[rng.randrange(len(rows))][1]) for _ in range(500)]
    matrix = vectorise([ticket_text(title, body) for title, body in rows + mixed + [("", "")]])
    return matrix


def test_the_same_pairs_as_the_full_product_on_real_texts(real_matrix):
    rows, cols = similar_pairs(real_matrix, real_matrix, SIMILAR)
    found = pair_set(rows, cols)
    assert len(found) == len(rows)  # each pair once per direction
    expected = full_product_pairs(real_matrix, SIMILAR)
    assert found == expected
    assert len(expected) > real_matrix.shape[0]  # more than each text with itself: there are pairs to find
    assert (real_matrix.shape[0] - 1, real_matrix.shape[0] - 1) not in found  # the empty text is like nothing
    for threshold in (0.3, 0.8):
        found = pair_set(*similar_pairs(real_matrix, real_matrix, threshold))
        assert found == full_product_pairs(real_matrix, threshold), threshold


def test_pairs_between_two_sets_of_texts(real_matrix):
    left, right = real_matrix[:700], real_matrix[1400:]  # the mixed texts share titles or bodies with the first
    product = (left @ right.T).tocoo()
    keep = product.data >= SIMILAR
    expected = pair_set(product.row[keep], product.col[keep])
    assert len(expected) >= 10
    assert pair_set(*similar_pairs(left, right, SIMILAR)) == expected


def test_the_common_words_set_aside_stay_under_the_limit_and_the_rest_is_kept(real_matrix):
    prefix, suffix_norm = split_common(real_matrix, 0.36)
    assert suffix_norm.max() < 0.36 and suffix_norm.max() > 0.2  # common words were set aside, within the limit
    # prefix and suffix together are the whole row: no weight is lost or counted twice
    whole = np.asarray(real_matrix.multiply(real_matrix).sum(axis=1)).ravel()
    kept = np.asarray(prefix.multiply(prefix).sum(axis=1)).ravel()
    assert np.allclose(kept + suffix_norm**2, whole, atol=1e-5)
    # what is set aside is the row's commonest words: none of them is rarer than a word kept
    frequency = np.bincount(real_matrix.indices, minlength=real_matrix.shape[1])
    for row in range(0, real_matrix.shape[0], 97):
        all_words = set(real_matrix[row].indices.tolist())
        kept_words = set(prefix[row].indices.tolist())
        set_aside = all_words - kept_words
        if set_aside and kept_words:
            assert min(frequency[list(set_aside)]) >= max(frequency[list(kept_words)])


def test_a_single_text_and_a_matrix_of_empty_texts():
    one = vectorise([ticket_text("小区电梯坏了", "电梯停运三天")])
    assert [a.tolist() for a in similar_pairs(one, one, SIMILAR)] == [[0], [0]]
    empty = csr_matrix((3, 4), dtype=np.float32)
    assert [len(a) for a in similar_pairs(empty, empty, SIMILAR)] == [0, 0]


@pytest.mark.slow  # a benchmark: both groupings over 300 and 600 real texts
def test_the_grouping_bench_ends_with_json_and_finds_the_same_pairs():
    real_data("messages")
    from typer.testing import CliRunner

    from analytics.cli import app

    result = CliRunner().invoke(app, ["bench-grouping", "--texts", "300,600"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert [run["texts"] for run in figures["runs"]] == [300, 600]
    for run in figures["runs"]:
        assert run["same_pairs_as_full_product"] is True
        assert run["pairs"] >= run["texts"]  # every text with itself, and more
        assert run["topics"] < run["texts"] and 0 < run["earlier_joined"] < run["texts"]
    refused = CliRunner().invoke(app, ["bench-grouping", "--texts", "5000,x"])
    assert refused.exit_code == 2 and "逗号分隔的整数" in refused.output
    too_small = CliRunner().invoke(app, ["bench-grouping", "--texts", "1"])
    assert too_small.exit_code == 2 and "至少 2 条" in too_small.output
    too_many = CliRunner().invoke(app, ["bench-grouping", "--texts", "1000000000"])  # more than the pairs of messages
    assert too_many.exit_code == 1 and "最多" in too_many.output and not too_many.output.rstrip().endswith("}")
