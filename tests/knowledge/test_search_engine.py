"""The index itself: HTML-safe highlights, validity windows, odd input, suggestions from the last 30 s."""

from datetime import UTC, datetime, timedelta

import pytest

from knowledge.index import Doc, SearchIndex
from knowledge.search import Segment, recent_speech
from knowledge.terms import parse_query, query_terms

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def test_highlights_escape_html_and_mark_only_query_words() -> None:
    doc = Doc(1, "居住证<script>alert(1)</script>", 'A & B 办理居住证请带身份证 <img src=x onerror="x">', ("居住证",))
    [hit] = SearchIndex([doc]).search("居住证")
    assert hit.title_html == "<mark>居住证</mark>&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<img" not in hit.snippet_html and "&lt;img src=x onerror=&quot;x&quot;&gt;" in hit.snippet_html
    assert "A &amp; B" in hit.snippet_html and "<mark>居住证</mark>" in hit.snippet_html
    # Nothing but <mark> is left as markup.
    assert hit.snippet_html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippet_is_the_part_of_a_long_body_that_holds_the_words(guide_index: SearchIndex) -> None:
    [hit] = guide_index.search("社保断缴怎么补", 1)
    text = hit.snippet_html.replace("<mark>", "").replace("</mark>", "")
    assert len(text) <= 122 and "<mark>" in hit.snippet_html


def test_articles_outside_their_validity_window_never_appear() -> None:
    docs = [
        Doc(1, "居住证办理指南（现行）", "居住证", valid_from=NOW - timedelta(days=30)),
        Doc(2, "居住证办理指南（已过期）", "居住证", valid_to=NOW - timedelta(seconds=1)),
        Doc(3, "居住证办理指南（下月生效）", "居住证", valid_from=NOW + timedelta(days=30)),
        Doc(4, "居住证办理指南（今日到期）", "居住证", valid_to=NOW + timedelta(hours=1)),
    ]
    index = SearchIndex(docs)
    assert sorted(h.id for h in index.search("居住证", now=NOW)) == [1, 4]
    # The same index an hour later: no rebuild needed for an article to lapse.
    assert [h.id for h in index.search("居住证", now=NOW + timedelta(hours=1))] == [1]
    assert sorted(h.id for h in index.search("居住证", now=NOW + timedelta(days=31))) == [1, 3]


@pytest.mark.parametrize("query", ["", "   ", "😀😀😀", "？？！！", "<script></script>", "\u200b\u200b"])
def test_queries_without_words_find_nothing(guide_index: SearchIndex, query: str) -> None:
    assert guide_index.search(query) == []


def test_emoji_around_words_are_ignored(guide_index: SearchIndex) -> None:
    assert guide_index.search("😀社保断缴怎么补🙏", 1)[0].title == "企业职工社会保险费断缴补缴申报"


def test_a_very_long_query_is_answered(guide_index: SearchIndex) -> None:
    hits = guide_index.search("社保断缴怎么补" * 1500, 5)  # 10,500 characters
    assert hits and hits[0].title == "企业职工社会保险费断缴补缴申报"


def test_empty_index_answers_nothing() -> None:
    assert SearchIndex([]).search("居住证") == []


def test_caller_words_reach_the_guides_words() -> None:
    terms = query_terms("我想问一下社保断缴怎么补")
    assert "社会保险" in terms and "补缴" in terms
    assert "怎么" not in terms and "一下" not in terms


def test_suggestions_use_only_the_last_30_seconds_of_speech() -> None:
    segments = [
        Segment("您好，我想问一下居住证怎么办理", 5.0),
        Segment("嗯，还有一件事", 20.0),
        Segment("我社保断缴了三个月", 50.0),
        Segment("能不能补缴", 62.0),
    ]
    assert recent_speech(segments) == "我社保断缴了三个月能不能补缴"
    # Order of arrival does not matter: the window is measured from the latest end.
    assert recent_speech(list(reversed(segments))) == "我社保断缴了三个月能不能补缴"
    assert recent_speech(segments[:2]) == "您好，我想问一下居住证怎么办理嗯，还有一件事"
    assert recent_speech([]) == ""


def test_an_article_learns_the_callers_words_it_was_used_to_answer() -> None:
    docs = [
        Doc(1, "被监管人员家属顾送款预存", "被监管人员的家属可为其预存顾送款。"),
        Doc(2, "被监管人员家属探访预约", "被监管人员的家属可预约探访。"),
        Doc(3, "生活费补贴申请", "困难群众生活费补贴。"),
    ]
    question = "给看守所里的家人存点生活费"
    assert SearchIndex(docs).search(question)[0].id == 3  # 生活费 is all the guide's words share with the caller
    asked = Doc(1, docs[0].title, docs[0].body, asked=("想给看守所的家里人存钱",))
    learned = SearchIndex([asked, *docs[1:]]).search(question)
    assert learned[0].id == 1
    # The act words (补办, 查询…) are not learned: they would pull every such question to this article.
    replaced = Doc(2, docs[1].title, docs[1].body, asked=("证件补办进度查询",))
    assert not SearchIndex([replaced]).search("补办")


def test_everyday_words_reach_the_guides_terms_even_when_jieba_cuts_them() -> None:
    docs = [
        Doc(1, "就业政策法规咨询", "就业扶持政策。"),
        Doc(2, "林木良种扶持政策", "林业扶持政策。"),
        Doc(3, "退役军人接收预报到", "退役军人报到。"),
    ]
    index = SearchIndex(docs)
    assert "找工作" not in query_terms("想找工作") and "就业" in query_terms("想找工作")  # 找/工作 as jieba cuts it
    assert index.search("现在找工作有什么扶持政策")[0].id == 1
    assert index.search("我退伍了去哪里报到")[0].id == 3
    # What was said counts more than the guess: 就业 from 找工作 weighs half of a word the caller spoke.
    assert parse_query("找工作 就业").terms["就业"] == 1.0 and parse_query("找工作").terms["就业"] == 0.5
