"""119 and 120 are linkage partners like 110: the console's referral has its one-key transfer."""

import pytest

from hotline.errors import Invalid, NotFound
from hotline.tickets import service as tickets
from hotline.tickets.states import RequestType, TicketState, Urgency
from routing.linkage import service
from routing.linkage.partners import PARTNERS
from routing.linkage.protocol import TransferIn
from routing.linkage.settings import LinkageSettings, get_linkage_settings


def test_119_and_120_speak_110s_protocol() -> None:
    settings = LinkageSettings(linkage_119_url="http://10.0.0.9:9119/", linkage_120_key="k120")
    assert settings.url("119") == "http://10.0.0.9:9119" and settings.key("120") == "k120"
    for partner in ("119", "120"):
        declared, police = PARTNERS[partner], PARTNERS["110"]
        assert declared.transfer_path == police.transfer_path and declared.final_status == "closed"
        assert set(declared.statuses) == set(police.statuses) and declared.emergency


def test_an_unconfigured_120_is_named_and_nothing_is_written(session, people, monkeypatch) -> None:
    monkeypatch.delenv("HOTLINE_LINKAGE_120_URL", raising=False)
    get_linkage_settings.cache_clear()
    draft = tickets.TicketDraft(RequestType.help, "老人晕倒", "老人在家晕倒叫不醒", urgency=Urgency.urgent)
    number = tickets.intake(session, people.agent, draft).number
    with pytest.raises(Invalid, match=PARTNERS["120"].name):
        service.transfer(session, people.agent, number, "120", "来电中一键转120")
    assert tickets.find_ticket(session, number).state == TicketState.received


def test_119_hands_no_cases_to_the_hotline(session, people) -> None:
    body = TransferIn(idempotency_key="k1", summary="求助", description="非火警求助")
    with pytest.raises(Invalid, match="不向热线转入案件"):
        service.receive_transfer(session, "119", body)


def test_an_unknown_partner_is_an_error_not_another_partners_address() -> None:
    settings = LinkageSettings(linkage_city_url="http://10.0.0.7:9120", linkage_city_key="kcity")
    for ask in (settings.url, settings.key):
        with pytest.raises(NotFound) as refused:
            ask("999")
        assert refused.value.code == "unknown_partner" and "999" in refused.value.message
