"""Rising issues (突发/上升): matters that jump against their own recent past, found by one rule at two scales.

- 突发 (a day): a topic's count on one day against the BASELINE days before it.
- 上升 / 新出现 (the period): a topic's count in the report's period against the weeks before it (the earlier
  window of the report: the previous period or the BASELINE days, whichever is longer), scaled to the period's
  length. A matter with no ticket before is 新出现 (new), one with some is 上升 (growing).

The rule: the count is at least MIN_COUNT and exceeds the expected count by Z spreads, where the spread is the
baseline's standard deviation (days only: a period has one earlier window) but never less than √expected
(Poisson noise) nor 1; and the count is unlikely as Poisson noise around the expected count, with the chance ALPHA
shared among the topics watched (Bonferroni): P(X ≥ count) ≤ ALPHA / topics. A city's month has thousands of
topics and some of them jump by chance every day; on the million-ticket benchmark this cut a month's alerts from
about a thousand to a handful. A silent topic (no ticket before) is taken to have had one ticket in its earlier
window: rare, not impossible. So the N tickets that make a matter new are not a tuned constant: they follow from
the number of topics watched and the lengths of the period and of the window before it (docs/indicators.md).
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
from analytics.topics import Grouping, group_docs, top_keywords, top_places
from hotline.events import Event, get_bus

BASELINE = 14
MIN_COUNT = 3
Z = 3.0
ALPHA = 0.01  # the chance of one false alert (a day, or a report's period) among all the topics watched
KINDS = {"new": "新出现", "growing": "上升", "spike": "突发"}


@dataclass(frozen=True)
class Spike:
    index: int  # position of the day in the series
    count: int
    baseline_mean: float
    threshold: float


def poisson_limit(expected: float, share: float) -> float:
    """The count a topic must exceed: unlikely (chance ≤ share) as Poisson noise around `expected`."""
    return float(poisson.isf(share, expected))


def spread_limit(expected: np.ndarray) -> np.ndarray:
    """Expected + Z spreads, for a period: its one earlier window has no standard deviation, so √expected or 1."""
    return expected + Z * np.maximum(np.sqrt(expected), 1.0)


def period_limit(expected: float, topics: int) -> float:
    """The count a topic of the period must exceed, `expected` tickets being the earlier window's at the same rate,
    among `topics` watched. For a silent topic (expected 1 when the windows are as long) the first count past it
    is the N of a new matter: 5 for one topic, 7 for a hundred, 9 for a thousand."""
    return max(float(spread_limit(np.array(expected))), poisson_limit(expected, ALPHA / max(topics, 1)))


def detect_spikes(counts: Sequence[Sequence[int]], baseline: int = BASELINE, min_count: int = MIN_COUNT,
                  z: float = Z, topics: int | None = None) -> list[tuple[int, Spike]]:  # fmt: skip
    """(row, spike) for each day of each row of `counts` (one row of daily counts per topic, oldest first) that
    jumps against the `baseline` days before it. `topics` is how many topics are watched together (default:
    the rows): the chance of a false alert is shared among them. Every topic and day at once, as arrays."""
    if not len(counts):  # no topic at all: a window without tickets
        return []
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
        # Only for the few days past the spread rule (scipy's isf is slow for every topic and day).
        limit = max(float(threshold[row, j]), poisson_limit(max(mean[row, j], 1 / baseline), share))
        if days[row, j] > limit:
            spikes.append((int(row), Spike(int(j) + baseline, int(days[row, j]), round(float(mean[row, j]), 2),
                                           round(limit, 2))))  # fmt: skip
    return spikes


@dataclass
class RisingIssue:
    kind: str  # 突发 (one day) / 上升 / 新出现 (the period against the weeks before it)
    day: str | None  # the day of a 突发; None for the period's kinds
    label: str
    keywords: list[str]
    places: list[str]
    count: int  # on the day (突发) or in the period
    previous: int  # tickets of the topic before: in the BASELINE days (突发) or the earlier window
    baseline_mean: float  # the expected count: the baseline's daily mean, or the earlier rate × the period
    threshold: float  # the count had to exceed this
    series: list[int]  # daily counts from the BASELINE days before the period to its end
    ticket_ids: list[int]  # the day's (突发) or the period's tickets
    examples: list[str]

    def payload(self) -> dict:
        return {"kind": self.kind, "day": self.day, "label": self.label, "keywords": self.keywords,
                "places": self.places, "count": self.count, "previous": self.previous,
                "baseline_mean": self.baseline_mean, "examples": self.examples}  # fmt: skip


@dataclass
class Daily:
    """The daily counts of the topics with tickets within some days."""

    labels: np.ndarray  # the topics, sorted
    counts: np.ndarray  # a row of daily counts for each
    inside: np.ndarray  # the positions in the grouping of the tickets within the days
    rows: np.ndarray  # the row of each of them
    column: np.ndarray  # the day of every ticket of the grouping (-1: outside the days)


def _daily(grouping: Grouping, days: Period) -> Daily:
    column = days.day_positions(grouping.times)
    inside = np.flatnonzero((column >= 0) & (grouping.labels >= 0))  # earlier tickets of no topic: not counted
    labels, rows = np.unique(grouping.labels[inside], return_inverse=True)
    counts = np.zeros((len(labels), len(days.days)), dtype=int)
    np.add.at(counts, (rows, column[inside]), 1)
    return Daily(labels, counts, inside, rows, column)


def _issue(grouping: Grouping, kind: str, day: str | None, members: np.ndarray, shown: list[int], count: int,
           previous: int, expected: float, limit: float, series: list[int]) -> RisingIssue:  # fmt: skip
    """Named as its topic is in the hot list: after the topic's leading ticket."""
    texts = [grouping.texts[i] for i in members]
    label = grouping.leading(members.tolist(), int(grouping.labels[members[0]])).title[:30]
    return RisingIssue(
        kind=kind, day=day, label=label, keywords=top_keywords(texts), places=top_places(texts),
        count=count, previous=previous, baseline_mean=round(expected, 2), threshold=round(limit, 2),
        series=series, ticket_ids=[grouping.docs[i].ticket_id for i in shown],
        examples=[grouping.docs[i].title for i in shown[:3]],
    )  # fmt: skip


