"""Every pair of tickets similar enough to be about the same matter, without multiplying every pair of texts.

The costliest step of a meeting report is finding the pairs of texts whose cosine similarity reaches SIMILAR.
The full product X·Xᵀ touches every pair that shares any word, and common words (问题, 小区, 反映 …) are shared
by a large part of a month: its cost grows with the square of the texts. Prefix filtering (Bayardo, Ma and
Srikant, "Scaling up all pairs similarity search", WWW 2007) gives the same pairs for much less:

- Each row (a unit vector) sets aside its commonest words while their norm stays below COMMON_SHARE × SIMILAR:
  its suffix. What is left, its rare words, is its prefix.
- For rows x and y, x·y = x·prefix(y) + x·suffix(y) ≤ x·prefix(y) + ‖suffix(y)‖. A pair can reach SIMILAR only
  when x·prefix(y) ≥ SIMILAR − ‖suffix(y)‖ > 0, so X·prefixᵀ — common words meet only the few prefixes holding
  them — finds every candidate; the candidates are then checked with their exact similarity.

The result is exact (the same pairs as the full product, up to float rounding at the threshold itself).
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.sparse import csr_matrix

COMMON_SHARE = 0.8  # measured on 20k and 50k distinct real texts: 0.7–0.9 are alike, ≈ 3× faster than X·Xᵀ
CHUNK = 2000  # rows per block of the product: bounds memory on big months (one block in flight per worker)
WORKERS = min(4, os.cpu_count() or 1)


def split_common(matrix: csr_matrix, limit: float) -> tuple[csr_matrix, np.ndarray]:
    """Each row's prefix (its words without the commonest ones, whose norm stays below `limit`) as a matrix, and
    the norm of what was set aside (the suffix) per row."""
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    rarity = np.empty_like(frequency)
    rarity[np.argsort(frequency, kind="stable")] = np.arange(len(frequency))  # 0: the rarest word
    coo = matrix.tocoo()
    order = np.lexsort((rarity[coo.col], coo.row))  # by row, then rare words first
    rows, cols, values = coo.row[order], coo.col[order], coo.data[order]
    squares = values.astype(np.float64) ** 2
    to_end = np.append(np.cumsum(squares[::-1])[::-1], 0.0)  # sum of squares from each entry to the last one
    row_end = np.searchsorted(rows, rows, side="right")
    tail = to_end[:-1] - to_end[row_end]  # from each entry to the end of its row
    prefix = tail >= limit**2
    kept = csr_matrix((values[prefix], (rows[prefix], cols[prefix])), shape=matrix.shape)
    suffix_norm = np.sqrt(np.bincount(rows[~prefix], weights=squares[~prefix], minlength=matrix.shape[0]))
    return kept, suffix_norm


def similar_pairs(left: csr_matrix, right: csr_matrix, similar: float,
                  workers: int = WORKERS) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(i, j) for every row i of `left` and row j of `right` whose dot product reaches `similar` (with left = right:
    every ordered pair, a row with itself included). Rows are unit vectors (or empty) in the same space. Blocks
    of rows run on several cores (scipy's sparse products release the GIL)."""
    prefix, suffix_norm = split_common(right, COMMON_SHARE * similar)
    probe = prefix.T.tocsr()

    def pairs_of_block(start: int) -> tuple[np.ndarray, np.ndarray]:
        block = (left[start : start + CHUNK] @ probe).tocoo()  # x · prefix(y)
        # y's suffix adds at most its norm (a small margin for float32 sums: this only narrows the candidates)
        maybe = block.data + suffix_norm[block.col] >= similar - 1e-6
        rows, cols = block.row[maybe] + start, block.col[maybe]
        exact = np.asarray(left[rows].multiply(right[cols]).sum(axis=1)).ravel()
        keep = exact >= similar
        return rows[keep], cols[keep]

    with ThreadPoolExecutor(workers) as pool:
        found = list(pool.map(pairs_of_block, range(0, left.shape[0], CHUNK)))
    if not found:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    return np.concatenate([rows for rows, _ in found]), np.concatenate([cols for _, cols in found])
