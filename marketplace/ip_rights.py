"""知识产权类型 and numbers as people write them: aliases, patent kinds read from ZL numbers, number formats."""
import re
import unicodedata
from datetime import date

from models.vocab import IP_CHOICES, IP_NONE, join_list, split_list

INVENTION, UTILITY, DESIGN = "发明专利", "实用新型专利", "外观设计专利"
SOFTWARE, LAYOUT, PLANT = "计算机软件著作权", "集成电路布图设计专有权", "植物新品种权"
SECRET = "技术秘密"
PATENT_KINDS = (INVENTION, UTILITY, DESIGN)
# Types whose numbers have no fixed national format (new-drug certificates, foreign patents …).
FREE_NUMBER_TYPES = ("生物医药新品种", "其他")
AMBIGUOUS_PATENT = "专利"
MAX_NUMBER = 50

ALIASES = {name: name for name in IP_CHOICES} | {
    "发明": INVENTION, "实用新型": UTILITY, "外观设计": DESIGN, "外观": DESIGN,
    "软件著作权": SOFTWARE, "软著": SOFTWARE, "布图设计": LAYOUT, "集成电路布图设计": LAYOUT,
    "植物新品种": PLANT, "专有技术": SECRET, "其它": "其他", AMBIGUOUS_PATENT: AMBIGUOUS_PATENT,
}
_BY_LENGTH = sorted(ALIASES, key=len, reverse=True)

# The patent kind digit of an application number (1, 8: invention incl. PCT; 2, 9: utility model; 3: design).
KIND_DIGITS = {"1": INVENTION, "8": INVENTION, "2": UTILITY, "9": UTILITY, "3": DESIGN}
_ZL = (re.compile(r"ZL(\d{4})(\d)(\d{7})[.·]([0-9X])"),  # since 2003: 12 digits
       re.compile(r"ZL(\d{2})(\d)(\d{5})[.·]([0-9X])"))  # before: 8 digits
_SOFTWARE = re.compile(r"(\d{4})SR(\d{6,7})")
_SOFTWARE_CERTIFICATE = re.compile(r"软著登字第(\d{6,8})号")
_PLANT = re.compile(r"CNA(\d{4})\d{4,7}(\.[0-9X])?")
_LAYOUT = re.compile(r"BS\.?(\d{8}[0-9X])")
_PATENT_HELP = "专利号应写作 ZL + 申请年份4位 + 类型1位 + 流水号7位 + . + 校验位，如 ZL201710601862.3"


class IpProblem(ValueError):
    """An IP type or number that cannot be read; the message says why, in Chinese."""


def patent_check_digit(digits: str) -> str:
    """The check digit of a Chinese patent application number: weights 2–9, 2–5 … mod 11, 10 → X."""
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _compact(number: str) -> str:
    """Full-width characters folded (ＺＬ２０… → ZL20…), spaces dropped, letters upper-case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()


def patent_kind(number: str) -> tuple[str, str]:
    """(kind, normalised number) of a ZL patent number; IpProblem when the format or check digit is wrong."""
    text = _compact(number)
    match = _ZL[0].fullmatch(text) or _ZL[1].fullmatch(text)
    if not match:
        raise IpProblem(f"专利号“{number}”格式不正确：{_PATENT_HELP}")
    year, kind_digit, serial, check = match.groups()
    full_year = int(year) if len(year) == 4 else (1900 if int(year) >= 85 else 2000) + int(year)
    if not 1985 <= full_year <= date.today().year:
        raise IpProblem(f"专利号“{number}”的申请年份 {full_year} 不合理")
    if kind_digit not in KIND_DIGITS:
        raise IpProblem(f"专利号“{number}”的类型位 {kind_digit} 无效（1、8 为发明，2、9 为实用新型，3 为外观设计）")
    expected = patent_check_digit(year + kind_digit + serial)
    if check != expected:
        raise IpProblem(f"专利号“{number}”的校验位应为 {expected}，请核对号码")
    return KIND_DIGITS[kind_digit], f"ZL{year}{kind_digit}{serial}.{check}"


def _year_ok(year: str, first: int) -> bool:
    return first <= int(year) <= date.today().year


def registration_number(ip_type: str, number: str) -> str:
    """The normalised number of one right of `ip_type`; IpProblem when it does not fit the type's format."""
    text = _compact(number)
    if ip_type in PATENT_KINDS:
        kind, text = patent_kind(number)
        if kind != ip_type:
            raise IpProblem(f"专利号“{number}”的类型位表示{kind}，与所填的{ip_type}不一致")
        return text
    if ip_type == SOFTWARE:
        match = _SOFTWARE.fullmatch(text)
        if (match and _year_ok(match.group(1), 1991)) or _SOFTWARE_CERTIFICATE.fullmatch(text):
            return text
        raise IpProblem(f"软件著作权登记号“{number}”格式不正确，应如 2022SR0123456 或 软著登字第1234567号")
    if ip_type == PLANT:
        match = _PLANT.fullmatch(text)
        if match and _year_ok(match.group(1), 1999):
            return text
        raise IpProblem(f"植物新品种权号“{number}”格式不正确，应如 CNA20201234.5")
    if ip_type == LAYOUT:
        match = _LAYOUT.fullmatch(text)
        if match:
            return "BS." + match.group(1)
        raise IpProblem(f"集成电路布图设计登记号“{number}”格式不正确，应如 BS.205512345")
    if ip_type in (SECRET, IP_NONE):
        raise IpProblem(f"“{ip_type}”不填写编号（“{number}”）")
    if len(number) > MAX_NUMBER:
        raise IpProblem(f"编号不能超过 {MAX_NUMBER} 字：{number[:20]}…")
    return number.strip()


