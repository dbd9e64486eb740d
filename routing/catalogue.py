"""The dispatch catalogue (派单目录) as data, and the department short labels → catalogue units."""

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class CatalogueRule:
    name: str
    taxonomy: str
    keywords: tuple[str, ...]
    department: str
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    decides: bool = False  # overrides the model; otherwise a hint (catalogue.toml says which and why)


@dataclass(frozen=True)
class CatalogueHit:
    rule: CatalogueRule
    keyword: str


@dataclass(frozen=True)
class Unit:
    label: str
    code: str
    name: str


@lru_cache(maxsize=1)
def catalogue_rules() -> tuple[CatalogueRule, ...]:
    data = tomllib.loads((DATA / "catalogue.toml").read_text(encoding="utf-8"))
    units = departments()
    rules = []
    for raw in data["rules"]:
        if raw["department"] not in units:
            raise ValueError(f"catalogue.toml rule {raw['name']!r} names unknown department {raw['department']!r}")
        rules.append(
            CatalogueRule(
                name=raw["name"],
                taxonomy=raw.get("taxonomy", ""),
                keywords=tuple(raw["keywords"]),
                department=raw["department"],
                topics=tuple(raw.get("topics", ())),
                levels=tuple(raw.get("levels", ())),
                decides=bool(raw.get("decides", False)),
            )
        )
    return tuple(rules)


@lru_cache(maxsize=1)
def departments() -> dict[str, Unit]:
    data = tomllib.loads((DATA / "departments.toml").read_text(encoding="utf-8"))
    return {label: Unit(label, info["code"], info["name"]) for label, info in data["units"].items()}


def match_catalogue(title: str, topic: str | None, level: str) -> CatalogueHit | None:
    """The first rule whose keyword (in the title: the matter), topic and level all fit; None otherwise.

    The body is not searched: a keyword there is often an aside (measured in catalogue.toml's notes).
    """
    for rule in catalogue_rules():
        if rule.topics and topic not in rule.topics:
            continue
        if rule.levels and level not in rule.levels:
            continue
        keyword = next((k for k in rule.keywords if k in title), None)
        if keyword:
            return CatalogueHit(rule, keyword)
    return None


def catalogue_label(model_label: str, hit: CatalogueHit | None) -> str:
    """The short department label once the catalogue has had its say: a deciding rule overrides the model."""
    return hit.rule.department if hit and hit.rule.decides else model_label
