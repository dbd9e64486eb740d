"""An in-memory BM25F index over title, tags and body, with highlighted titles and snippets.

Scores are precomputed per (article, term) into one sparse matrix, so a query is a sum of a few columns plus a
top-k selection: well under a millisecond for 10,000 articles. Validity windows are kept beside the matrix and
applied at query time, so an article whose `valid_to` passes disappears without a rebuild.
"""

import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
from scipy import sparse

from hotline.text import tokenize
from knowledge.terms import INTENTS, REPLACEMENTS, Query, document_terms, grams, parse_query, query_terms

K1 = 1.2
# The questions agents answered with an article (用于直接答复) are a field of it: callers' own words for it, learned
# from use as a search engine learns from clicks. Not fed by the console yet: on the judged set it did not help
# (docs/knowledge.md, `hotline knowledge eval --learn-from dev`).
ASKED_WEIGHT = 1.0
# Field weight and length normalisation: a word in the title says much more about the article than one in the body.
FIELDS = {"title": (4.0, 0.5), "tags": (1.5, 0.3), "body": (1.0, 0.75), "asked": (ASKED_WEIGHT, 0.5)}
# A title that holds most of the question's (idf-weighted) words is what a caller usually means: 出生医学证明信息查询
# for 出生医学证明怎么查, rather than an article that repeats one of the words many times.
TITLE_COVERAGE_BOOST = 1.0
# The title character channel: BM25 over the title's character pairs, added to the word score with this weight.
CHAR_WEIGHT = 0.5
CHAR_B = 0.5
# A title that does what the caller asked (…进度查询 for 办到哪了) is worth this much more.
INTENT_BOOST = 1.0
# A progress item (…进度查询) when nobody asked about progress: the guide has one per service, and they crowd out
# the service itself (护照怎么办理 is 办理及加注普通护照, not 首次办理普通护照办证进度查询).
PROGRESS_MISMATCH = 0.7
# The words of what is to be done (补发, 换领, 进度…) count this much of a subject word: intents reward them already.
MARKER_WEIGHT = 0.5
# A caller's short word no title holds (低保) may be the guide's long phrase cut short (最低生活保障): its words are
# searched at this weight.
ABBREVIATION_WEIGHT = 0.7
SNIPPET_CHARS = 120
DUPLICATE_SLACK = 3  # candidates looked at per result wanted, so repeated titles can be skipped


@dataclass(frozen=True)
class Doc:
    id: int
    title: str
    body: str
    tags: tuple[str, ...] = ()
    department: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    asked: tuple[str, ...] = ()  # questions this article was used to answer


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    title: str
    title_html: str
    snippet_html: str
    department: str | None
    tags: tuple[str, ...]
    matched: tuple[str, ...] = field(default=())
    relevance: float = 0.0  # 0–1: the score against the best the question's terms could give


@lru_cache(maxsize=100_000)
def _field_counts(text: str) -> Counter[str]:
    """Term counts of one field's text; cached by text so a rebuild only tokenises what changed."""
    return Counter(document_terms(text))


@lru_cache(maxsize=100_000)
def _asked_counts(questions: tuple[str, ...]) -> Counter[str]:
    """The search terms of the questions an article answered (filler out, as a question is searched), without the
    words of what was to be done (补办, 查询…): learned on one article they would pull every such question."""
    return Counter(t for question in questions for t in query_terms(question) if t not in LEARN_SKIP)


def _epoch(moment: datetime | None, default: float) -> float:
    return moment.timestamp() if moment is not None else default


