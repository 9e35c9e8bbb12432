"""Checking one imported listing row: every cell, every rule, every problem reported."""
import re
from datetime import date

from marketplace.ip_rights import IpProblem, parse_rights
from marketplace.money import MoneyError, parse_wan
from models.vocab import (
    MATURITY_LEVELS, MAX_KEYWORDS, ORG_TYPES, TECH_FIELDS, TRANSFER_MODES, join_list, split_list,
)

MAX_TITLE = 200
MAX_ORG_NAME = 100
MAX_KEYWORD = 20
MAX_BODY = 5000
MAX_IP_NUMBERS_TOTAL = 500
# Control characters, invisible format characters (zero-width, bidi overrides) and lone surrogates.
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff"
_BAD_INLINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_BAD_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YES, _NO = ("yes", "是", "y", "true"), ("no", "否", "n", "false", "")


class CellProblem(Exception):
    """One cell breaks a rule; the message says why, in Chinese."""


class RowChecker:
    """Checks rows of one file; remembers organisations and titles seen in earlier rows."""

    def __init__(self, kind: str, region_codes: set[str], existing_orgs: dict):
        self.kind = kind
        self.region_codes = region_codes
        self.existing_orgs = existing_orgs
        self.new_organisations: dict[str, tuple[str, str]] = {}
        self._org_first_line: dict[str, int] = {}
        self._seen_titles: dict[tuple[str, str], int] = {}

    def check(self, line: int, cells: dict) -> tuple[dict | None, list[str]]:
        """The listing's fields, or None, and the problems of this row."""
        checks = RESULT_CHECKS if self.kind == "result" else NEED_CHECKS
        data, problems = {}, []
        for column, check in checks:
            raw = cells.get(column)
            if raw is None:  # unreadable cell, already reported
                continue
            try:
                data.update(check(self, raw))
            except CellProblem as exc:
                problems.append(f"第 {line} 行：列 {column}：{exc}")
        if self.kind == "need" and "is_bounty" in data:
            problems += [f"第 {line} 行：列 {column}：{message}" for column, message in _bounty_problems(data)]
        if all(key in data for key in ("org_name", "org_type", "region_code", "title")):
            problems += self._cross_row_problems(line, data)
        return (None if problems else data), problems

    def _cross_row_problems(self, line: int, data: dict) -> list[str]:
        name, org_type, title = data["org_name"], data["org_type"], data["title"]
        problems = []
        existing = self.existing_orgs.get(name)
        if existing is not None and existing.org_type != org_type:
            problems.append(f"第 {line} 行：列 org_type：单位“{name}”已存在，类型为{existing.org_type}，与本行的{org_type}不一致")
        elif existing is None:
            first = self._org_first_line.setdefault(name, line)
            known_type, _region = self.new_organisations.setdefault(name, (org_type, data["region_code"]))
            if known_type != org_type:
                problems.append(f"第 {line} 行：列 org_type：与第 {first} 行同一单位的类型（{known_type}）不一致")
        earlier = self._seen_titles.setdefault((name, title), line)
        if earlier != line:
            problems.append(f"第 {line} 行：列 title：与第 {earlier} 行重复（同一单位、同一名称）")
        return problems

    def region(self, raw: str) -> dict:
        if not raw:
            raise CellProblem("不能为空")
        if raw not in self.region_codes:
            raise CellProblem(f"地区代码 {raw} 不存在（应为六位 GB/T 2260 代码，如 530100）")
        return {"region_code": raw}


