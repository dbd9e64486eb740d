"""Domain errors: a code for programs, a Chinese message for people, an HTTP status for the API."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Conflict(DomainError):
    """An illegal step in a lifecycle, or a change that lost a race with another one."""

    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"


def error_body(code: str, message: str, **details: object) -> dict:
    body: dict = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return body


_FIELD_MESSAGES = {
    "missing": "缺少必填项",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "int_parsing": "应为整数",
    "bool_parsing": "应为是/否",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "greater_than": "数值太小",
    "less_than": "数值太大",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "string_type": "应为文本",
    "extra_forbidden": "不允许的字段",
    "string_pattern_mismatch": "格式不正确",
    "datetime_parsing": "日期时间格式不正确",
    "date_parsing": "日期格式不正确",
}


def _field_error(err: dict) -> dict:
    location = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
    return {
        "field": location,
        "type": err.get("type"),
        "message": _FIELD_MESSAGES.get(err.get("type", ""), err.get("msg", "输入有误")),
    }


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, **exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [_field_error(e) for e in exc.errors()]
        summary = "；".join(f"{f['field'] or '请求'}：{f['message']}" for f in fields[:5])
        return JSONResponse(error_body("invalid_input", f"输入有误：{summary}", fields=fields), status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        # SQLAlchemy's names for "the database did not answer" (refused, dropped, timed out): not the request's fault
        log.error("database unavailable: %s", exc)
        body = error_body("database_unavailable", "数据库暂时不可用，请稍后重试")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "没有这个地址", 405: "不支持这个请求方法", 401: "请先登录", 403: "没有权限"}
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code not in messages else None
        return JSONResponse(
            error_body(f"http_{exc.status_code}", message or messages.get(exc.status_code, "请求无法处理")),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