class SearchIndex:
    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        self.ids = np.array([d.id for d in docs], dtype=np.int64)
        self.valid_from = np.array([_epoch(d.valid_from, -math.inf) for d in docs])
        self.valid_to = np.array([_epoch(d.valid_to, math.inf) for d in docs])
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.weights, self.in_title = self._weights(docs)
        in_titles = np.diff(self.in_title.indptr) > 0
        self.title_terms = {term for term, col in self.vocabulary.items() if in_titles[col]}
        self.gram_vocabulary: dict[str, int] = {}
        self.gram_idf = np.zeros(0)
        self.gram_weights = self._gram_weights(docs)
        titles = [d.title for d in docs]
        self.intent_rows = {
            name: np.array([any(m in t for m in markers) for t in titles], dtype=bool)
            for name, (_, markers) in INTENTS.items()
        }
        self.abbreviations = _abbreviations(titles)
        self._vocabulary_words = list(self.vocabulary)

    def __len__(self) -> int:
        return len(self.docs)

    def _weights(self, docs: list[Doc]) -> tuple[sparse.csc_matrix, sparse.csc_matrix]:
        """BM25F weights per (article, term), and which terms each title holds."""
        counts = {
            name: [_field_counts(" ".join(d.tags) if name == "tags" else getattr(d, name)) for d in docs]
            for name in FIELDS
            if name != "asked"
        }
        counts["asked"] = [_asked_counts(d.asked) if d.asked else Counter() for d in docs]
        # Asked questions are averaged over the articles that have some: most were never used to answer.
        averages = {
            name: max(1.0, sum(c.total() for c in per_doc) / max(1, sum(1 for c in per_doc if c or name != "asked")))
            for name, per_doc in counts.items()
        }
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        title_rows: list[int] = []
        title_cols: list[int] = []
        document_frequency: Counter[int] = Counter()
        for row in range(len(docs)):
            combined: dict[str, float] = {}
            for name, (weight, b) in FIELDS.items():
                field_counts = counts[name][row]
                norm = weight / (1 - b + b * field_counts.total() / averages[name])
                for term, tf in field_counts.items():
                    combined[term] = combined.get(term, 0.0) + tf * norm
            for term, field_tf in combined.items():
                col = self.vocabulary.setdefault(term, len(self.vocabulary))
                rows.append(row)
                cols.append(col)
                values.append(field_tf / (K1 + field_tf) * (K1 + 1))
                document_frequency[col] += 1
            for term in counts["title"][row]:
                title_rows.append(row)
                title_cols.append(self.vocabulary[term])
        n = len(docs)
        idf = np.zeros(len(self.vocabulary))
        for col, df in document_frequency.items():
            idf[col] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        self.idf = idf
        data = np.asarray(values) * idf[np.asarray(cols, dtype=np.int64)] if values else np.zeros(0)
        shape = (n, len(self.vocabulary))
        weights = sparse.csc_matrix((data, (rows, cols)), shape=shape, dtype=np.float32)
        ones = np.ones(len(title_rows))
        in_title = sparse.csc_matrix((ones, (title_rows, title_cols)), shape=shape, dtype=np.float32)
        return weights, in_title

    def _gram_weights(self, docs: list[Doc]) -> sparse.csc_matrix:
        """BM25 weights per (article, title character pair)."""
        counts = [Counter(grams(d.title)) for d in docs]
        average = max(1.0, sum(c.total() for c in counts) / max(1, len(docs)))
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        document_frequency: Counter[int] = Counter()
        for row, pairs in enumerate(counts):
            norm = 1 / (1 - CHAR_B + CHAR_B * pairs.total() / average)
            for gram, tf in pairs.items():
                col = self.gram_vocabulary.setdefault(gram, len(self.gram_vocabulary))
                rows.append(row)
                cols.append(col)
                values.append(tf * norm / (K1 + tf * norm) * (K1 + 1))
                document_frequency[col] += 1
        n = len(docs)
        idf = np.zeros(len(self.gram_vocabulary))
        for col, df in document_frequency.items():
            idf[col] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        self.gram_idf = idf
        data = np.asarray(values) * idf[np.asarray(cols, dtype=np.int64)] if values else np.zeros(0)
        return sparse.csc_matrix((data, (rows, cols)), shape=(n, len(self.gram_vocabulary)), dtype=np.float32)

    def search(self, query: str, limit: int = 10, now: datetime | None = None, min_relevance: float = 0.0) -> list[Hit]:
        return self.search_query(parse_query(query), limit, now, min_relevance=min_relevance)

    def expand_abbreviations(self, query: Query) -> Query:
        """Words no title holds that read as a title phrase cut short (低保 → 最低 生活 保障) bring that phrase."""
        for term, weight in list(query.terms.items()):
            phrase = self.abbreviations.get(term) if len(term) == 2 and term not in self.title_terms else None
            if phrase:
                weight *= ABBREVIATION_WEIGHT
                extra = Query(dict.fromkeys(phrase, weight), dict.fromkeys(grams("".join(phrase)), weight))
                query = Query(dict(query.terms), dict(query.grams), set(query.intents)).add(extra)
        return query

    def search_query(
        self, query: Query, limit: int = 10, now: datetime | None = None, min_relevance: float = 0.0
    ) -> list[Hit]:
        """The best `limit` articles with distinct titles (the guides repeat an item per city), relevance at least
        `min_relevance`. Word weights let the agent's typed words count more than the transcript's."""
        if not len(self.docs) or not (query.terms or query.grams):
            return []
        query = self.expand_abbreviations(query)
        terms, weights = list(query.terms), list(query.terms.values())
        # A word no article holds is as telling as the rarest word: a question about 路灯 that only meets
        # articles through 人 is not answered by them.
        unseen = sum(w for t, w in zip(terms, weights, strict=True) if t not in self.vocabulary)
        unseen_idf = math.log(1 + (len(self.docs) + 0.5) / 0.5) * unseen
        # Words of what is to be done weigh less than words of the subject: the intents reward them already.
        pairs = [
            (self.vocabulary[t], w * (MARKER_WEIGHT if t in MARKERS else 1.0))
            for t, w in zip(terms, weights, strict=True)
            if t in self.vocabulary
        ]
        if not pairs:
            return []
        cols = [col for col, _ in pairs]
        term_weights = np.array([w for _, w in pairs])
        scores = _column_sum(self.weights, cols, term_weights)
        idf = self.idf[cols] * term_weights
        coverage = _column_sum(self.in_title, cols, idf) / max(float(idf.sum()), 1e-9)
        scores *= 1 + TITLE_COVERAGE_BOOST * coverage
        # The best a document could score on these terms: every term saturated, in the title.
        best = (float(idf.sum()) + unseen_idf) * (K1 + 1) * max(w for w, _ in FIELDS.values())
        best *= 1 + TITLE_COVERAGE_BOOST
        gram_pairs = [(self.gram_vocabulary[g], w) for g, w in query.grams.items() if g in self.gram_vocabulary]
        if gram_pairs:
            gram_cols = [col for col, _ in gram_pairs]
            gram_weights = np.array([w for _, w in gram_pairs])
            scores += CHAR_WEIGHT * _column_sum(self.gram_weights, gram_cols, gram_weights)
            best += CHAR_WEIGHT * float((self.gram_idf[gram_cols] * gram_weights).sum()) * (K1 + 1)
        if query.intents:
            # Only a title about the question's subject too: 护照丢了补办的进度 lifts no 往来台湾通行证 progress item.
            subject = [(col, w) for col, w in zip(cols, idf, strict=True) if self._vocabulary_words[col] not in MARKERS]
            on_subject = _column_sum(self.in_title, [c for c, _ in subject], np.array([w for _, w in subject])) > 0
            for name in query.intents:
                scores[self.intent_rows[name] & on_subject] *= 1 + INTENT_BOOST
        if "progress" not in query.intents:
            scores[self.intent_rows["progress"]] *= PROGRESS_MISMATCH
        if now is not None:
            moment = now.timestamp()
            scores[(self.valid_from > moment) | (self.valid_to <= moment)] = 0.0
        relevance = np.minimum(scores / max(best, 1e-9), 1.0)
        candidates = np.flatnonzero((scores > 0) & (relevance >= min_relevance))
        pattern = _pattern([t for t in terms if t in self.vocabulary])
        wanted = limit * DUPLICATE_SLACK
        while True:
            top = candidates
            if len(candidates) > wanted:
                top = candidates[np.argpartition(-scores[candidates], wanted - 1)[:wanted]]
            # Ties (the guides repeat some titles for each city) fall back to the lower id, so results are stable.
            order = sorted((int(row) for row in top), key=lambda row: (-scores[row], self.ids[row]))
            rows = _distinct_titles(self.docs, order, limit)
            if len(rows) == limit or len(top) == len(candidates):
                break
            wanted *= 4  # many copies of one item among the best: look further down
        return [self._hit(row, float(scores[row]), pattern, float(relevance[row])) for row in rows]

    def _hit(self, row: int, score: float, pattern: re.Pattern[str] | None, relevance: float = 0.0) -> Hit:
        doc = self.docs[row]
        matched = sorted({m.group().lower() for m in pattern.finditer(doc.title + "\n" + doc.body)}) if pattern else []
        return Hit(
            id=doc.id,
            score=round(score, 4),
            title=doc.title,
            title_html=highlight(doc.title, pattern),
            snippet_html=highlight(*snippet(doc.body, pattern)),
            department=doc.department,
            tags=doc.tags,
            matched=tuple(matched),
            relevance=round(relevance, 4),
        )


