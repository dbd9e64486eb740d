"""Hot-topic grouping on real message pairs known to be about the same matter, and spike detection on
constructed daily series."""

import csv
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from analytics.clusters import group
from analytics.period import Period
from analytics.spikes import detect_spikes
from analytics.text import ticket_text
from analytics.topics import Doc, group_docs, hot_topics
from tests.conftest import real_data

# Pairs read by hand in unlabelled.csv: different wording (and mostly different callers), one matter.
SAME_MATTER = [
    ("190337", "196264"),  # 伊景园滨河苑捆绑销售车位
    ("189950", "190802"),  # 丽发新城旁建搅拌站噪音
    ("189093", "214709"),  # 西湖街道茶场村五组何时拆迁
    ("190156", "217739"),  # 星沙中贸城/中茂城拖欠购房资金
    ("208185", "253650"),  # 士官转业安置政策
]
# Same place or same kind of complaint, different matters.
DIFFERENT = [
    ("247859", "254873"),  # 灰埠小区：流动摊贩占道 vs 酒吧噪音
    ("190337", "189950"),  # 车位捆绑销售 vs 搅拌站噪音
    ("189950", "189093"),
]
BACKGROUND = 400  # other real messages around them, so the test is not a contest of ten


@pytest.fixture(scope="module")
def messages() -> dict[str, dict]:
    with real_data("messages", "unlabelled.csv").open(encoding="utf-8", newline="") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def _labels(messages: dict[str, dict]) -> dict[str, int]:
    wanted = {i for pair in SAME_MATTER + DIFFERENT for i in pair}
    ids = sorted(wanted) + [i for i in sorted(messages) if i not in wanted][:BACKGROUND]
    labels = group([ticket_text(messages[i]["title"], messages[i]["body"]) for i in ids])
    return dict(zip(ids, (int(x) for x in labels), strict=True))


def test_messages_about_one_matter_share_a_topic(messages):
    labels = _labels(messages)
    for a, b in SAME_MATTER:
        assert labels[a] == labels[b], (messages[a]["title"], messages[b]["title"])


def test_different_matters_stay_apart_even_at_one_place(messages):
    labels = _labels(messages)
    for a, b in DIFFERENT:
        assert labels[a] != labels[b], (messages[a]["title"], messages[b]["title"])


def test_places_are_found_in_real_titles(messages):
    assert "茶场村" in ticket_text(messages["189093"]["title"], "").places
    assert "西湖街道" in ticket_text(messages["189093"]["title"], "").places


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("严重影响小区居民的正常生活", []),  # a verb before 小区 does not name it
        ("我家小区门口的路灯坏了", []),
        ("关于小区停车收费的问题", []),
        ("整个小区都停水了", []),
        ("业主小区群里都在说", []),  # the people of an estate, not its name
        ("扬帆小区夜市占道", ["扬帆小区"]),
        ("解放路与五一路交叉口红绿灯故障", ["解放路", "五一路"]),  # verbs and numerals do name roads
        ("人民路和建设路路口积水", ["人民路", "建设路"]),
    ],
)
def test_only_names_make_places(text, places):
    assert ticket_text(text, "").places == places


def test_the_matter_of_many_callers_is_one_topic_despite_their_wordings(messages):
    """The 41 real messages titled about the concrete plant at 丽发新城 (搅拌站), by many citizens in their own
    words, among 400 others: star clustering alone puts 24 of them in the largest topic (each star's members
    must be like its leader); merging stars whose centres agree puts at least 33 there, and nothing else."""
    plant = sorted(i for i, m in messages.items() if "丽发" in m["title"] and "搅拌" in m["title"])
    others = [i for i in sorted(messages) if i not in plant][:BACKGROUND]
    ids = plant + others
    labels = group([ticket_text(messages[i]["title"], messages[i]["body"]) for i in ids])
    topic, size = Counter(labels[: len(plant)].tolist()).most_common(1)[0]
    assert len(plant) == 41 and size >= 33
    taken_in = [ids[j] for j in np.flatnonzero(labels == topic) if j >= len(plant)]
    assert all("搅拌" in messages[i]["title"] + messages[i]["body"] for i in taken_in), taken_in


def test_hotness_ranks_the_growing_repeated_matter_first(messages):
    at = datetime(2025, 3, 3, 2, tzinfo=UTC)

    def doc(n: int, message_id: str, caller: int, likes: int = 0, days: int = 0) -> Doc:
        m = messages[message_id]
        return Doc(n, f"T{n}", m["title"], m["body"], at - timedelta(days=days), "A2区", caller, likes)

    # 搅拌站: 3 tickets now (two from caller 7), none before; 拆迁: 2 now, 2 before, 10 likes.
    now = [doc(1, "189950", 7), doc(2, "190802", 7), doc(3, "253040", 8), doc(4, "189093", 9, likes=10),
           doc(5, "214709", 10)]  # fmt: skip
    before = [doc(6, "189093", 11, days=40), doc(7, "214709", 12, days=41)]
    month = Period(date(2025, 2, 2), date(2025, 3, 3))  # `before` lies in the 30 days before it
    topics = hot_topics(group_docs(now + before), month)
    assert [t.count for t in topics] == [3, 2]
    first, second = topics
    assert sorted(first.ticket_ids) == [1, 2, 3]
    assert (first.previous, first.growth, first.repeat_tickets) == (0, None, 2)
    assert first.hotness == 3 + 0.5 * 3 + 2  # count + half the increase + repeat tickets, no likes
    assert (second.previous, second.growth, second.likes) == (2, 0.0, 10)
    assert second.hotness == 4.4  # 2 + 0 + 0 + ln(1 + 10) = 4.398, kept to two decimals


