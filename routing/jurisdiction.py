"""Jurisdiction from an address and the caller's words: district code or real name, street office or town."""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer.toml"
# Any anonymised place code of the data: A1区, K8县, A9市 (A市 alone is the city itself).
PLACE_CODE = re.compile(r"([A-Z]\d{1,2})(区|县|市)")
STREET_SUFFIXES = ("街道", "镇", "乡")


@dataclass(frozen=True)
class Jurisdiction:
    district: str | None  # "A2区"
    district_name: str | None  # "天心区"
    street: str | None  # "桂花坪街道"
    level: str  # "市", "区", "县", "县级市", "街道", "外地"
    in_city: bool
    unit: str  # the 属地 unit: street office, town government, district government or the city
    evidence: str  # the words that decided
    confidence: float

    @property
    def reason(self) -> str:
        return f"依据：{self.evidence}" if self.evidence else "未提到区县或街道，按全市处理"


@dataclass(frozen=True)
class Gazetteer:
    city: str
    districts: dict[str, dict]
    by_name: dict[str, str]  # real district name → code
    street_to_district: dict[str, str]  # full street name or unambiguous stem → code
    street_full: dict[str, str]  # stem or full → full street name


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = tomllib.loads(GAZETTEER.read_text(encoding="utf-8"))
    districts = data["districts"]
    by_name = {}
    street_to_district: dict[str, str] = {}
    street_full: dict[str, str] = {}
    stems: dict[str, set[str]] = {}
    for code, info in districts.items():
        by_name[info["name"]] = code
        for street in info["streets"]:
            street_to_district[street] = code
            street_full[street] = street
            stem = street
            for suffix in STREET_SUFFIXES:
                stem = stem.removesuffix(suffix)
            if len(stem) >= 2:
                stems.setdefault(stem, set()).add(code)
                street_full.setdefault(stem, street)
    # A bare stem ("星沙") counts only when it names streets of a single district.
    for stem, codes in stems.items():
        if len(codes) == 1 and stem not in street_to_district:
            street_to_district[stem] = next(iter(codes))
    return Gazetteer(data["city"], districts, by_name, street_to_district, street_full)


def _street_unit(district: str, street: str) -> str:
    if street.endswith("街道"):
        return f"{district}{street}办事处"
    return f"{district}{street}人民政府"


def _find_street(text: str, names: dict[str, str]) -> tuple[str, str] | None:
    """The longest gazetteer street name in the text (full names before bare stems)."""
    best: tuple[str, str] | None = None
    for name, code in names.items():
        if name in text and (best is None or len(name) > len(best[0])):
            best = (name, code)
    return best


def find_jurisdiction(text: str, address: str | None = None) -> Jurisdiction:
    """Address first (it is what the agent typed on purpose), then the caller's words."""
    gaz = gazetteer()
    for source in (address or "", text or ""):
        if not source.strip():
            continue
        source = source[:5000]
        code_match = next((m for m in PLACE_CODE.finditer(source)), None)
        district = code_match.group() if code_match else None
        evidence = district or ""
        if district is None:
            for name, code in gaz.by_name.items():
                if name in source:
                    district, evidence = code, name
                    break
        street = _find_street(source, gaz.street_to_district)
        if street and (district is None or gaz.street_to_district[street[0]] == district):
            code = street[1]
            full = gaz.street_full.get(street[0], street[0])
            info = gaz.districts[code]
            return Jurisdiction(
                code,
                info["name"],
                full,
                "街道",
                True,
                _street_unit(code, full),
                f"{evidence}{street[0]}" if evidence else street[0],
                0.9 if full == street[0] else 0.7,
            )
        if district in gaz.districts:
            info = gaz.districts[district]
            return Jurisdiction(district, info["name"], None, info["level"], True, f"{district}人民政府", evidence, 0.9)
        if district is not None:
            return Jurisdiction(district, None, None, "外地", False, f"{district}人民政府", evidence, 0.6)
    return Jurisdiction(None, None, None, "市", True, f"{gaz.city}人民政府", "", 0.3)
