"""A realistic synthetic file of registered technology contracts (for benchmarks)."""
import csv
import random
from datetime import date, timedelta

from marketplace.contracts.importer import CONTRACT_COLUMNS
from models.contract import CONTRACT_TYPES
from models.vocab import ORG_TYPES, TECH_FIELDS

# Seller cities weighted roughly like a western province's market (Kunming dominates).
CITIES = [("530100", 40), ("530300", 6), ("530400", 6), ("532900", 5), ("532500", 4), ("530500", 2),
          ("530700", 2), ("530800", 2), ("532300", 3), ("510100", 20), ("510700", 5), ("510600", 3),
          ("520100", 4), ("450100", 3), ("420100", 5)]
SELLER_TYPES = [("高等院校", 25), ("科研机构", 25), ("企业", 45), ("医疗卫生", 3), ("其他", 2)]
STEMS = ["高原特色农产品", "三七总皂苷", "燃料电池催化剂", "锂电池热管理", "智能电网", "工业机器人", "稀土永磁",
         "污水深度处理", "磷化工尾渣", "天麻种植", "花卉育种", "桥梁健康监测", "咖啡精深加工", "冷链物流"]
SUFFIX = ["技术开发", "工艺转让", "专利许可", "技术咨询", "技术服务", "中试放大", "示范应用"]


def _weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def generate(path: str, rows: int, seed: int = 20261125, start: date = date(2025, 1, 1), days: int = 700) -> dict:
    """Write `rows` contracts to a CSV at `path`; returns the exact fen totals written."""
    rng = random.Random(seed)
    days = min(days, (date.today() - start).days)
    totals = {"contract_fen": 0, "tech_fen": 0}
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTRACT_COLUMNS)
        for n in range(1, rows + 1):
            seller_region = _weighted(rng, CITIES)
            contract_fen = int(rng.lognormvariate(13.5, 1.6)) * 100 + rng.randrange(100)
            tech_fen = contract_fen - rng.randrange(0, contract_fen // 3 + 1) if rng.random() < 0.4 else contract_fen
            signed = start + timedelta(days=rng.randrange(days))
            registered = min(signed + timedelta(days=rng.randrange(1, 40)), date.today())
            registered = max(registered, signed)
            totals["contract_fen"] += contract_fen
            totals["tech_fen"] += tech_fen
            writer.writerow([
                f"B{registered.year}{seller_region}{n:08d}", rng.choice(CONTRACT_TYPES),
                f"{rng.choice(STEMS)}{rng.choice(SUFFIX)}", f"卖方单位{rng.randrange(5000):04d}",
                _weighted(rng, SELLER_TYPES), seller_region, f"买方单位{rng.randrange(20000):05d}",
                rng.choice(ORG_TYPES), _weighted(rng, CITIES), f"{contract_fen // 100}.{contract_fen % 100:02d}",
                f"{tech_fen // 100}.{tech_fen % 100:02d}", signed.isoformat(), registered.isoformat(),
                rng.choice(TECH_FIELDS),
            ])
    return totals
