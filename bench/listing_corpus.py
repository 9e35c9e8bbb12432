"""Realistic CSV files of results and needs in the import format (for benchmarks).

Both kinds draw on one set of organisations (a name always has the same type),
titles are unique per organisation and kind, and every cell passes the import's checks.
"""
import csv
import random
from datetime import date, timedelta

from bench.contract_corpus import CITIES, SELLER_TYPES
from bench.corpus import ORG_SUFFIXES, PREFIXES, SENTENCES, SUFFIXES, TERMS
from marketplace.ip_rights import PATENT_KINDS, patent_check_digit
from marketplace.listings.importer import COLUMNS
from models.vocab import IP_TYPES, MATURITY_LEVELS, TRANSFER_MODES

NAME_PARTS = ["华", "云", "川", "滇", "蜀", "创", "昆", "黔"]


def _weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def organisations(count: int, seed: int = 2026) -> list[tuple[str, str, str]]:
    """(name, type, region code) of `count` organisations."""
    rng = random.Random(seed)
    return [(f"{rng.choice(NAME_PARTS)}{rng.choice(NAME_PARTS)}{i}{rng.choice(ORG_SUFFIXES)}",
             _weighted(rng, SELLER_TYPES), _weighted(rng, CITIES)) for i in range(count)]


def _body(rng, terms, length):
    parts = []
    while sum(len(p) for p in parts) < length:
        parts.append(rng.choice(SENTENCES).format(a=rng.choice(terms), b=rng.choice(terms), c=rng.choice(terms),
                                                  city="昆明市", n=rng.randint(2, 60)))
    return "".join(parts)


def _ip(rng):
    roll = rng.random()
    if roll < 0.3:
        return ""
    if roll < 0.7:
        digits = f"{rng.randint(2015, 2025)}{rng.choice('1239')}{rng.randint(0, 10**7 - 1):07d}"
        return f"专利 ZL{digits}.{patent_check_digit(digits)}"
    return ";".join(rng.sample([t for t in IP_TYPES if t not in PATENT_KINDS], rng.randint(1, 2)))


def _kind_cells(rng, kind, body, deadline_base):
    if kind == "result":
        price = rng.choice(["", str(rng.randint(1, 5000)), f"{rng.randint(1, 800)}.{rng.randint(0, 99):02d}"])
        return [body, rng.choice(MATURITY_LEVELS), _ip(rng),
                ";".join(rng.sample(TRANSFER_MODES, rng.randint(1, 3))), price]
    bounty = rng.random() < 0.15
    budget = str(rng.randint(50, 3000)) if bounty else rng.choice(["", str(rng.randint(5, 2000))])
    deadline = (deadline_base + timedelta(days=rng.randrange(30, 900))).isoformat() \
        if bounty or rng.random() < 0.5 else ""
    return [body, budget, deadline, "是" if bounty else "否"]


def generate(path: str, kind: str, rows: int, orgs: list, seed: int = 2026) -> int:
    """Write `rows` listings of `kind` to a CSV at `path`; returns the number of rows written."""
    rng = random.Random(f"{seed}-{kind}")
    fields = list(TERMS)
    taken = set()
    today = date.today()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS[kind])
        for n in range(rows):
            name, org_type, region = rng.choice(orgs)
            field = rng.choice(fields)
            terms = TERMS[field].split()
            core = rng.choice(terms)
            title = f"{rng.choice(PREFIXES)}{core}{rng.choice(SUFFIXES)}"
            if (name, title) in taken:
                title = f"{title}（{n}）"
            taken.add((name, title))
            keywords = ";".join(dict.fromkeys([core] + rng.sample(terms, min(len(terms), rng.randint(2, 4)))))
            body = _body(rng, terms, rng.randint(150, 350))
            writer.writerow([title, name, org_type, region, field, keywords,
                             *_kind_cells(rng, kind, body, today)])
    return rows
