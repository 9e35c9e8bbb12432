"""What the load test's users send: page addresses and filled-in forms (bench/load_locustfile.py).

Standard library only, like load_support: it runs inside the separate locust virtualenv.
"""
import random
from datetime import date, timedelta
from urllib.parse import urlencode

REVIEW_PREFIX = "53"  # listings are placed in Yunnan, so the provincial official may review them
FIELDS = ("电子信息", "先进制造", "生物医药和医疗器械", "新材料及其应用", "新能源与高效节能", "环境保护与资源综合利用",
          "农业", "现代交通", "城市建设与社会发展")
QUERIES = ("燃料电池", "电池", "石墨烯", "石墨烯 涂层", "储能", "光伏", "无人机", "智能 无人机", "人工智能", "人工智慧",
           "智能制造", "污水处理", "土壤修复", "普洱茶", "咖啡", "灯盏花", "皂苷", "磷石膏", "碳化硅", "激光雷达", "三七")
REGIONS = ("530100", "530000", "510100", "530300", "")
WORDS = ("高效", "低成本", "绿色", "智能", "新型", "复合", "可再生", "高原", "特色", "精准")
SUBJECTS = ("锂电池回收工艺", "三七皂苷提取技术", "高原特色农业无人机", "磷石膏综合利用", "光伏组件清洗机器人",
            "污水深度处理膜材料", "咖啡鲜果加工装备", "碳化硅功率器件封装")
DEVELOPMENT_SUBTYPES = ("委托开发", "合作开发")  # 技术开发 must name one; other types may leave it blank


def browse_url() -> str:
    """A browse page with a random mix of filters, sort order and page number."""
    kind = random.choice(("results", "needs"))
    args = {"page": random.choice((1, 1, 2, 3))}
    if random.random() < 0.5:
        args["field"] = random.choice(FIELDS)
    if random.random() < 0.4:
        args["region"] = random.choice(REGIONS[:-1])
    if kind == "results":
        args["sort"] = random.choice(("newest", "price_asc", "price_desc"))
        if random.random() < 0.3:
            args["maturity"] = random.choice(("小试", "中试", "产业化"))
    else:
        args["sort"] = random.choice(("newest", "budget_asc", "deadline"))
        if random.random() < 0.3:
            args["bounty"] = "1"
    return f"/{kind}?{urlencode(args)}"


def search_url() -> str:
    """The site search box (browse pages with q) or the JSON search API, with Chinese queries."""
    q = random.choice(QUERIES)
    if random.random() < 0.5:
        args = {"q": q}
        if random.random() < 0.3:
            args["field"] = random.choice(FIELDS)
        return f"/{random.choice(('results', 'needs'))}?{urlencode(args)}"
    args = {"q": q, "kind": random.choice(("result", "need")), "page": random.choice((1, 1, 2))}
    return f"/api/v1/search?{urlencode(args)}"


def stats_url() -> str:
    """The public statistics page or one of the statistics API calls."""
    year = date.today().year - random.choice((0, 1))
    region = random.choice(("530100", "530000", "510100", "530300"))
    choice = random.randrange(5)
    if choice == 0:
        return f"/stats/?{urlencode({'region': region, 'kind': random.choice(('ytd', 'year')), 'year': year})}"
    if choice == 1:
        parent = random.choice(("530000", "510000", ""))
        return f"/api/v1/stats/regions?{urlencode({'parent': parent, 'from': f'{year}-01-01', 'to': f'{year}-12-31'})}"
    if choice == 2:
        dim = random.choice(("type", "field", "seller_type"))
        return f"/api/v1/stats/breakdown?{urlencode({'region': region, 'dim': dim, 'from': f'{year}-01-01'})}"
    if choice == 3:
        return f"/api/v1/stats/bulletin?{urlencode({'region': region, 'from': f'{year}-01-01', 'to': f'{year}-06-11'})}"
    return f"/stats/?{urlencode({'region': region})}"


def pick(form, name: str, default: str, prefix: str = "") -> str:
    """A random offered option of a select (starting with `prefix`), or `default` if the page had none."""
    values = [value for value in form.choices(name) if value.startswith(prefix)]
    return random.choice(values) if values else default


def some(form, name: str, count: int) -> list[str]:
    """Up to `count` random checkbox values offered for `name`."""
    values = form.checkboxes.get(name, [])
    return random.sample(values, min(count, len(values)))


def listing_fields(kind: str, form, mark: str) -> list[tuple[str, str]]:
    """A valid result or need as a browser would post it, titled with the marker."""
    subject = random.choice(SUBJECTS)
    pairs = [
        ("csrf_token", form.hidden.get("csrf_token", "")), ("title", f"负载测试{subject} {mark}"),
        ("field", pick(form, "field", FIELDS[0])), ("region_code", pick(form, "region_code", "530100", REVIEW_PREFIX)),
        ("keywords", "；".join(random.sample(WORDS, 3))), ("contact_name", "测试联系人"),
        ("contact_phone", "0871-65000000"),
    ]
    text = f"{random.choice(WORDS)}{subject}，用于负载测试。标记 {mark}。"
    if kind == "result":
        pairs += [("summary", text), ("maturity", pick(form, "maturity", "中试")), ("price", str(random.randint(5, 500)))]
        pairs += [("transfer_modes", mode) for mode in some(form, "transfer_modes", 2) or ["转让"]]
        pairs += [("ip_types", ip) for ip in some(form, "ip_types", 1)]
    else:
        deadline = date.today() + timedelta(days=random.randint(30, 365))
        pairs += [("description", text), ("budget", str(random.randint(10, 300))), ("deadline", deadline.isoformat())]
        pairs += [("cooperation_modes", mode) for mode in some(form, "cooperation_modes", 2) or ["合作开发"]]
    return pairs


def contract_fields(form, mark: str) -> list[tuple[str, str]]:
    """A valid contract filed by the seller side; the form's own idempotency key goes back with it."""
    contract_type = pick(form, "contract_type", "技术服务")
    amount = random.randint(10_000, 5_000_000)
    return [
        ("csrf_token", form.hidden.get("csrf_token", "")), ("idempotency_key", form.hidden.get("idempotency_key", "")),
        ("contract_type", contract_type),
        ("subtype", random.choice(DEVELOPMENT_SUBTYPES) if contract_type == "技术开发" else ""),
        ("title", f"负载测试合同 {mark}"), ("contract_no", ""), ("tech_field", pick(form, "tech_field", FIELDS[0])),
        ("buyer_name", f"负载测试买方{random.randint(1, 50)}有限公司"), ("buyer_type", pick(form, "buyer_type", "企业")),
        ("buyer_region", pick(form, "buyer_region", "530100")),
        ("signed_on", (date.today() - timedelta(days=random.randint(0, 200))).isoformat()),
        ("contract_amount", f"{amount}.{random.randint(0, 99):02d}"),
        ("deduct_equipment", str(random.randint(0, amount // 10))),
    ]
