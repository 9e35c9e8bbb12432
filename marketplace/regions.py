"""Loading and looking up GB/T 2260 regions."""
import csv
import io
import os
import re
from dataclasses import dataclass

from sqlalchemy import select
from wtforms import SelectChoice

from marketplace.cache import Cache
from models import Region, db
from models.region import RegionNaming

SHIPPED_REGIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "regions.csv")
REGION_COLUMNS = ("code", "name", "province_code", "province")
_CODE = re.compile(r"^\d{6}$")


class RegionFileError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_regions(text: str) -> list[dict]:
    """Validate a regions CSV; every bad line is reported, nothing is half-read."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REGION_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RegionFileError([f"缺少列：{', '.join(missing)}"])
    rows, problems = [], []
    for line, row in enumerate(reader, start=2):
        values = {c: (row.get(c) or "").strip() for c in REGION_COLUMNS}
        if not _CODE.match(values["code"]) or not _CODE.match(values["province_code"]):
            problems.append(f"第 {line} 行：代码必须是六位数字")
        elif not values["name"] or not values["province"] or len(values["name"]) > 64:
            problems.append(f"第 {line} 行：名称不能为空且不超过 64 字")
        elif values["code"][:2] != values["province_code"][:2]:
            problems.append(f"第 {line} 行：{values['code']} 不属于省级代码 {values['province_code']}")
        else:
            rows.append(values)
    if problems:
        raise RegionFileError(problems)
    return rows


def load_regions(text: str) -> tuple[int, int]:
    """Insert or update regions from CSV text; returns (added, updated)."""
    rows = parse_regions(text)
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    added = updated = 0
    for values in rows:
        region = existing.get(values["code"])
        if region is None:
            db.session.add(Region(**values))
            added += 1
        elif any(getattr(region, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(region, key, value)
            updated += 1
    db.session.flush()
    return added, updated


def load_shipped_regions() -> tuple[int, int]:
    with open(SHIPPED_REGIONS, encoding="utf-8") as handle:
        return load_regions(handle.read())


@dataclass(frozen=True, slots=True)
class RegionRow(RegionNaming):
    """A region as plain data (kept between requests; reads like the model)."""

    code: str
    name: str
    province_code: str
    province: str


_TREE = Cache("regions", ("regions",), max_entries=1)
_CHOICES = Cache("region_choices", ("regions",), max_entries=64)


def all_regions() -> list[RegionRow]:
    """Every region in code order: provinces each followed by their cities (read once per process and change)."""
    return _TREE.get("all", lambda: [RegionRow(*row) for row in db.session.execute(
        select(Region.code, Region.name, Region.province_code, Region.province).order_by(Region.code))])


def provinces() -> list[RegionRow]:
    return [region for region in all_regions() if region.is_province]


def province_names() -> dict[str, str]:
    """Province code → name."""
    return {region.code: region.name for region in provinces()}


def region_choices(include_blank: str | None = None, cities_of: str | None = "*") -> list[SelectChoice]:
    """Options for a select box, provinces and their cities grouped by code order.

    `cities_of` names the one province whose cities are listed ('*': every province's,
    None: provinces only), for pickers that should not carry every city in every page.
    The options are built once per process and regions change (every form on a page of the site or
    a call of the API has this picker); each call gets its own list of them.
    """
    def build():
        choices = [SelectChoice("", include_blank)] if include_blank is not None else []
        for region in all_regions():
            if region.is_province:
                choices.append(SelectChoice(region.code, region.name))
            elif cities_of == "*" or region.province_code == cities_of:
                choices.append(SelectChoice(region.code, f"　{region.name}"))
        return choices
    return list(_CHOICES.get((include_blank, cities_of), build))


def region_full_name(code: str) -> str:
    """'530100' → '云南省昆明市' (a province alone by its name); an unknown code is shown as it is."""
    for region in all_regions():
        if region.code == code:
            return region.full_name
    return code
