"""Time limits (时限) per request type and urgency, from a TOML table a centre can override."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from hotline.settings import get_settings

REQUEST_TYPES: tuple[str, ...] = ("咨询", "求助", "投诉", "举报", "建议", "表扬")

# Flat "section.key" names in the TOML file -> TimeLimits fields; [handle] is keyed by request type.
_FIELDS: dict[str, str] = {
    "sign.working_hours": "sign_working_hours",
    "urgent.sign_hours": "urgent_sign_hours",
    "urgent.handle_hours": "urgent_handle_hours",
    "high.sign_working_hours": "high_sign_working_hours",
    "high.handle_working_days": "high_handle_working_days",
    "callback.working_days": "callback_working_days",
    "near_due.working_hours": "near_due_working_hours",
    "near_due.urgent_hours": "urgent_near_due_hours",
}
_KNOWN_KEYS = frozenset(_FIELDS) | {f"handle.{t}" for t in REQUEST_TYPES}
_SECTIONS = frozenset(key.split(".", 1)[0] for key in _KNOWN_KEYS)


@dataclass(frozen=True)
class TimeLimits:
    sign_working_hours: float
    handle_working_days: Mapping[str, float]
    urgent_sign_hours: float
    urgent_handle_hours: float
    high_sign_working_hours: float
    high_handle_working_days: float
    callback_working_days: float
    near_due_working_hours: float
    urgent_near_due_hours: float

    def handle_days(self, request_type: str) -> float:
        try:
            return self.handle_working_days[request_type]
        except KeyError:
            raise ValueError(f"未知的诉求类型：{request_type}") from None


def load_time_limits(path: Path | None = None) -> TimeLimits:
    """The packaged defaults, with the keys of `path` (if given) laid over them."""
    default = resources.files("hotline.clock").joinpath("time_limits.toml")
    values = _read(default.read_text(encoding="utf-8"), "default time limits")
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"time limits file {path}: cannot read it: {exc}") from exc
        values.update(_read(text, f"time limits file {path}"))
    return _build(values)


@lru_cache
def get_time_limits() -> TimeLimits:
    return load_time_limits(get_settings().time_limits_file)


def _read(text: str, source: str) -> dict[str, float]:
    """Flatten and validate one TOML table into {"section.key": value}."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from exc
    values: dict[str, float] = {}
    for section, table in data.items():
        if section not in _SECTIONS:
            raise ValueError(f"{source}: unknown section [{section}]; known: {', '.join(sorted(_SECTIONS))}")
        if not isinstance(table, dict):
            raise ValueError(f"{source}: [{section}] must be a table of keys")
        for key, value in table.items():
            name = f"{section}.{key}"
            if name not in _KNOWN_KEYS:
                known = ", ".join(k for k in sorted(_KNOWN_KEYS) if k.startswith(f"{section}."))
                raise ValueError(f"{source}: unknown key '{name}'; known in [{section}]: {known}")
            values[name] = _positive(value, name, source)
    return values


def _positive(value: object, name: str, source: str) -> float:
    # bool is an int in Python; `true` as a time limit is surely a typo.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{source}: '{name}' must be a number of hours or days, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{source}: '{name}' must be greater than 0, got {value!r}")
    return float(value)


def _build(values: dict[str, float]) -> TimeLimits:
    missing = sorted(_KNOWN_KEYS - set(values))
    if missing:  # only possible if the packaged table itself is broken
        raise ValueError(f"time limits: missing key(s) {', '.join(missing)}")
    handle = {t: values[f"handle.{t}"] for t in REQUEST_TYPES}
    fields = {field: values[key] for key, field in _FIELDS.items()}
    return TimeLimits(handle_working_days=MappingProxyType(handle), **fields)
