"""Rising issues (突发/上升): a topic whose daily count jumps against its own recent baseline.

A day is a spike when its count is at least MIN_COUNT and exceeds the baseline mean by Z spreads, where the
spread is the baseline's standard deviation but never less than √mean (Poisson noise) nor 1 — a topic that was
silent needs MIN_COUNT tickets in a day, not one. Baseline: the BASELINE days before the day.

A city's month has thousands of topics, and some of them jump by chance every day: the count must also be
unlikely as Poisson noise around the baseline mean, with the chance ALPHA shared among the topics watched
(Bonferroni): P(X ≥ count) ≤ ALPHA / topics. On the million-ticket benchmark this cut a month's alerts from
about a thousand to a handful.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scipy.stats import poisson
from sqlmodel import Session

from analytics.docs import period_docs
from analytics.period import Period
from analytics.topics import Doc, _keywords, _places, _texts, group
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


def detect_spikes(series: Sequence[int], baseline: int = BASELINE, min_count: int = MIN_COUNT,
                  z: float = Z, topics: int = 1) -> list[Spike]:  # fmt: skip
    """Days of `series` (daily counts, oldest first) that jump against the `baseline` days before them;
    `topics` is how many series are watched together (the chance of a false alert is shared among them)."""
    spikes = []
    for i in range(baseline, len(series)):
        window = series[i - baseline : i]
        mean = sum(window) / baseline
        sd = math.sqrt(sum((x - mean) ** 2 for x in window) / baseline)
        threshold = mean + z * max(sd, math.sqrt(mean), 1.0)
        if series[i] < min_count or series[i] <= threshold:
            continue
        # Only for the few days past the spread rule (scipy's isf is slow for every topic and day). A silent
        # topic is taken to have had one ticket in its baseline: rare, not impossible.
        threshold = max(threshold, float(poisson.isf(ALPHA / max(topics, 1), max(mean, 1 / baseline))))
        if series[i] > threshold:
            spikes.append(Spike(i, series[i], round(mean, 2), round(threshold, 2)))
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


def rising_issues(docs: Sequence[Doc], days: Sequence[date], watch: int, tz_day) -> list[RisingIssue]:
    """Topics of `docs` spiking on one of the last `watch` days of `days` (the rest is their baseline)."""
    texts, index = _texts(docs)
    labels = group(texts)
    position = {d: i for i, d in enumerate(days)}
    series: dict[int, list[int]] = defaultdict(lambda: [0] * len(days))
    members: dict[int, list[int]] = defaultdict(list)
    for i, doc in enumerate(docs):
        label = int(labels[index[i]])
        series[label][position[tz_day(doc.created_at)]] += 1
        members[label].append(i)
    found = []
    for label, counts in series.items():
        for spike in detect_spikes(counts, topics=len(series)):
            if spike.index < len(days) - watch:
                continue
            day = days[spike.index]
            on_day = [i for i in members[label] if tz_day(docs[i].created_at) == day]
            member_texts = [texts[index[i]] for i in members[label]]
            keywords, places = _keywords(member_texts), _places(member_texts)
            found.append(RisingIssue(
                day=day.isoformat(), label="·".join((places[:1] + keywords)[:3]), keywords=keywords, places=places,
                count=spike.count, baseline_mean=spike.baseline_mean, threshold=spike.threshold, series=counts,
                ticket_ids=[docs[i].ticket_id for i in on_day], examples=[docs[i].title for i in on_day[:3]],
            ))  # fmt: skip
    found.sort(key=lambda r: (r.day, -(r.count - r.baseline_mean)), reverse=False)
    return found


def rising_for(session: Session, last_day: date, watch: int = 1, district: str | None = None) -> list[RisingIssue]:
    """Rising issues on the `watch` days up to `last_day`, against the BASELINE days before them."""
    period = Period(last_day - timedelta(days=BASELINE + watch - 1), last_day)
    docs = period_docs(session, period, district)
    return rising_issues(docs, period.days, watch, period.local_day)


def publish_rising(issues: Sequence[RisingIssue]) -> int:
    """Alert every manager's page: one `analytics.rising` event per issue on the bus."""
    bus = get_bus()
    for issue in issues:
        bus.publish(Event("analytics.rising", issue.payload()))
    return len(issues)


def daily_counts(docs: Sequence[Doc], tz_day) -> Counter:
    return Counter(tz_day(d.created_at) for d in docs)