def number_type(number: str) -> str | None:
    """The type a bare number belongs to, read from its shape (None when it has no known shape)."""
    text = _compact(number)
    if text.startswith("ZL"):
        return patent_kind(number)[0]
    if _SOFTWARE.fullmatch(text) or _SOFTWARE_CERTIFICATE.fullmatch(text):
        return SOFTWARE
    if text.startswith("CNA"):
        return PLANT
    if text.startswith("BS"):
        return LAYOUT
    return None


def _split_name(entry: str) -> tuple[str | None, str]:
    """('发明专利', 'ZL…') for '发明 ZL…', '发明专利：ZL…', '发明专利ZL…'; (None, entry) without a known name."""
    for alias in _BY_LENGTH:
        if entry.startswith(alias):
            rest = entry[len(alias):].strip().lstrip("号").lstrip(":：").strip()
            if alias == IP_NONE and rest:  # 无 stands alone; '无线…' is not a type
                continue
            return ALIASES[alias], rest
    return None, entry


def _numbers(ip_type: str | None, rest: str) -> list[str]:
    """The number text after a type name: usually one number, possibly several separated by spaces."""
    if not rest:
        return []
    if ip_type in FREE_NUMBER_TYPES or not re.search(r"\s", rest):
        return [rest]
    try:
        _check(ip_type, rest)
        return [rest]
    except IpProblem:
        return rest.split()


def _check(ip_type: str, number: str) -> tuple[str, str]:
    """(type, normalised number); plain 专利 takes its kind from the number."""
    if ip_type == AMBIGUOUS_PATENT:
        return patent_kind(number)
    return ip_type, registration_number(ip_type, number)


def parse_entry(entry: str) -> list[tuple[str, str]]:
    """One written right → [(type, normalised number or '')]: '实用新型 ZL…', '软著 2022SR…', 'ZL…', '技术秘密'."""
    ip_type, rest = _split_name(entry.strip())
    if ip_type is None:
        inferred = number_type(entry)
        if inferred is None:
            raise IpProblem(f"无法识别知识产权类型“{entry[:30]}”，应为：{'、'.join(IP_CHOICES)}（可带编号，如 发明专利 ZL201710601862.3）")
        ip_type, rest = inferred, entry.strip()
    numbers = _numbers(ip_type, rest)
    if ip_type == AMBIGUOUS_PATENT:
        if not numbers:
            raise IpProblem("“专利”请注明类型（发明专利、实用新型专利或外观设计专利）或填写专利号（如 专利 ZL201710601862.3）")
    if not numbers:
        return [(ip_type, "")]
    return [_check(ip_type, number) for number in numbers]


def parse_rights(text: str) -> tuple[list[str], list[str]]:
    """A written list of rights ('发明 ZL…；软著 2022SR…、技术秘密') → (types in vocabulary order, numbers)."""
    types, numbers = [], []
    for entry in split_list(text):
        for ip_type, number in parse_entry(entry):
            types.append(ip_type)
            if number:
                numbers.append(number)
    types = list(dict.fromkeys(types))
    if IP_NONE in types and len(types) > 1:
        raise IpProblem("“无”不能与其他知识产权类型同时填写")
    return in_vocabulary_order(types), list(dict.fromkeys(numbers))


def in_vocabulary_order(types) -> list[str]:
    """Chosen types without repeats, in the order of the registration form."""
    return sorted(dict.fromkeys(types or []), key=IP_CHOICES.index)


def type_problems(types: list[str]) -> str | None:
    """Why a chosen list of types is refused (unknown name, 无 with others), or None."""
    unknown = [t for t in types if t not in IP_CHOICES]
    if unknown:
        return f"知识产权类型“{unknown[0][:20]}”无效，应为：{'、'.join(IP_CHOICES)}"
    if IP_NONE in types and len(types) > 1:
        return "“无”不能与其他知识产权类型同时选择"
    return None


def numbers_problem(types: list[str], numbers_text: str) -> str | None:
    """Why the numbers typed next to chosen types are refused (bad format, a kind not chosen), or None.

    Numbers of a known shape (ZL…, …SR…, CNA…, BS.…) are checked and must belong to a chosen type;
    other text is accepted when 生物医药新品种 or 其他 is chosen (new-drug certificates, foreign patents).
    """
    for number in split_list(numbers_text):
        try:
            kind = number_type(number)
            if kind is not None:
                registration_number(kind, number)
        except IpProblem as exc:
            return str(exc)
        if kind is None and not any(t in FREE_NUMBER_TYPES for t in types):
            return f"无法识别编号“{number[:30]}”的类型（专利号如 ZL201710601862.3，软著如 2022SR0123456）"
        if kind is not None and kind not in types:
            return f"编号“{number[:30]}”属于{kind}，请同时选择该知识产权类型"
    return None


def normalised_numbers(numbers_text: str) -> str:
    """The typed numbers, each known shape normalised (ZL 2017 1 0601862.3 → ZL201710601862.3)."""
    result = []
    for number in split_list(numbers_text):
        kind = number_type(number)
        result.append(registration_number(kind, number) if kind else number)
    return join_list(dict.fromkeys(result))