# The words that tell what is to be done rather than about what (补发, 换领, 进度, 查询…).
MARKERS = frozenset(m for _, markers in INTENTS.values() for m in markers) | frozenset(
    w for words in REPLACEMENTS.values() for w in words
)


# Words learned from use should name the subject, not the act (补办, 查询…: the intents handle those).
LEARN_SKIP = MARKERS


def _abbreviations(titles: list[str]) -> dict[str, tuple[str, ...]]:
    """Two characters → the title phrase they shorten: the first from one word, the second opening a word one or two
    words later (最低 生活 保障 → 低保, 社会 保险 → 社保). The phrase most titles hold wins."""
    found: dict[str, Counter[tuple[str, ...]]] = {}
    for title in set(titles):
        words = [w for w in tokenize(title) if len(w) >= 2]
        for i, first in enumerate(words):
            for j in range(i + 1, min(i + 3, len(words))):
                for char in dict.fromkeys(first):
                    found.setdefault(char + words[j][0], Counter())[tuple(words[i : j + 1])] += 1
    return {short: phrases.most_common(1)[0][0] for short, phrases in found.items()}


def _distinct_titles(docs: list[Doc], order: list[int], limit: int) -> list[int]:
    """The first `limit` rows of `order` whose titles differ: another city's copy of an item adds nothing."""
    seen: set[str] = set()
    rows = []
    for row in order:
        if docs[row].title not in seen:
            seen.add(docs[row].title)
            rows.append(row)
            if len(rows) == limit:
                break
    return rows


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    """One alternation of the query's words, longest first so 残疾人 wins over 残疾."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None


def highlight(text: str, pattern: re.Pattern[str] | None) -> str:
    """The text HTML-escaped, with <mark> around the query's words."""
    if pattern is None:
        return html.escape(text)
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def snippet(
    body: str, pattern: re.Pattern[str] | None, size: int = SNIPPET_CHARS
) -> tuple[str, re.Pattern[str] | None]:
    """The window of the body holding the most distinct query words (with … where it was cut)."""
    flat = " ".join(body.split())
    best_start, best_count = 0, 0
    matches = [(m.start(), m.end(), m.group().lower()) for m in pattern.finditer(flat)] if pattern else []
    # Sliding window over the matches (in order of position): each match may open a window 10 characters before it.
    inside: Counter[str] = Counter()
    last = 0
    for first, (start, _, _) in enumerate(matches):
        window_start = max(0, start - 10)
        while last < len(matches) and matches[last][1] <= window_start + size:
            inside[matches[last][2]] += 1
            last += 1
        if len(inside) > best_count:
            best_start, best_count = window_start, len(inside)
        word = matches[first][2]
        inside[word] -= 1
        if not inside[word]:
            del inside[word]
    text = flat[best_start : best_start + size]
    prefix = "…" if best_start > 0 else ""
    suffix = "…" if best_start + size < len(flat) else ""
    return prefix + text + suffix, pattern


def _column_sum(matrix: sparse.csc_matrix, cols: list[int], weights: np.ndarray) -> np.ndarray:
    """Σ weight·column over a few columns, straight from the CSC arrays (cheaper than slicing the matrix)."""
    out = np.zeros(matrix.shape[0], dtype=np.float64)
    for col, weight in zip(cols, weights, strict=True):
        start, end = matrix.indptr[col], matrix.indptr[col + 1]
        out[matrix.indices[start:end]] += matrix.data[start:end] * weight
    return out
