"""Import of the real guide and the editor's steps, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from hotline.db import utcnow
from hotline.errors import Conflict, Forbidden, Invalid, NotFound
from knowledge import search, service
from knowledge.guide import default_path, import_service_guide, read_rows
from knowledge.models import Article, ArticleRating, ArticleVersion


def count(session: Session, table) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def test_import_of_the_real_guide_is_idempotent_and_searchable(session: Session) -> None:
    rows = read_rows(default_path())
    first = import_service_guide(session)
    assert (first.total, first.created, first.updated, first.skipped) == (2262, 2262, 0, 0) == (len(rows), 2262, 0, 0)
    assert count(session, Article) == count(session, ArticleVersion) == 2262

    article = session.exec(select(Article).where(Article.key == "sg:11440000553612461J2442111645002")).one()
    assert article.title == "企业职工社会保险费断缴补缴申报"
    assert article.department == "广东省人力资源和社会保障厅" and article.status == "published"
    assert "申请条件：" in article.body and "咨询电话：" in article.body and "公共服务" in article.tags

    again = import_service_guide(session)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2262)
    assert count(session, Article) == count(session, ArticleVersion) == 2262

    # An edited article is put back by the next import, as a new version (its history keeps both).
    article.body = "（被改动的正文）"
    session.add(article)
    session.commit()
    third = import_service_guide(session)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2261)
    session.refresh(article)
    assert article.version == 2 and "申请条件：" in article.body
    assert count(session, ArticleVersion) == 2263

    hits = search.search(session, "社保断缴怎么补", 3)
    assert hits[0].id == article.id


def test_editor_steps_keep_every_version(session: Session, people) -> None:
    editor, agent = people.users["editor"], people.users["agent"]
    body = "携带身份证、居住登记凭证到派出所办理。"
    fields = service.ArticleFields("居住证办理须知", body, ["户籍", "户籍"], "A市公安局")
    article = service.create_article(session, editor, fields)
    assert (article.status, article.version, article.tags) == ("draft", 1, ["户籍"])
    assert search.search(session, "居住证") == []  # a draft is not searchable

    service.publish_article(session, editor, article.id)
    assert [h.id for h in search.search(session, "居住证怎么办")] == [article.id]

    service.update_article(session, editor, article.id, {"body": "携带身份证到派出所办理，当场受理。"}, 2, "补充时限")
    with pytest.raises(Conflict):  # saved over a version someone else already changed
        service.update_article(session, editor, article.id, {"title": "旧稿"}, expected_version=2)
    # No change → no new version.
    assert service.update_article(session, editor, article.id, {"title": "居住证办理须知"}).version == 3
    service.expire_article(session, editor, article.id, "政策调整")
    assert search.search(session, "居住证") == []

    history = service.versions(session, article.id, agent)
    assert [(v.version, v.action, v.status) for v in history] == [
        (1, "create", "draft"),
        (2, "publish", "published"),
        (3, "update", "published"),
        (4, "expire", "expired"),
    ]
    assert history[2].body == "携带身份证到派出所办理，当场受理。" and history[2].note == "补充时限"
    assert history[0].body == "携带身份证、居住登记凭证到派出所办理。" and history[0].editor_name == "editor-name"


def test_roles_drafts_and_validity(session: Session, people) -> None:
    editor, agent = people.users["editor"], people.users["agent"]
    fields = service.ArticleFields("护照办理", "到出入境窗口办理。", [])
    with pytest.raises(Forbidden):
        service.create_article(session, agent, fields)
    draft = service.create_article(session, editor, fields)
    with pytest.raises(NotFound):  # agents do not see drafts
        service.load_article(session, draft.id, agent)
    with pytest.raises(Forbidden):
        service.publish_article(session, agent, draft.id)
    with pytest.raises(Invalid):
        service.update_article(session, editor, draft.id, {"valid_from": utcnow(), "valid_to": utcnow() - timedelta(1)})

    lapsing = service.ArticleFields("护照加急", "加急办理护照。", [], valid_to=utcnow() + timedelta(seconds=1))
    article = service.create_article(session, editor, lapsing, publish=True)
    assert [h.id for h in search.search(session, "护照加急")] == [article.id]
    article.valid_to = utcnow() - timedelta(seconds=1)  # the window closes (as time passing would)
    session.add(article)
    session.commit()
    search.mark_changed()
    assert search.search(session, "护照加急") == []
    assert service.effective_status(article) == "expired"
    with pytest.raises(Invalid):  # republishing needs a new window first
        service.publish_article(session, editor, article.id)
    assert service.publish_article(session, editor, draft.id).status == "published"


def test_one_rating_per_agent_and_it_can_change(session: Session, people) -> None:
    editor, agent, supervisor = people.users["editor"], people.users["agent"], people.users["supervisor"]
    fields = service.ArticleFields("社保补缴", "断缴后补缴办法。", [])
    article = service.create_article(session, editor, fields, publish=True)
    service.rate_article(session, agent, article.id, 2)
    service.rate_article(session, agent, article.id, 5, "讲得清楚")
    service.rate_article(session, supervisor, article.id, 3)
    assert count(session, ArticleRating) == 2
    summary = service.rating_summary(session, article.id, agent)
    assert (summary.count, summary.average, summary.useful, summary.mine) == (2, 4.0, 1, 5)
    with pytest.raises(Forbidden):
        service.rate_article(session, editor, article.id, 5)
    with pytest.raises(Invalid):
        service.rate_article(session, agent, article.id, 6)
