"""Open311 GeoReport v2 as a city app uses it (issue 21 #6–8, issue 14 #5): the PyPI `georeport` client through every
call it has, in JSON and XML; POSTs as the spec writes them; errors in the spec's `[{code, description}]` for everything
under /open311/v2/. Over loopback HTTP against the real app on SQLite and PostgreSQL."""

import threading
from datetime import UTC, datetime

import georeport.georeport
import httpx
import psycopg
import pytest
import requests
import xmltodict
from georeport import GeoReport
from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.tickets import service
from hotline.tickets.models import Ticket
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from selfservice.models import Open311Token
from selfservice.ratelimit import reset_local
from selfservice.settings import get_selfservice_settings

KEY = "city-app-key"
JURISDICTION = "12345.a-city.gov.cn"
PHONE = "13812345678"
SPEC_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address",
    "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip
FORM = {
    "service_code": "help",
    "description": "A2区某路段路灯不亮已经一周",
    "address_string": "A2区桐梓坡路 88 号对面",
    "lat": "28.2100",
    "long": "112.9300",
    "phone": PHONE,
    "first_name": "小明",
    "last_name": "李",
}


@pytest.fixture
def open311(monkeypatch, live_server):
    monkeypatch.setenv("HOTLINE_SELFSERVICE_OPEN311_API_KEYS", f"{KEY},other-app")
    get_selfservice_settings.cache_clear()
    reset_local()
    # georeport keeps the api_key but sends it only... nowhere; the `open311` client and city apps send it in the query
    # string. Add it to the library's own requests the way those clients do (a real HTTP call all the same).
    real_get = requests.get

    def keyed_get(url, params=None, **kwargs):
        return real_get(url, params={**(params or {}), "api_key": KEY}, **kwargs)

    monkeypatch.setattr(georeport.georeport.requests, "get", keyed_get)
    yield f"{live_server.url}/open311/v2"
    get_selfservice_settings.cache_clear()


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def post(base: str, fmt: str, form: dict, **kwargs) -> httpx.Response:
    return httpx.post(f"{base}/requests.{fmt}", params={"api_key": KEY}, data=form, timeout=30, **kwargs)


def posted_number(answer: httpx.Response, fmt: str) -> dict:
    assert answer.status_code == 200, answer.text
    if fmt == "json":
        (body,) = answer.json()
    else:
        body = xmltodict.parse(answer.content)["service_requests"]["request"]
    return body


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_through_every_call(db, people, open311, fmt):
    client = GeoReport(open311, jurisdiction=JURISDICTION, api_key=KEY, output_format=fmt)
    services = as_list(client.get_service_list())
    assert {s["service_code"] for s in services} == {"consult", "help", "complaint", "report", "suggestion", "praise"}
    assert client.get_service_definition("help")["service_code"] == "help"

    created = posted_number(post(open311, fmt, FORM), fmt)
    number = created["service_request_id"]
    assert "token" not in created  # the number exists at once: one or the other, not both
    with Session(engine_for(db)) as s:
        service.dispatch(s, people.agent, number, people.transport.id)
        draft = TicketDraft(RequestType.help, "旧诉求", "2017 年的诉求", caller_phone=PHONE)
        old = service.intake(s, people.agent, draft)
        old.created_at = datetime(2017, 3, 1, tzinfo=UTC)
        s.add(old)
        s.commit()
        old_number = old.number

    one = client.get_service_request(number)
    assert set(one) == SPEC_FIELDS
    assert (one["status"], one["agency_responsible"], one["service_code"]) == ("open", "A市交通运输局", "help")
    assert one["address"] == FORM["address_string"]  # what the app POSTed is shown back
    assert float(one["lat"]) == 28.21 and float(one["long"]) == 112.93
    assert PHONE not in str(one)

    listed = [r["service_request_id"] for r in as_list(client.get_service_requests())]
    assert listed == [number]  # no dates: the last 90 days, not back to 2017
    closed = as_list(client.get_service_requests(service_request_id=f"{number},{old_number}", status="closed"))
    assert {r["service_request_id"] for r in closed} == {number, old_number}  # the ids override every other filter
    dated = client.get_service_requests(start_date="2017-02-01T00:00:00Z", end_date="2017-04-01T00:00:00+08:00")
    assert [r["service_request_id"] for r in as_list(dated)] == [old_number]
    # An empty argument is an absent one (some clients send every argument).
    empty = httpx.get(f"{open311}/requests.{fmt}?api_key={KEY}&start_date=&end_date=&status=&service_code=")
    assert empty.status_code == 200 and number in empty.text and old_number not in empty.text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_error_is_the_spec_format(db, people, open311, fmt):
    def error(answer: httpx.Response, status: int) -> str:
        assert answer.status_code == status, answer.text
        if fmt == "json":
            (body,) = answer.json()
        else:
            assert answer.headers["content-type"].startswith("text/xml")
            body = xmltodict.parse(answer.content)["errors"]["error"]
        assert set(body) == {"code", "description"} and int(body["code"]) == status
        return body["description"]

    error(httpx.get(f"{open311}/requests.{fmt}"), 403)  # reading requests needs a key (privacy)
    error(httpx.get(f"{open311}/no-such-thing.{fmt}"), 404)  # the framework's own 404
    error(httpx.put(f"{open311}/services.{fmt}"), 405)
    error(post(open311, fmt, FORM, headers={"Idempotency-Key": "k" * 200}), 422)  # the framework's validation
    error(httpx.get(f"{open311}/services.{fmt}", params={"jurisdiction_id": "another.city"}), 404)
    error(httpx.get(f"{open311}/services/nope.{fmt}"), 404)
    error(httpx.get(f"{open311}/requests/2001019999.{fmt}", params={"api_key": KEY}), 404)
    error(httpx.get(f"{open311}/requests.{fmt}", params={"api_key": KEY, "start_date": "yesterday"}), 400)
    long_range = {"api_key": KEY, "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"}
    error(httpx.get(f"{open311}/requests.{fmt}", params=long_range), 400)
    error(post(open311, fmt, FORM | {"service_code": "nope"}), 404)  # unknown service: 404, not 400
    error(post(open311, fmt, {k: v for k, v in FORM.items() if k != "service_code"}), 400)
    error(post(open311, fmt, {k: v for k, v in FORM.items() if k != "long"}), 400)  # lat without long
    error(post(open311, fmt, FORM | {"address_string": "长" * 5000}), 400)  # was a 500 on PostgreSQL
    error(post(open311, fmt, FORM | {"lat": "north"}), 400)
    # Refused by the request guard before routing: still the spec's format, with the guard's own wording.
    assert "NUL" in error(post(open311, fmt, FORM | {"description": "路灯\x00不亮"}), 422)
    assert "NUL" in error(httpx.get(f"{open311}/services.{fmt}?jurisdiction_id=a%00b"), 422)
    huge = {"content-type": "application/x-www-form-urlencoded"}
    assert "过大" in error(httpx.post(f"{open311}/requests.{fmt}", content=b"a" * (3 * 1024 * 1024), headers=huge), 413)
    if fmt == "json":  # an unknown format is answered in JSON, naming the two there are
        assert ".xml" in error(httpx.get(f"{open311}/services.csv"), 404)
    with Session(engine_for(db)) as s:
        assert s.exec(select(Ticket)).first() is None  # nothing refused left a ticket behind


