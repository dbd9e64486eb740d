"""States and actions of the ticket lifecycle, with the Chinese words people see."""

from enum import StrEnum


class TicketState(StrEnum):
    received = "received"  # 已受理，待派单
    dispatched = "dispatched"  # 已派单，待签收
    returned = "returned"  # 已退单，待中心审核
    in_progress = "in_progress"  # 已签收，办理中
    replied = "replied"  # 已答复，待中心审核
    callback_pending = "callback_pending"  # 待回访
    reopened = "reopened"  # 重办，待派单
    closed = "closed"  # 已办结
    merged = "merged"  # 已并单，随主单办理
    transferred = "transferred"  # 已转联动单位（110 / 数字城管），待其反馈
    transfer_failed = "transfer_failed"  # 转办失败：联动单位始终未签收，待中心重新转办或自行派单


STATE_NAMES = {
    TicketState.received: "待派单",
    TicketState.dispatched: "待签收",
    TicketState.returned: "退单待审",
    TicketState.in_progress: "办理中",
    TicketState.replied: "答复待审",
    TicketState.callback_pending: "待回访",
    TicketState.reopened: "重办待派",
    TicketState.closed: "已办结",
    TicketState.merged: "已并单",
    TicketState.transferred: "已转联动单位",
    TicketState.transfer_failed: "转办失败",
}

OPEN_STATES = frozenset(TicketState) - {TicketState.closed, TicketState.merged}


class RequestType(StrEnum):
    consult = "咨询"
    help = "求助"
    complaint = "投诉"
    report = "举报"
    suggestion = "建议"
    praise = "表扬"


class Channel(StrEnum):
    phone = "phone"  # 电话
    web = "web"  # 网站
    app = "app"  # 移动端
    wechat = "wechat"  # 微信
    transfer_110 = "110"  # 110 转入
    city_management = "city"  # 数字城管转入


class Urgency(StrEnum):
    """The same three levels as the triage (routing/urgency.py)."""

    normal = "normal"  # 普通
    high = "high"  # 较急
    urgent = "urgent"  # 紧急


URGENCY_NAMES = {Urgency.normal: "普通", Urgency.high: "较急", Urgency.urgent: "紧急"}


class Action(StrEnum):
    """Every step of a ticket's history. What each one needs and does is declared in tickets/registry.py."""

    intake = "intake"  # 受理
    answer = "answer"  # 直接答复
    dispatch = "dispatch"  # 派单
    sign = "sign"  # 签收
    return_ = "return"  # 退单
    redispatch = "redispatch"  # 改派
    insist = "insist"  # 维持原派
    request_extension = "request_extension"  # 延期申请
    approve_extension = "approve_extension"  # 同意延期
    refuse_extension = "refuse_extension"  # 不同意延期
    reply = "reply"  # 答复
    accept_reply = "accept_reply"  # 审核通过
    send_back_reply = "send_back_reply"  # 退回重新答复
    callback = "callback"  # 回访
    reopen = "reopen"  # 重办
    close = "close"  # 办结
    merge = "merge"  # 并单
    supervise = "supervise"  # 督办
    remind = "remind"  # 催办
    near_due = "near_due"  # 临期预警
    overdue = "overdue"  # 超期
    transfer = "transfer"  # 转办联动单位（一键转 110 / 数字城管）
    partner_update = "partner_update"  # 联动反馈（联动单位的状态回传）
    partner_intake = "partner_intake"  # 联动转入（110 转来的非警情）
    transfer_failed = "transfer_failed"  # 转办失败（投递用尽重试，系统记录）
    retry_transfer = "retry_transfer"  # 重新转办（中心对转办失败的工单）
