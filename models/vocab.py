"""Controlled vocabularies of the technology market (see the domain rules)."""

TECH_FIELDS = (
    "电子信息",
    "航空航天",
    "先进制造",
    "生物医药和医疗器械",
    "新材料及其应用",
    "新能源与高效节能",
    "环境保护与资源综合利用",
    "核应用技术",
    "农业",
    "现代交通",
    "城市建设与社会发展",
)

ORG_TYPES = ("企业", "科研机构", "高等院校", "医疗卫生", "机关", "社团", "个人", "其他")

MATURITY_LEVELS = ("研发", "小试", "中试", "产业化")

TRANSFER_MODES = ("转让", "许可", "作价投资", "合作开发", "技术服务", "技术咨询")

COOPERATION_MODES = ("技术转让", "技术许可", "合作开发", "委托开发", "技术服务", "技术咨询", "作价投资", "其他")

# 知识产权类型 as the technology-contract registration forms list them.
IP_TYPES = ("发明专利", "实用新型专利", "外观设计专利", "计算机软件著作权", "集成电路布图设计专有权", "植物新品种权",
            "生物医药新品种", "技术秘密", "其他")
# "Involves no IP" said explicitly (a listing or contract may also leave the field empty: 未注明).
IP_NONE = "无"
IP_CHOICES = (*IP_TYPES, IP_NONE)

MAX_KEYWORDS = 5


def sql_in(column: str, values) -> str:
    """A CHECK constraint body: column IN (...)."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


def split_list(text: str | None) -> list[str]:
    """Split a ';'-separated stored list (also accepts '；' and ',')."""
    if not text:
        return []
    for sep in ("；", ",", "，", "、"):
        text = text.replace(sep, ";")
    return [part.strip() for part in text.split(";") if part.strip()]


def join_list(items) -> str:
    """Store a list of short strings as ';'-separated text."""
    return ";".join(item.strip() for item in items if item and item.strip())