def rising_issues(grouping: Grouping, days: Period, watch: int) -> list[RisingIssue]:
    """Topics spiking (突发) on one of the last `watch` days of `days` (the days before are their baseline);
    tickets of the grouping created outside `days` are not counted."""
    daily = _daily(grouping, days)
    found = []
    for row, spike in detect_spikes(daily.counts):
        if spike.index < len(days.days) - watch:
            continue
        members = daily.inside[daily.rows == row]
        on_day = members[daily.column[members] == spike.index].tolist()
        series = daily.counts[row]
        found.append(_issue(grouping, KINDS["spike"], days.days[spike.index].isoformat(), members, on_day,
                            spike.count, int(series[spike.index - BASELINE : spike.index].sum()), spike.baseline_mean,
                            spike.threshold, series.tolist()))  # fmt: skip
    found.sort(key=lambda r: (r.day, -(r.count - r.baseline_mean)))
    return found


def period_rises(grouping: Grouping, period: Period, earlier: Period) -> list[RisingIssue]:
    """Topics of the period with far more tickets than the `earlier` window (just before it) had at the same
    rate: 新出现 when it had none, 上升 otherwise. Nothing when the earlier window holds no ticket at all (a fresh
    install, or a district without history): there is no "before" to be new against."""
    current, before = grouping.members(period), grouping.members(earlier)
    if not len(before):
        return []
    current = current[grouping.labels[current] >= 0]
    labels, now = np.unique(grouping.labels[current], return_counts=True)
    known = grouping.labels[before]
    previous = np.bincount(known[known >= 0], minlength=max(labels.max(initial=0), known.max(initial=0)) + 1)[labels]
    expected = np.maximum(previous, 1) * (len(period.days) / len(earlier.days))  # silent: one ticket before
    spread = spread_limit(expected)
    daily = _daily(grouping, Period(period.first - timedelta(days=BASELINE), period.last))
    found = []
    # the Poisson bound only for the few topics past the spread rule (a city's month has tens of thousands)
    for i in np.flatnonzero((now >= MIN_COUNT) & (now > spread)).tolist():
        limit = period_limit(float(expected[i]), len(labels))
        if now[i] <= limit:
            continue
        members = current[grouping.labels[current] == labels[i]]
        series = daily.counts[np.searchsorted(daily.labels, labels[i])].tolist()
        kind = KINDS["growing"] if previous[i] else KINDS["new"]
        found.append(_issue(grouping, kind, None, members, members.tolist(), int(now[i]), int(previous[i]),
                            float(expected[i]), limit, series))  # fmt: skip
    found.sort(key=lambda r: (r.kind != KINDS["new"], -(r.count - r.baseline_mean)))
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
