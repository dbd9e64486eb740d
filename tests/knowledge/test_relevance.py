"""Search relevance on real callers' questions over the real service guide (2,262 items).

Each expected hit was found by reading the guide: the item a 12345 agent would read out for that question.
The guide has no item about 公积金 (housing fund), so that question must find nothing rather than something wrong.
"""

import pytest

from knowledge.index import SearchIndex

# Below the figures on the held-out splits at the time of writing (docs/knowledge.md), with a margin for changes
# in jieba's cuts.
FLOOR_HIT_AT_3 = 0.75
FLOOR_NO_MATCH = 0.6

# question → the title expected first
TOP_HIT = [
    ("怎么办理居住证", "居住证办理进度查询"),
    ("居住证办好了没有怎么查", "居住证办理进度查询"),
    ("社保断缴怎么补", "企业职工社会保险费断缴补缴申报"),
    ("我社保断缴了三个月能补吗", "企业职工社会保险费断缴补缴申报"),
    ("残疾证丢了怎么补办", "《中华人民共和国残疾人证》挂失补办"),
    ("第一次申请残疾证", "《中华人民共和国残疾人证》新办证申请"),
    ("孩子出生了出生医学证明在哪查", "出生医学证明信息查询"),
    ("护照怎么办理", "办理及加注普通护照"),
    ("结婚登记要带什么材料", "结婚登记预约"),
    ("退休金怎么领", "企业职工基本养老金申领"),
    ("高等学校教师资格认定", "高等学校教师资格认定"),
]

# question → a title that must be among the first three
IN_TOP_3 = [
    ("身份证办好了没有", "居民身份证办理进度查询"),
    ("怎么预约离婚", "离婚登记预约"),
    ("教师资格证怎么认定", "高等学校教师资格认定"),
    ("律师执业证丢了怎么补", "律师执业证书补证、换证"),
]

# question → words every one of the first five titles holds
ALL_TOP_5 = [
    ("残疾证怎么办理", "残疾人证"),
    ("港澳通行证签注办到哪一步了", "往来港澳通行证"),
    ("工伤保险待遇怎么申请", "工伤"),
]

# An intent (进度, 补办) lifts only titles about what the caller named: not other services' progress items.
ALL_TOP_3 = [
    ("护照丢了补办的进度在哪里查", "护照"),
    ("我的居住证办好了没有，在哪里查", "居"),
    ("离婚证找不到了怎么补", "离婚"),
]


@pytest.mark.parametrize(("question", "title"), TOP_HIT)
def test_the_expected_item_comes_first(guide_index: SearchIndex, question: str, title: str) -> None:
    hits = guide_index.search(question, 5)
    assert hits, question
    assert hits[0].title == title, [h.title for h in hits]


@pytest.mark.parametrize(("question", "title"), IN_TOP_3)
def test_the_expected_item_is_in_the_first_three(guide_index: SearchIndex, question: str, title: str) -> None:
    titles = [h.title for h in guide_index.search(question, 3)]
    assert title in titles, titles


@pytest.mark.parametrize(("question", "words"), ALL_TOP_5)
def test_the_first_five_are_all_on_topic(guide_index: SearchIndex, question: str, words: str) -> None:
    titles = [h.title for h in guide_index.search(question, 5)]
    assert len(titles) == 5 and all(words in t for t in titles), titles


@pytest.mark.parametrize(("question", "words"), ALL_TOP_3)
def test_an_intent_lifts_only_titles_about_the_subject(guide_index: SearchIndex, question: str, words: str) -> None:
    from knowledge.search import MIN_RELEVANCE

    titles = [h.title for h in guide_index.search(question, 3, min_relevance=MIN_RELEVANCE)]
    assert titles and all(words in t for t in titles), titles


def test_a_topic_the_guide_lacks_finds_nothing(guide_index: SearchIndex) -> None:
    assert guide_index.search("我想问一下公积金怎么提取") == []