def test_discovery_says_formats_and_keys(open311):
    for fmt in ("json", "xml"):
        answer = httpx.get(f"{open311}/discovery.{fmt}")
        body = answer.json() if fmt == "json" else xmltodict.parse(answer.content)["discovery"]
        endpoint = as_list(body["endpoints"]["endpoint"] if fmt == "xml" else body["endpoints"])[0]
        formats = endpoint["formats"]["format"] if fmt == "xml" else endpoint["formats"]
        assert set(formats) == {"application/json", "text/xml"}
        assert "api_key" in body["key_service"] and "requests" in body["key_service"]


def test_api_key_in_the_form_body_idempotency_and_old_tokens(db, people, open311):
    form_key = httpx.post(f"{open311}/requests.json", data=FORM | {"api_key": "other-app"})
    number = posted_number(form_key, "json")["service_request_id"]
    first = post(open311, "json", FORM, headers={"Idempotency-Key": "app-retry-7"})
    again = post(open311, "json", FORM, headers={"Idempotency-Key": "app-retry-7"})
    assert posted_number(first, "json") == posted_number(again, "json")
    with Session(engine_for(db)) as s:
        assert len(s.exec(select(Ticket)).all()) == 2
        ticket = s.exec(select(Ticket).where(Ticket.number == number)).one()
        s.add(Open311Token(token="t0ken-issued-before", ticket_id=ticket.id))
        s.commit()
    (by_token,) = httpx.get(f"{open311}/tokens/t0ken-issued-before.json", params={"api_key": KEY}).json()
    assert by_token["service_request_id"] == number


@pytest.mark.postgres
def test_a_post_waiting_on_the_database_does_not_stop_the_server(pg_database, monkeypatch, tmp_path):
    """The intake runs in a worker thread: while one POST waits for a table lock, other requests are answered."""
    from tests.conftest import LiveServer, _use_database

    _use_database(monkeypatch, pg_database, tmp_path)
    monkeypatch.setenv("HOTLINE_SELFSERVICE_OPEN311_API_KEYS", KEY)
    get_selfservice_settings.cache_clear()
    server = LiveServer().start()
    base = f"{server.url}/open311/v2"
    try:
        with psycopg.connect(pg_database) as locker:
            locker.execute("LOCK TABLE ticket IN ACCESS EXCLUSIVE MODE")
            answers: list[httpx.Response] = []
            poster = threading.Thread(target=lambda: answers.append(post(base, "json", FORM)))
            poster.start()
            poster.join(timeout=1.5)
            assert poster.is_alive()  # the POST is waiting on the lock...
            assert httpx.get(f"{server.url}/api/health", timeout=5).status_code == 200  # ...and the server answers
            assert httpx.get(f"{base}/services.json", timeout=5).status_code == 200
        poster.join(timeout=30)  # the lock is gone with the connection
        assert answers and answers[0].status_code == 200, answers
    finally:
        server.stop()
        get_selfservice_settings.cache_clear()
