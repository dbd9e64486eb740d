"""Texts into topics (事项): TF-IDF vectors, star clustering, merging stars of one matter, later texts joining.

1. Two texts are linked when their cosine similarity reaches SIMILAR (found by analytics/pairs.py).
2. Star clustering: the text with the most links leads a topic and takes its ungrouped neighbours, then the
   next. Every member is similar to its leader, so topics do not chain into one over common words (connected
   components would: A~B~C~…).
3. Stars are strict: forty citizens writing about one concrete plant in their own words make several stars, each
   similar to its own leader. Two stars are merged when some of their members are linked and their centres (the
   mean of their members' vectors) reach MERGE: the centres average the wordings out. On 4,000 real messages
   the 41 about the plant at 丽发新城 went from 24 in the largest topic to 35, with no other matter taken in.
"""

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack

from analytics.pairs import similar_pairs
from analytics.text import TicketText

SIMILAR = 0.45  # cosine similarity from which two tickets are about the same matter
MERGE = 0.6  # cosine similarity of two linked stars' centres from which they are one matter
PLACE_WEIGHT = 0.6  # place features relative to the words block (both blocks are l2-normalised)


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def unit_rows(matrix: csr_matrix) -> csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    scale = csr_matrix((1 / norms, (np.arange(len(norms)), np.arange(len(norms)))))
    # float32: the similarity product is the costliest step of a report, and 7 digits are plenty for a cosine
    return (scale @ matrix).tocsr().astype(np.float32)


def vectorise(texts: Sequence[TicketText]) -> csr_matrix:
    """One unit row per text: TF-IDF of its words, and of its places weighted by PLACE_WEIGHT. A text with
    neither (only stop words) is an empty row, like nothing else."""
    # Imported here: scikit-learn takes seconds to load, and the server needs it only when topics are grouped.
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks = []
    if any(t.words for t in texts):
        blocks.append(TfidfVectorizer(analyzer=_identity, sublinear_tf=True).fit_transform([t.words for t in texts]))
    if any(t.places for t in texts):
        blocks.append(TfidfVectorizer(analyzer=_identity).fit_transform([t.places for t in texts]) * PLACE_WEIGHT)
    if not blocks:
        return csr_matrix((len(texts), 0), dtype=np.float32)
    return unit_rows(hstack(blocks).tocsr())


def stars(graph: csr_matrix, order: np.ndarray) -> np.ndarray:
    """Star clustering of a symmetric graph: each node in `order` that is still free leads a star and takes its
    free neighbours. The label of a node is its leader."""
    labels = np.full(graph.shape[0], -1, dtype=int)
    for leader in order:
        if labels[leader] >= 0:
            continue
        labels[leader] = leader
        neighbours = graph.indices[graph.indptr[leader] : graph.indptr[leader + 1]]
        labels[neighbours[labels[neighbours] < 0]] = leader
    return labels


def merge_stars(matrix: csr_matrix, rows: np.ndarray, cols: np.ndarray, labels: np.ndarray,
                merge: float = MERGE) -> np.ndarray:  # fmt: skip
    """For each star leader, the leader of the merged topic it belongs to (an array indexed by text; only the
    leaders' entries are meaningful). `rows`, `cols` are the links between texts."""
    a, b = labels[rows], labels[cols]
    touching = np.unique(np.stack([a[a < b], b[a < b]]), axis=1)  # pairs of stars with a link between them
    merged = np.arange(len(labels))
    if not touching.shape[1]:
        return merged
    leaders, position = np.unique(labels, return_inverse=True)
    members = csr_matrix((np.ones(len(labels)), (position, np.arange(len(labels)))), shape=(len(leaders), len(labels)))
    centres = unit_rows(members @ matrix)
    first, second = np.searchsorted(leaders, touching[0]), np.searchsorted(leaders, touching[1])
    agree = np.asarray(centres[first].multiply(centres[second]).sum(axis=1)).ravel() >= merge
    first, second = first[agree], second[agree]
    if not len(first):
        return merged
    n = len(leaders)
    graph = csr_matrix((np.ones(2 * len(first)), (np.r_[first, second], np.r_[second, first])), shape=(n, n))
    # the star with the most agreeing neighbours leads, then the bigger one
    sizes = np.bincount(position, minlength=n)
    links = np.asarray(graph.sum(axis=1)).ravel()
    topic = stars(graph, np.lexsort((-sizes, -links)))
    merged[leaders] = leaders[topic]
    return merged


def group(texts: Sequence[TicketText], similar: float = SIMILAR, current: int | None = None) -> np.ndarray:
    """Topic label of each text (a text index), by star clustering of texts[:current] (all of them by default)
    and merging of stars of one matter; each later text joins a topic or gets -1 (see `join_leaders`)."""
    n = len(texts)
    current = n if current is None else current
    if not current:  # no text of the period (a future day): no topic for the later texts to join
        return np.full(n, -1, dtype=int)
    matrix = vectorise(texts)  # one vocabulary and one IDF for all the texts
    topics = matrix[:current]
    rows, cols = similar_pairs(topics, topics, similar)
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(current, current))
    degree = np.asarray(graph.sum(axis=1)).ravel()
    star = stars(graph, np.argsort(-degree, kind="stable"))
    merged = merge_stars(topics, rows, cols, star)
    labels = np.full(n, -1, dtype=int)
    labels[:current] = merged[star]
    joined = join_leaders(matrix[current:], topics, star, degree, similar)
    labels[current:] = np.where(joined >= 0, merged[np.maximum(joined, 0)], -1)
    return labels


def join_leaders(later: csr_matrix, topics: csr_matrix, labels: np.ndarray, degree: np.ndarray,
                 similar: float) -> np.ndarray:  # fmt: skip
    """The star each row of `later` joins: that of the leader it is similar to, the leader with the most links
    first (as in the star clustering itself), or -1. Later texts do not lead topics nor link to other members:
    the tickets before a report's period are counted against its topics, without a quadratic grouping of their own.
    """
    leaders = np.flatnonzero(labels == np.arange(len(labels)))
    joined = np.full(later.shape[0], -1, dtype=int)
    if not len(leaders) or not later.shape[0]:
        return joined
    rows, cols = similar_pairs(later, topics[leaders], similar)
    # of the leaders a row is similar to, the one the star clustering takes first: most links, then lowest index
    first = np.lexsort((leaders[cols], -degree[leaders[cols]], rows))
    rows, cols = rows[first], cols[first]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else rows
    joined[rows[starts]] = leaders[cols[starts]]
    return joined
