"""The linkage partners (联动单位), one declaration each: name, protocol, what their statuses mean, what they send.

110 reports received → dispatched → handled → closed; 119 and 120 speak 110's protocol (a city's 110/119/120
linkage platform is one system). 数字城管 reports its case stages 立案 → 派遣 → 处置 → 核查 → 结案. Every status
becomes a 联动反馈 entry in the ticket's history; the final one ends our part: an emergency service's 结案 closes
the ticket (a police matter is 110's to answer), 数字城管's sends it to our own callback (回访), because the
caller asked 12345 and 12345 checks the result with them.

Adding a partner: one `Partner` here, its `linkage_<code>_url` / `_key` in settings.py, and its
`hotline partner-sim` port.
"""

from dataclasses import dataclass

from hotline.errors import NotFound
from hotline.tickets.states import Channel


@dataclass(frozen=True)
class Partner:
    code: str  # in URLs, settings (HOTLINE_LINKAGE_<CODE>_URL) and the linkage tables
    name: str
    transfer_path: str  # where we POST a transfer on their side
    statuses: dict[str, str]  # their status → our words for it
    final_status: str  # ends our wait
    result_statuses: frozenset[str]  # the statuses whose note is their account of what was done (latest reply)
    emergency: bool  # their final status closes the ticket; a caller's identity may go to them even if 保密
    channel: Channel | None = None  # the channel of the cases they hand to us; None: they send none
    sim_port: int = 0  # `hotline partner-sim <code>`'s default port
    sim_case_prefix: str = "CG"  # the stand-in's case numbers


_EMERGENCY_RESULTS = frozenset({"handled", "closed"})

PARTNERS: dict[str, Partner] = {
    p.code: p
    for p in (
        Partner("110", "110 指挥中心", "/api/transfers",
                {"received": "已接警", "dispatched": "已派警", "handled": "已处置", "closed": "已结案"},
                "closed", _EMERGENCY_RESULTS, emergency=True, channel=Channel.transfer_110, sim_port=9110,
                sim_case_prefix="JJ"),
        Partner("119", "119 消防救援指挥中心", "/api/transfers",
                {"received": "已接警", "dispatched": "已出警", "handled": "已处置", "closed": "已结案"},
                "closed", _EMERGENCY_RESULTS, emergency=True, sim_port=9119, sim_case_prefix="XF"),
        Partner("120", "120 急救指挥中心", "/api/transfers",
                {"received": "已接警", "dispatched": "已派车", "handled": "已救治", "closed": "已结案"},
                "closed", _EMERGENCY_RESULTS, emergency=True, sim_port=9121, sim_case_prefix="JH"),
        Partner("city", "数字城管平台", "/api/cases",
                {"立案": "已立案", "派遣": "已派遣", "处置": "已处置", "核查": "已核查", "结案": "已结案"},
                "结案", frozenset({"处置", "结案"}), emergency=False, channel=Channel.city_management,
                sim_port=9120),
    )
}  # fmt: skip


def partner_of(code: str) -> Partner:
    """The declared partner; an unknown code is an error, never another partner's address or key."""
    found = PARTNERS.get(code)
    if found is None:
        raise NotFound(f"没有名为 {code} 的联动单位（可选：{'、'.join(PARTNERS)}）", code="unknown_partner")
    return found
