"""Rising issues (突发/上升): a topic whose daily count jumps against its own recent baseline.

A day is a spike when its count is at least MIN_COUNT and exceeds the baseline mean by Z spreads, where the
spread is the baseline's standard deviation but never less than √mean (Poisson noise) nor 1 — a topic that was
silent needs MIN_COUNT tickets in a day, not one. Baseline: the BASELINE days before the day.

A city's month has thousands of topics, and some of them jump by chance every day: the count must also be
unlikely as Poisson noise around the baseline mean, with the chance ALPHA shared among the topics watched
(Bonferroni): P(X ≥ count) ≤ ALPHA / topics. On the million-ticket benchmark this cut a month's alerts from
about a thousand to a handful.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.stats import poisson
from sqlmodel import Session

from analytics.docs import period_docs
from analytics.period import Period
from analytics.topics import Grouping, _keywords, _places, group_docs
from hotline.events import Event, get_bus

BASELINE = 14
MIN_COUNT = 3
Z = 3.0
ALPHA = 0.01  # the chance of one false alert a day among all the topics watched


@dataclass(frozen=True)
class Spike:
    index: int  # position of the day in the series
    count: int
    baseline_mean: float
    threshold: float


def detect_spikes(counts: Sequence[Sequence[int]], baseline: int = BASELINE, min_count: int = MIN_COUNT,
                  z: float = Z, topics: int | None = None) -> list[tuple[int, Spike]]:  # fmt: skip
    """(row, spike) for each day of each row of `counts` (one row of daily counts per topic, oldest first) that
    jumps against the `baseline` days before it. `topics` is how many topics are watched together (default:
    the rows): the chance of a false alert is shared among them. Every topic and day at once, as arrays."""
    series = np.asarray(counts, dtype=float).reshape(len(counts), -1)
    if series.shape[1] <= baseline:
        return []
    windows = sliding_window_view(series, baseline, axis=1)[:, :-1]  # windows[:, j]: the days before day baseline+j
    mean, sd = windows.mean(axis=2), windows.std(axis=2)
    threshold = mean + z * np.maximum(np.maximum(sd, np.sqrt(mean)), 1.0)
    days = series[:, baseline:]
    share = ALPHA / max(topics or len(series), 1)
    spikes = []
    for row, j in zip(*np.nonzero((days >= min_count) & (days > threshold)), strict=True):
        # Only for the few days past the spread rule (scipy's isf is slow for every topic and day). A silent
        # topic is taken to have had one ticket in its baseline: rare, not impossible.
        limit = max(float(threshold[row, j]), float(poisson.isf(share, max(mean[row, j], 1 / baseline))))
        if days[row, j] > limit:
            spikes.append((int(row), Spike(int(j) + baseline, int(days[row, j]), round(float(mean[row, j]), 2),
                                           round(limit, 2))))  # fmt: skip
    return spikes


@dataclass
class RisingIssue:
    day: str
    label: str
    keywords: list[str]
    places: list[str]
    count: int
    baseline_mean: float
    threshold: float
    series: list[int]
    ticket_ids: list[int]
    examples: list[str]

    def payload(self) -> dict:
        return {"day": self.day, "label": self.label, "keywords": self.keywords, "places": self.places,
                "count": self.count, "baseline_mean": self.baseline_mean, "examples": self.examples}  # fmt: skip


def rising_issues(grouping: Grouping, days: Period, watch: int) -> list[RisingIssue]:
    """Topics spiking on one of the last `watch` days of `days` (the days before are their baseline); tickets
    of the grouping created outside `days` are not counted."""
    column = days.day_positions(grouping.times)
    inside = np.flatnonzero((column >= 0) & (grouping.labels >= 0))  # earlier tickets of no topic: not counted
    labels, rows = np.unique(grouping.labels[inside], return_inverse=True)  # a row of daily counts per topic
    counts = np.zeros((len(labels), len(days.days)), dtype=int)
    np.add.at(counts, (rows, column[inside]), 1)
    docs, texts = grouping.docs, grouping.texts
    found = []
    for row, spike in detect_spikes(counts):
        if spike.index < len(days.days) - watch:
            continue
        members = inside[rows == row]
        on_day = members[column[members] == spike.index].tolist()
        keywords, places = _keywords([texts[i] for i in members]), _places([texts[i] for i in members])
        found.append(RisingIssue(
            day=days.days[spike.index].isoformat(), label="·".join((places[:1] + keywords)[:3]), keywords=keywords,
            places=places, count=spike.count, baseline_mean=spike.baseline_mean, threshold=spike.threshold,
            series=counts[row].tolist(), ticket_ids=[docs[i].ticket_id for i in on_day],
            examples=[docs[i].title for i in on_day[:3]],
        ))  # fmt: skip
    found.sort(key=lambda r: (r.day, -(r.count - r.baseline_mean)))
    return found


def rising_for(session: Session, last_day: date, watch: int = 1, district: str | None = None) -> list[RisingIssue]:
    """Rising issues on the `watch` days up to `last_day`, against the BASELINE days before them."""
    period = Period(last_day - timedelta(days=BASELINE + watch - 1), last_day)
    return rising_issues(group_docs(period_docs(session, period, district)), period, watch)


def publish_rising(issues: Sequence[RisingIssue]) -> int:
    """Alert every manager's page: one `analytics.rising` event per issue on the bus."""
    bus = get_bus()
    for issue in issues:
        bus.publish(Event("analytics.rising", issue.payload()))
    return len(issues)

