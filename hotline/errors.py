"""Domain errors: a code for programs, a Chinese message for people, an HTTP status for the API."""

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
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
    "float_parsing": "应为数字",
    "int_from_float": "应为整数",
    "list_type": "应为列表",
    "bool_type": "应为是/否",
    "url_parsing": "网址格式不正确",
}


def field_message(err: dict) -> str:
    """The Chinese words for one pydantic error; our own validators' messages are Chinese already."""
    if err.get("type") == "value_error":
        return str(err.get("ctx", {}).get("error") or err.get("msg", "输入有误"))
    return _FIELD_MESSAGES.get(err.get("type", ""), err.get("msg", "输入有误"))


def _field_error(err: dict) -> dict:
    location = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
    return {"field": location, "type": err.get("type"), "message": field_message(err)}


# A path prefix whose errors follow another standard's format (Open311: `[{code, description}]`, JSON or XML).
ErrorRenderer = Callable[[Request, int, str], Response]
_renderers: list[tuple[str, ErrorRenderer]] = []


def register_error_format(prefix: str, render: ErrorRenderer) -> None:
    _renderers.append((prefix, render))


def error_response(request: Request, status: int, code: str, message: str, headers=None, **details: object) -> Response:
    """The error as the path's standard writes it (Open311's list under its prefix), else our `{code, message}`."""
    for prefix, render in _renderers:
        if request.url.path.startswith(prefix):
            response = render(request, status, message)
            response.headers.update(headers or {})
            return response
    return JSONResponse(error_body(code, message, **details), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return error_response(request, exc.status, exc.code, exc.message, **exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = [_field_error(e) for e in exc.errors()]
        summary = "；".join(f"{f['field'] or '请求'}：{f['message']}" for f in fields[:5])
        return error_response(request, 422, "invalid_input", f"输入有误：{summary}", fields=fields)

    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError) -> Response:  # SQLite: a Python int past 64 bits
        return error_response(request, 422, "number_out_of_range", "输入的数值超出允许范围")

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:  # PostgreSQL: integer out of range, NUL, …
        return error_response(request, 422, "value_out_of_range", "输入的数值或文字超出数据库允许的范围")

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        # SQLAlchemy's names for "the database did not answer" (refused, dropped, timed out): not the request's fault
        log.error("database unavailable: %s", exc)
        body = error_body("database_unavailable", "数据库暂时不可用，请稍后重试")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "没有这个地址", 405: "不支持这个请求方法", 401: "请先登录", 403: "没有权限"}
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code not in messages else None
        text = message or messages.get(exc.status_code, "请求无法处理")
        return error_response(request, exc.status_code, f"http_{exc.status_code}", text, getattr(exc, "headers", None))
