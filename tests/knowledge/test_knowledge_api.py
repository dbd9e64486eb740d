"""The knowledge API over loopback HTTP on both databases: roles, versions, ratings, search, suggestions, bad input."""

import httpx
import pytest

from tests.conftest import error_of, login_client


@pytest.fixture
def clients(live_server, people):
    made = {key: login_client(live_server.url, user.username) for key, user in people.users.items()}
    yield made
    for client in made.values():
        client.close()


ARTICLE = {
    "title": "社保断缴后如何补缴",
    "body": "企业职工社会保险费断缴的，由单位到社保经办机构申报补缴。<b>注意</b>：需提供劳动合同。",
    "tags": ["社会保险", "补缴"],
    "department": "A市人力资源和社会保障局",
}


def test_editor_writes_agents_read_search_and_rate(clients) -> None:
    editor, agent, admin = clients["editor"], clients["agent"], clients["admin"]
    error_of(agent.post("/api/knowledge/articles", json=ARTICLE), 403, "role_forbidden")

    created = editor.post("/api/knowledge/articles", json=ARTICLE)
    assert created.status_code == 201, created.text
    article = created.json()
    path = f"/api/knowledge/articles/{article['id']}"
    assert (article["status"], article["status_name"], article["version"]) == ("draft", "草稿", 1)
    error_of(agent.get(path), 404, "article_not_found")
    assert agent.get("/api/knowledge/search", params={"q": "社保断缴怎么补"}).json()["hits"] == []

    error_of(agent.post(f"{path}/publish"), 403)
    assert editor.post(f"{path}/publish").json()["status"] == "published"
    error_of(editor.post(f"{path}/publish"), 409, "already_published")

    found = agent.get("/api/knowledge/search", params={"q": "社保断缴怎么补"}).json()
    [hit] = found["hits"]
    assert hit["id"] == article["id"] and hit["department"] == "A市人力资源和社会保障局"
    assert "<mark>补缴</mark>" in hit["title_html"] and "&lt;b&gt;注意&lt;/b&gt;" in hit["snippet_html"]
    assert "社会保险" in found["terms"] and "怎么" not in found["terms"]

    error_of(agent.patch(path, json={"title": "改标题"}), 403)
    changed = editor.patch(path, json={"version": 2, "body": "到社保经办机构申报补缴，当场受理。", "note": "简化"})
    assert changed.json()["version"] == 3
    error_of(admin.patch(path, json={"version": 2, "title": "旧版本上的修改"}), 409, "version_conflict")
    error_of(editor.patch(path, json={"title": None}), 422)
    error_of(editor.patch(path, json={"status": "published"}), 422)

    assert agent.put(f"{path}/rating", json={"score": 2}).json() == {"count": 1, "average": 2.0, "useful": 0, "mine": 2}
    again = agent.put(f"{path}/rating", json={"score": 5, "comment": "有用"}).json()
    assert again == {"count": 1, "average": 5.0, "useful": 1, "mine": 5}
    error_of(editor.put(f"{path}/rating", json={"score": 5}), 403)
    error_of(agent.put(f"{path}/rating", json={"score": 9}), 422)
    assert agent.get(path).json()["rating"]["mine"] == 5

    expired = editor.post(f"{path}/expire", json={"note": "政策调整"})
    assert expired.json()["status"] == "expired"
    assert agent.get("/api/knowledge/search", params={"q": "社保断缴怎么补"}).json()["hits"] == []
    assert agent.get(path).json()["status_name"] == "已失效"  # still readable, with its history

    history = agent.get(f"{path}/versions").json()
    steps = [(v["version"], v["action"]) for v in history]
    assert steps == [(1, "create"), (2, "publish"), (3, "update"), (4, "expire")]
    assert history[0]["body"] == ARTICLE["body"] and history[2]["note"] == "简化"

    listed = agent.get("/api/knowledge/articles").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == article["id"]
    draft = editor.post("/api/knowledge/articles", json={**ARTICLE, "title": "草稿"}).json()
    assert agent.get("/api/knowledge/articles").json()["total"] == 1
    assert editor.get("/api/knowledge/articles", params={"status": "draft"}).json()["items"][0]["id"] == draft["id"]


def test_suggestions_and_malformed_input(clients) -> None:
    editor, agent = clients["editor"], clients["agent"]
    for title, body in (("居住证办理须知", "到派出所申领居住证。"), ("社保断缴补缴", "断缴后到社保经办机构补缴。")):
        created = editor.post("/api/knowledge/articles", json={"title": title, "body": body, "publish": True})
        assert created.status_code == 201, created.text

    segments = [
        {"text": "您好，我想问一下居住证怎么办理", "end": 4.0},
        {"text": "好的，您稍等", "end": 12.0},
        {"text": "还有我社保断缴了", "end": 40.0},
        {"text": "能补吗", "end": 44.5},
    ]
    answer = agent.post("/api/knowledge/suggest", json={"segments": segments}).json()
    assert answer["text"] == "还有我社保断缴了能补吗"  # from 14.5 s on
    assert [h["title"] for h in answer["hits"]] == ["社保断缴补缴"]  # 居住证 was said more than 30 s ago
    early = agent.post("/api/knowledge/suggest", json={"segments": segments[:2]}).json()
    assert [h["title"] for h in early["hits"]] == ["居住证办理须知"]
    assert agent.post("/api/knowledge/suggest", json={"segments": []}).json()["hits"] == []
    error_of(agent.post("/api/knowledge/suggest", json={"segments": [{"text": "x", "end": -1}]}), 422)
    error_of(agent.post("/api/knowledge/suggest", json={"segments": "居住证"}), 422)

    error_of(agent.get("/api/knowledge/search", params={"q": "   "}), 422, "empty_query")
    error_of(agent.get("/api/knowledge/search"), 422)
    error_of(agent.get("/api/knowledge/search", params={"q": "居" * 3_500}), 422)  # 10.5 KB of UTF-8
    assert agent.get("/api/knowledge/search", params={"q": "😀🙏"}).json()["hits"] == []
    assert agent.get("/api/knowledge/search", params={"q": "居住证😀"}).json()["hits"][0]["title"] == "居住证办理须知"
    base = str(agent.base_url).rstrip("/")
    error_of(httpx.get(f"{base}/api/knowledge/search", params={"q": "居住证"}), 401)
    error_of(editor.post("/api/knowledge/articles", json={"title": "", "body": "x"}), 422)
    window = {"valid_from": "2025-06-02T00:00:00+08:00", "valid_to": "2025-06-01T00:00:00+08:00"}
    error_of(editor.post("/api/knowledge/articles", json={**ARTICLE, **window}), 422, "invalid_validity")
    error_of(agent.get("/api/knowledge/articles/999999"), 404)
