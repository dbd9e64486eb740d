"""What the ticket API takes and gives (with OpenAPI descriptions)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.tickets.states import Channel, RequestType, TicketState, Urgency


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketIn(_Strict):
    request_type: RequestType = Field(description="诉求类型")
    summary: str = Field(min_length=1, max_length=200, description="诉求摘要（标题）")
    description: str = Field(min_length=1, max_length=20000, description="诉求内容")
    channel: Channel = Channel.phone
    caller_phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9 ()-]{5,20}$")
    caller_name: str | None = Field(default=None, max_length=50)
    topic: str | None = Field(default=None, max_length=50)
    subtopic: str | None = Field(default=None, max_length=100)
    district: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)
    urgency: Urgency = Urgency.normal
    call_id: str | None = Field(default=None, max_length=64, description="the PBX's call id, to link the recording")
    callback_phone: str | None = Field(
        default=None, max_length=20, pattern=r"^\+?[0-9 ()-]{5,20}$", description="回访号码（与来电号码不同时）"
    )
    confidential: bool = Field(default=False, description="保密：来电人身份只在热线中心内可见（举报常用）")


class DepartmentRef(BaseModel):
    id: int
    name: str


class TicketOut(BaseModel):
    id: int
    number: str = Field(description="工单编号")
    channel: Channel
    request_type: RequestType
    topic: str | None
    subtopic: str | None
    department: DepartmentRef | None
    district: str | None
    address: str | None
    urgency: Urgency
    summary: str
    description: str
    caller_phone: str | None = Field(description="masked, e.g. 138****1234; none when hidden (保密)")
    caller_name: str | None = Field(default=None, description="来电人姓名；保密工单对中心以外不显示")
    callback_phone: str | None = Field(default=None, description="回访号码（脱敏）")
    confidential: bool = Field(default=False, description="保密工单")
    caller_hidden: bool = Field(default=False, description="来电人身份因保密而不向本查看者显示")
    has_call: bool = Field(default=False, description="由来电受理：可查看通话转写（与录音）")
    state: TicketState
    state_name: str
    parent_number: str | None = Field(description="并单的主单编号")
    created_at: datetime
    dispatched_at: datetime | None
    sign_due_at: datetime | None = Field(description="签收时限")
    reply_due_at: datetime | None = Field(description="答复（办理）时限")
    callback_due_at: datetime | None = Field(description="回访时限")
    closed_at: datetime | None
    sla_flag: str | None = Field(description="near_due 临期 / overdue 超期")
    answer: str | None
    latest_reply: str | None
    pending_extension_days: int | None
    pending_extension_reason: str | None
    extended_days: int
    return_count: int
    reopen_count: int
    reminder_count: int
    supervised: bool
    satisfaction: str | None
    version: int
    allowed_actions: list[str] = Field(
        default=[], description="the steps (Action values) this viewer may take on the ticket now; pages show these"
    )


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int = Field(description="找到的工单数；total_capped 为真时是计数上限（实际更多）")
    total_capped: bool = Field(
        False, description="为真：找到的超过 total 张，计数到此为止（数清几万张要逐张读取，百万工单上要数秒）"
    )


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class EventOut(BaseModel):
    id: int
    action: str
    action_name: str
    at: datetime
    actor_name: str
    actor_role: str
    department: str | None
    from_state: str | None
    to_state: str | None
    to_state_name: str | None
    note: str | None
    before: dict
    after: dict
    attachments: list[AttachmentOut] = []


class AnswerIn(_Strict):
    text: str = Field(min_length=1, max_length=20000, description="答复内容")
    knowledge_ref: str | None = Field(default=None, max_length=100, description="所用知识库文章")
    callback: bool = Field(default=False, description="是否需要回访")


class DispatchIn(_Strict):
    department_id: int = Field(gt=0)
    note: str | None = Field(default=None, max_length=2000)


class ReasonIn(_Strict):
    reason: str = Field(min_length=2, max_length=2000)


class NoteIn(_Strict):
    note: str | None = Field(default=None, max_length=2000)


class InsistIn(_Strict):
    note: str = Field(min_length=2, max_length=2000, description="维持原派的理由")


class ExtensionIn(_Strict):
    days: int = Field(ge=1, le=30, description="延期工作日数")
    reason: str = Field(min_length=2, max_length=2000)


class DecisionIn(_Strict):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class ReviewIn(_Strict):
    accept: bool
    note: str | None = Field(default=None, max_length=2000)


class CallbackIn(_Strict):
    satisfied: bool = Field(description="市民是否满意")
    note: str | None = Field(default=None, max_length=2000)
    then: Literal["same", "other", "supervise"] = Field(
        default="same", description="不满意时的去向：same 派回原单位 / other 改派 department_id / supervise 派回并督办"
    )
    department_id: int | None = Field(default=None, description="then=other 时改派到的承办单位")


class MergeIn(_Strict):
    into_number: str = Field(min_length=6, max_length=16, pattern=r"^[0-9]+$", description="主单编号")
    note: str | None = Field(default=None, max_length=2000)
