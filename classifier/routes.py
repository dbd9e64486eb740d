"""HTTP: the model versions (admin page 分类模型管理), switching and rollback, and marking a suggestion wrong."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import select

from classifier import registry
from classifier.model_store import ModelError
from classifier.models import HEADS, SuggestionFeedback
from hotline.auth.deps import SessionDep, require_roles
from hotline.auth.models import Role, User
from hotline.errors import Invalid, NotFound
from routing.suggest import ModelUnavailable

STATIC = Path(__file__).parent / "static"
ASSETS = {"models.js": "text/javascript; charset=utf-8", "models.css": "text/css; charset=utf-8"}

router = APIRouter(tags=["分类模型 classifier"])
_admin = Depends(require_roles(Role.admin))
_centre = require_roles(Role.agent, Role.supervisor, Role.admin)


class ModelOut(BaseModel):
    id: str = Field(description="版本编号；base 为由数据文件训练的基础模型")
    active: bool = Field(description="当前是否由它给出建议")
    created_at: str | None
    source: str = Field(description="files：共享数据文件；from-db：中心工单 + 共享数据")
    tickets: int = Field(description="参与训练的中心工单数")
    marked_wrong_rows: int = Field(description="训练时加权的“建议有误”纠正行数")
    training_seconds: float | None
    shadow: dict[str, object] | None = Field(description="影子评估：最新工单上候选模型与当时在用模型的各项准确率")
    marked_wrong: int = Field(description="此模型的建议被标记有误的次数")


class ModelsOut(BaseModel):
    active: str
    can_rollback: bool
    models: list[ModelOut]


class FeedbackIn(BaseModel):
    head: str = Field(description="topic / request_type / department")
    suggested: str = Field(min_length=1, max_length=100, description="模型建议的值")
    correct: str | None = Field(default=None, max_length=100, description="话务员选定的正确值（已知时）")
    model: str = Field(min_length=1, max_length=40, description="给出建议的模型版本（/api/classify 的 model）")
    text: str = Field(min_length=1, max_length=20_000, description="建议所依据的文本")
    title: str = Field(default="", max_length=200)


class FeedbackOut(BaseModel):
    id: int
    message: str


def _root() -> Path:
    # Imported here: the predictor module loads scikit-learn, which the server should not pay for at start-up.
    from classifier.predictor import default_model_dir

    return default_model_dir()


@router.get("/admin/classifier", include_in_schema=False)
def models_page() -> FileResponse:
    return FileResponse(STATIC / "models.html", media_type="text/html; charset=utf-8")


@router.get("/classifier/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise NotFound("没有这个文件", code="asset_not_found")
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "no-cache"})


@router.get("/api/classifier/models", response_model=ModelsOut, summary="分类模型版本与影子评估", dependencies=[_admin])
def list_models(session: SessionDep) -> ModelsOut:
    counts = dict(
        session.exec(select(SuggestionFeedback.model_id, func.count()).group_by(SuggestionFeedback.model_id)).all()
    )
    root = _root()
    try:
        versions, active = registry.list_versions(root), registry.active_id(root)
    except ModelError as exc:
        raise ModelUnavailable(str(exc)) from exc
    models = [
        ModelOut(
            id=v.id,
            active=v.active,
            created_at=v.metadata.get("created_at"),
            source=v.metadata.get("source", "files"),
            tickets=v.metadata.get("tickets", 0),
            marked_wrong_rows=v.metadata.get("marked_wrong", 0),
            training_seconds=v.metadata.get("training_seconds"),
            shadow=v.metadata.get("shadow"),
            marked_wrong=counts.get(v.id, 0),
        )
        for v in versions
    ]
    return ModelsOut(active=active, can_rollback=registry.can_rollback(root), models=models)


@router.post("/api/classifier/models/{model_id}/activate", response_model=ModelsOut, summary="切换在用模型",
             dependencies=[_admin])  # fmt: skip
def activate(model_id: str, session: SessionDep) -> ModelsOut:
    try:
        registry.activate(_root(), model_id)
    except registry.UnknownModel as exc:
        raise NotFound(str(exc), code="model_not_found") from exc
    except ModelError as exc:
        raise ModelUnavailable(str(exc)) from exc
    return list_models(session)


@router.post("/api/classifier/models/rollback", response_model=ModelsOut, summary="回退到上一个在用模型",
             dependencies=[_admin])  # fmt: skip
def rollback(session: SessionDep) -> ModelsOut:
    try:
        registry.rollback(_root())
    except registry.UnknownModel as exc:
        raise Invalid(str(exc), code="nothing_to_roll_back") from exc
    except ModelError as exc:
        raise ModelUnavailable(str(exc)) from exc
    return list_models(session)


@router.post("/api/classifier/feedback", response_model=FeedbackOut, status_code=201, summary="标记建议有误")
def mark_wrong(body: FeedbackIn, session: SessionDep, user: Annotated[User, Depends(_centre)]) -> FeedbackOut:
    if body.head not in HEADS:
        raise Invalid(f"head 只能是 {' / '.join(HEADS)}", code="bad_head")
    correct = body.correct if body.correct and body.correct != body.suggested else None
    item = SuggestionFeedback(
        user_id=user.id,
        model_id=body.model,
        head=body.head,
        suggested=body.suggested,
        correct=correct,
        title=body.title,
        text=body.text,
    )
    session.add(item)
    session.commit()
    session.refresh(item)
    note = f"已记录，正确值“{correct}”将在下次训练中加权" if correct else "已记录：此建议有误"
    return FeedbackOut(id=item.id or 0, message=note)