def plain_text(raw: str, max_length: int, required: bool = False, multiline: bool = False) -> str:
    """Stored as typed (HTML and leading '=' included); control and invisible characters refused."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n") if multiline else raw
    if required and not text:
        raise CellProblem("不能为空")
    if (_BAD_MULTILINE if multiline else _BAD_INLINE).search(text):
        raise CellProblem("包含控制字符或不可见字符" + ("" if multiline else "（含换行、制表符）") + "，请删除后重试")
    if len(text) > max_length:
        raise CellProblem(f"不能超过 {max_length} 字（当前 {len(text)} 字）")
    return text


def choice(raw: str, allowed, label: str) -> str:
    """A required value from a controlled vocabulary."""
    if not raw:
        raise CellProblem("不能为空")
    if raw not in allowed:
        raise CellProblem(f"{label}“{raw}”无效，应为：{'、'.join(allowed)}")
    return raw


def keywords(raw: str) -> str:
    """Up to five ';'-separated keywords, each at most 20 characters."""
    items = list(dict.fromkeys(split_list(plain_text(raw, 1000))))
    if len(items) > MAX_KEYWORDS:
        raise CellProblem(f"关键词最多 {MAX_KEYWORDS} 个（当前 {len(items)} 个）")
    too_long = [item for item in items if len(item) > MAX_KEYWORD]
    if too_long:
        raise CellProblem(f"每个关键词不超过 {MAX_KEYWORD} 字：{too_long[0]}")
    return join_list(items)


def ip_rights(raw: str) -> tuple[str, str]:
    """'发明 ZL201710601862.3；软著 2022SR0123456、技术秘密' → ('发明专利;计算机软件著作权;技术秘密', numbers)."""
    try:
        types, numbers = parse_rights(plain_text(raw, 1000))
    except IpProblem as exc:
        raise CellProblem(str(exc)) from None
    stored_numbers = join_list(numbers)
    if len(stored_numbers) > MAX_IP_NUMBERS_TOTAL:
        raise CellProblem(f"编号合计不能超过 {MAX_IP_NUMBERS_TOTAL} 字")
    return join_list(types), stored_numbers


def transfer_modes(raw: str) -> str:
    """One or more ';'-separated transfer modes (转让;许可 …)."""
    items = list(dict.fromkeys(split_list(plain_text(raw, 200))))
    if not items:
        raise CellProblem(f"至少填写一种转化方式：{'、'.join(TRANSFER_MODES)}")
    for item in items:
        if item not in TRANSFER_MODES:
            raise CellProblem(f"转化方式“{item}”无效，应为：{'、'.join(TRANSFER_MODES)}")
    return join_list(items)


def amount(raw: str) -> int | None:
    """Empty means 面议 (None); otherwise 万元 to exact fen."""
    if not raw:
        return None
    try:
        return parse_wan(raw)
    except MoneyError as exc:
        raise CellProblem(str(exc).rstrip("。")) from None


def deadline(raw: str) -> date | None:
    """Strict YYYY-MM-DD, a real calendar day, not in the past; empty means none."""
    if not raw:
        return None
    if not _DATE.match(raw):
        raise CellProblem(f"日期“{raw}”格式应为 YYYY-MM-DD，如 2027-06-30")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise CellProblem(f"日期“{raw}”不存在") from None
    if value < date.today():
        raise CellProblem(f"截止日期 {raw} 已过")
    return value


def bounty(raw: str) -> bool:
    """yes/no (是/否 too); empty means no."""
    text = raw.lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellProblem(f"“{raw}”无效，应为 yes 或 no")


def _bounty_problems(data: dict) -> list[tuple[str, str]]:
    """A 揭榜挂帅 need needs a positive budget (the 榜额), a deadline and a description (the goals)."""
    if not data.get("is_bounty"):
        data.update(bounty_fen=None, bounty_goals="", bounty_conditions="")
        return []
    # Columns that failed their own check are already reported and absent from `data`.
    problems = []
    if "budget_fen" in data and not data["budget_fen"]:
        problems.append(("budget_wan", "揭榜挂帅需求必须填写大于 0 的预算（即榜额）"))
    if "deadline" in data and data["deadline"] is None:
        problems.append(("deadline", "揭榜挂帅需求必须填写截止日期"))
    if "description" in data and not data["description"]:
        problems.append(("description", "揭榜挂帅需求必须填写需求描述（作为攻关目标）"))
    # The file has no separate goals/conditions columns: the description states both.
    data.update(bounty_fen=data.get("budget_fen"), bounty_goals=data.get("description", ""), bounty_conditions="")
    return problems


COMMON_CHECKS = [
    ("title", lambda c, raw: {"title": plain_text(raw, MAX_TITLE, required=True)}),
    ("org_name", lambda c, raw: {"org_name": plain_text(raw, MAX_ORG_NAME, required=True)}),
    ("org_type", lambda c, raw: {"org_type": choice(raw, ORG_TYPES, "单位类型")}),
    ("region_code", RowChecker.region),
    ("field", lambda c, raw: {"field": choice(raw, TECH_FIELDS, "技术领域")}),
    ("keywords", lambda c, raw: {"keywords": keywords(raw)}),
]
RESULT_CHECKS = COMMON_CHECKS + [
    ("summary", lambda c, raw: {"summary": plain_text(raw, MAX_BODY, multiline=True)}),
    ("maturity", lambda c, raw: {"maturity": choice(raw, MATURITY_LEVELS, "成熟度")}),
    ("ip", lambda c, raw: dict(zip(("ip_types", "ip_numbers"), ip_rights(raw)))),
    ("transfer_modes", lambda c, raw: {"transfer_modes": transfer_modes(raw)}),
    ("price_wan", lambda c, raw: {"price_fen": amount(raw)}),
]
NEED_CHECKS = COMMON_CHECKS + [
    ("description", lambda c, raw: {"description": plain_text(raw, MAX_BODY, multiline=True)}),
    ("budget_wan", lambda c, raw: {"budget_fen": amount(raw)}),
    ("deadline", lambda c, raw: {"deadline": deadline(raw)}),
    ("bounty", lambda c, raw: {"is_bounty": bounty(raw)}),
]
