"""Settings people write by hand: list settings in either form, and every setting checked at start-up.

A list setting accepts comma-separated values (`k1,k2`, as anyone would write it) as well as JSON (`["k1","k2"]`).
Every settings class is built once when the app starts: a bad value stops start-up with a Chinese message naming the
environment variable, instead of turning each request that reads the setting into a 500.
"""

import json
from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, ValidationError
from pydantic_settings import BaseSettings, NoDecode


class SettingsError(RuntimeError):
    """A setting that cannot work; the message names the variable and says what is wrong (Chinese)."""


def _split_list(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON 列表格式错误：{exc.msg}") from exc
    return [part.strip() for part in text.split(",") if part.strip()]


def _split_map(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON 对象格式错误：{exc.msg}") from exc
    pairs = [part.strip() for part in text.split(",") if part.strip()]
    if any("=" not in pair for pair in pairs):
        raise ValueError("应为 名称=值,名称=值 或 JSON 对象")
    return dict((k.strip(), v.strip()) for k, v in (pair.split("=", 1) for pair in pairs))


# `NoDecode` stops pydantic-settings from insisting on JSON before our validator sees the raw text.
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]
CommaMap = Annotated[dict[str, str], NoDecode, BeforeValidator(_split_map)]


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"没有时区 {value!r}（例如 Asia/Shanghai）") from exc
    return value


def check_networks(values: list[str]) -> list[str]:
    from ipaddress import ip_network

    for value in values:
        try:
            ip_network(value, strict=False)
        except ValueError as exc:
            raise ValueError(f"{value!r} 不是 IP 地址或网段（例如 10.0.0.5 或 10.0.1.0/24）") from exc
    return values


def _variable(cls: type[BaseSettings], field: str) -> str:
    return (str(cls.model_config.get("env_prefix", "")) + field).upper()


def explain(cls: type[BaseSettings], exc: ValidationError) -> str:
    """One Chinese line per bad setting: `HOTLINE_X=…：what is wrong`."""
    from hotline.errors import field_message

    lines = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "?"
        value = err.get("input")
        shown = f"={value!r}" if isinstance(value, str | int | float) else ""
        lines.append(f"设置 {_variable(cls, field)}{shown} 无效：{field_message(err)}")
    return "；".join(lines)


def load(factory: Callable[[], BaseSettings], cls: type[BaseSettings]) -> BaseSettings:
    try:
        return factory()
    except ValidationError as exc:
        raise SettingsError(explain(cls, exc)) from None


def check_all() -> None:
    """Build every package's settings now, so a bad value stops start-up rather than answering requests with 500."""
    from agent_console.settings import ConsoleSettings, get_console_settings
    from approvals_bridge.settings import ApprovalSettings, get_approval_settings
    from asr.settings import AsrSettings, get_asr_settings
    from hotline.settings import Settings, get_settings
    from routing.acd.settings import AcdSettings, get_acd_settings
    from routing.linkage.settings import LinkageSettings, get_linkage_settings
    from selfservice.settings import SelfServiceSettings, get_selfservice_settings

    problems = []
    for factory, cls in (
        (get_settings, Settings),
        (get_asr_settings, AsrSettings),
        (get_acd_settings, AcdSettings),
        (get_console_settings, ConsoleSettings),
        (get_linkage_settings, LinkageSettings),
        (get_approval_settings, ApprovalSettings),
        (get_selfservice_settings, SelfServiceSettings),
    ):
        try:
            load(factory, cls)
        except SettingsError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingsError("；".join(problems))
