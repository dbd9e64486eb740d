"""HTTP: `POST /api/classify` — text (and address) → dispatch suggestion."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from routing.suggest import suggest

router = APIRouter(tags=["classify"])

MAX_TEXT = 20_000


class ClassifyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="来电转写文本或留言内容（标题可放在第一句）")
    address: str | None = Field(default=None, max_length=500, description="事发地址（可选），用于判断属地")


class ChoiceOut(BaseModel):
    label: str = Field(description="候选值")
    confidence: float = Field(description="置信度 0–1")


class FieldOut(BaseModel):
    label: str = Field(description="建议值")
    confidence: float = Field(description="置信度 0–1")
    top: list[ChoiceOut] = Field(description="前三名候选")
    reason: str = Field(description="给人看的理由（起作用的关键词或规则）")
    source: str = Field(description="由谁决定：model / catalogue / model+jurisdiction / gazetteer / rules")
    code: str | None = Field(default=None, description="承办单位在单位目录中的代码")


class ClassifyResponse(BaseModel):
    topic: FieldOut = Field(description="一级话题")
    request_type: FieldOut = Field(description="诉求类型：咨询 求助 投诉 举报 建议 表扬")
    department: FieldOut = Field(description="建议的首派承办单位")
    jurisdiction: FieldOut = Field(description="属地（区县政府或街道办事处）")
    urgency: FieldOut = Field(description="紧急程度：normal 普通 / high 较急 / urgent 紧急")
    details: dict = Field(
        description="属地的区县、街道、层级；紧急关键词；triage：紧急类别、应转接的号码（110/119/120，首选在前）与处置提示"
    )
    model: str = Field(description="给出建议的分类模型版本（base 为由数据文件训练的基础模型）")


@router.post(
    "/api/classify",
    response_model=ClassifyResponse,
    summary="派单建议：话题、诉求类型、承办单位、属地、紧急程度",
    responses={422: {"description": "输入有误（如内容为空）"}, 503: {"description": "分类模型尚未训练"}},
)
async def classify(request: ClassifyRequest) -> ClassifyResponse:
    result = await run_in_threadpool(suggest, request.text, request.address)
    return ClassifyResponse.model_validate(result.as_dict())