def test_scores_are_ordered_and_hits_carry_the_department(guide_index: SearchIndex) -> None:
    hits = guide_index.search("社保断缴怎么补", 10)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].department == "广东省人力资源和社会保障厅"
    assert "<mark>" in hits[0].title_html and "<mark>" in hits[0].snippet_html


def test_question_words_alone_find_nothing(guide_index: SearchIndex) -> None:
    """Filler (怎么、请问、一下…) is rare in the guides; it must not pull random articles up."""
    assert guide_index.search("请问一下怎么办啊") == []


def test_limit_is_respected_and_results_are_stable(guide_index: SearchIndex) -> None:
    first = [h.id for h in guide_index.search("机动车驾驶证", 7)]
    assert len(first) == 7
    assert first == [h.id for h in guide_index.search("机动车驾驶证", 7)]


def test_copies_of_one_item_collapse_into_one_hit(guide_index: SearchIndex) -> None:
    titles = [h.title for h in guide_index.search("机动车驾驶证持军警驾驶证申领", 5)]
    assert len(titles) == len(set(titles))


def test_below_the_relevance_threshold_nothing_is_shown(guide_index: SearchIndex) -> None:
    from knowledge.search import MIN_RELEVANCE

    assert guide_index.search("路灯坏了好几天没人修", 5, min_relevance=MIN_RELEVANCE) == []
    hits = guide_index.search("残疾证丢了怎么补办", 5, min_relevance=MIN_RELEVANCE)
    assert hits and all(h.relevance >= MIN_RELEVANCE for h in hits)


def test_typed_words_steer_the_transcript(guide_index: SearchIndex) -> None:
    from knowledge.search import combined_query

    spoken = "我想问一下退休的事情，我今年到年龄了"
    query = combined_query("养老金 申领", spoken)
    hits = guide_index.search_query(query, 3)
    assert hits[0].title == "企业职工基本养老金申领"
    assert query.terms["养老金"] == 2.0 and query.grams["养老"] == 2.0 and query.terms["退休"] == 1.0


def test_judged_questions_on_the_held_out_splits(guide_index: SearchIndex) -> None:
    """Nothing was tuned on `test` and `holdout` (docs/knowledge.md); these floors guard against going back."""
    from knowledge.relevance_eval import evaluate
    from knowledge.search import MIN_RELEVANCE

    figures = evaluate(guide_index, MIN_RELEVANCE, "test+holdout")
    assert figures["answerable"] >= 110 and figures["unanswerable"] >= 11
    assert figures["hit_at_3"] >= FLOOR_HIT_AT_3, figures["misses"]
    assert figures["no_match_right"] >= FLOOR_NO_MATCH


def test_the_intervals_hold_the_figure(guide_index: SearchIndex) -> None:
    from knowledge.relevance_eval import evaluate
    from knowledge.search import MIN_RELEVANCE

    figures = evaluate(guide_index, MIN_RELEVANCE, "dev")
    low, high = figures["hit_at_3_ci"]
    assert low < figures["hit_at_3"] < high
    low, high = figures["mrr_ci"]
    assert low < figures["mrr"] < high


def test_a_long_spoken_question_is_answered(guide_index: SearchIndex) -> None:
    """Speech is long and full of filler; jieba cuts 转过来 as 转过 / 来."""
    from knowledge.search import MIN_RELEVANCE, combined_query

    spoken = "喂，我问一下啊，我老家是外地的，现在在这边上班，社保以前在老家交的，现在要转过来，怎么弄"
    hits = guide_index.search_query(combined_query("", spoken), 3, min_relevance=MIN_RELEVANCE)
    assert hits and all("转移接续" in h.title for h in hits), [h.title for h in hits]


def test_numbers_alone_find_nothing(guide_index: SearchIndex) -> None:
    """A transcript the model could not read leaves bare numbers ("[50] … [1] …"): they name no service, while the
    guides are full of them (ages, fees, days). Words beside a number still search."""
    assert guide_index.search("[50] 위를 반일 [1] 동 이 여부 이다") == []
    assert guide_index.search("1 50") == []
    assert guide_index.search("60岁老人优待证")