def test_earlier_tickets_join_the_periods_topics_and_form_none_of_their_own(messages):
    at = datetime(2025, 3, 3, 2, tzinfo=UTC)

    def doc(n: int, message_id: str, days: int = 0) -> Doc:
        m = messages[message_id]
        return Doc(n, f"T{n}", m["title"], m["body"], at - timedelta(days=days))

    now = [doc(1, "189950"), doc(2, "190802"), doc(3, "189093")]  # 搅拌站 (two wordings), 拆迁
    # 搅拌站 again in the same words, 拆迁 in other words, and two tickets about 车位捆绑 that the period lacks
    earlier = [doc(4, "253040", 40), doc(5, "214709", 41), doc(6, "190337", 42), doc(7, "196264", 43)]
    grouping = group_docs(now, earlier=earlier)
    label = dict(zip((d.ticket_id for d in grouping.docs), grouping.labels.tolist(), strict=True))
    assert label[1] == label[2] == label[4] >= 0
    assert label[3] == label[5] >= 0 and label[3] != label[1]
    assert label[6] == label[7] == -1  # similar to each other, but no topic of the period's
    # grouped together instead, the two 车位 tickets would be a topic of their own
    together = group_docs(now + earlier)
    assert together.labels[5] == together.labels[6] >= 0
    # the earlier tickets are counted as the previous period's against the period's topics (拆迁 has one
    # ticket in the period: not a hot topic)
    month = Period(date(2025, 2, 2), date(2025, 3, 3))
    assert [(t.ticket_ids, t.count, t.previous) for t in hot_topics(grouping, month)] == [([1, 2], 2, 1)]


def spikes(series: list[int], **options):
    return [spike for _, spike in detect_spikes([series], **options)]


def test_spike_against_a_quiet_baseline():
    series = [1, 0, 2, 1, 1, 0, 1, 2, 1, 0, 1, 1, 2, 1, 9]
    (spike,) = spikes(series)
    assert (spike.index, spike.count) == (14, 9)
    assert spike.baseline_mean == pytest.approx(14 / 14)
    assert spike.threshold == pytest.approx(4.0)  # 1 + 3 × max(sd 0.6, √1, 1)


def test_no_spike_for_ordinary_variation_or_tiny_counts():
    assert spikes([5] * 14 + [8]) == []  # 5 + 3 × √5 = 11.7 > 8
    assert spikes([0] * 14 + [2]) == []  # under the minimum of 3 a day
    assert spikes([0] * 14 + [3]) == []  # threshold 0 + 3 × 1 = 3, must be exceeded
    assert [s.index for s in spikes([0] * 14 + [4])] == [14]


def test_a_spike_becomes_the_new_baseline():
    series = [1] * 14 + [10] * 15
    # day 14: 1 + 3 × 1 = 4; day 15: 1.64 + 3 × 2.32 = 8.6; day 16: 2.29 + 3 × 3.15 = 11.7 > 10, absorbed
    assert [(s.index, s.threshold) for s in spikes(series)] == [(14, 4.0), (15, 8.6)]


def test_chance_jumps_among_thousands_of_topics_raise_no_alert_but_a_real_one_does():
    rng = np.random.default_rng(7)
    quiet = rng.poisson(2.0, size=(3000, 15)).tolist()  # 3,000 topics of ordinary noise, two tickets a day
    real = [0] * 14 + [12]  # a new matter: twelve tickets in one day
    alone = sum(len(spikes(s)) for s in quiet)
    assert alone >= 5  # judged one by one, chance alone raises alerts
    # watched together (the chance shared among the 3,001 rows), only the real one is raised
    assert [(row, s.index) for row, s in detect_spikes([*quiet, real])] == [(3000, 14)]
    assert [s.index for s in spikes(real, topics=3001)] == [14]


def test_tickets_of_stop_words_only_are_each_their_own_topic():
    at = datetime(2025, 3, 3, 2, tzinfo=UTC)
    texts = [("？？？", "你好"), ("！！", "。。。"), ("路灯不亮", "路灯坏了")]
    docs = [Doc(n, f"T{n}", title, body, at) for n, (title, body) in enumerate(texts, 1)]
    grouping = group_docs(docs)
    assert len(set(grouping.labels.tolist())) == 3
    assert hot_topics(grouping, Period(date(2025, 3, 1), date(2025, 3, 31))) == []
