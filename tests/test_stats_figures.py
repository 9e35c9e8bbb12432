"""Rollups, ranks, 同比, breakdowns and series, each checked against an independent recount."""
import random
from datetime import date, timedelta

import pytest

from marketplace.stats import services
from marketplace.stats.periods import Period, StatsError, period_from_args
from models import Region, db
from tests.test_stats_data import add_contract, province_codes, recount

YUNNAN_CITIES = ["530100", "530300", "530400", "532900", "532500"]


def _random_contracts(n=300, seed=7):
    rng = random.Random(seed)
    made = []
    for _ in range(n):
        seller = rng.choice(YUNNAN_CITIES + ["510100", "530000"])
        amount = rng.randrange(1, 10**10)
        made.append(add_contract(seller, rng.choice(YUNNAN_CITIES + ["510100"]),
                                 date(2024, 1, 1) + timedelta(days=rng.randrange(730)), amount,
                                 amount - rng.randrange(amount + 1) // 3,
                                 status=rng.choice(["registered"] * 5 + ["cancelled", "draft"]),
                                 contract_type=rng.choice(["技术开发", "技术服务", "技术转让"]),
                                 ip_types=rng.choice(["", "发明专利", "发明专利;技术秘密", "计算机软件著作权"])))
    db.session.commit()
    return made


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_province_city_table_equals_recount(ctx, side):
    contracts = _random_contracts()
    period = Period(date(2025, 1, 1), date(2025, 6, 11))
    table = services.region_table(db.session.get(Region, "530000"), period, side)
    for row in table.rows:
        expected = recount(contracts, period.start, period.end, {row.code}, side)
        assert (row.figures.contracts, row.figures.contract_fen, row.figures.tech_fen) == expected
        previous = recount(contracts, date(2024, 1, 1), date(2024, 6, 11), {row.code}, side)
        assert (row.previous.contracts, row.previous.contract_fen, row.previous.tech_fen) == previous
    whole = recount(contracts, period.start, period.end, province_codes("530000"), side)
    assert (table.total.contracts, table.total.contract_fen, table.total.tech_fen) == whole
    assert sum(r.figures.contract_fen for r in table.rows) == table.total.contract_fen
    cities = {r.code for r in table.rows}
    assert "530600" in cities and "510100" not in cities  # 昭通 has no contracts but is listed; 成都 is not Yunnan
    zhaotong = table.row("530600")
    assert zhaotong.figures == services.Figures()
    assert zhaotong.rank_contracts == max(r.rank_contracts for r in table.rows if r.rank_contracts)


def test_province_own_level_row_and_national_table(ctx):
    add_contract("530000", "530000", date(2025, 2, 1), 5_00)
    add_contract("530100", "530000", date(2025, 2, 1), 7_00)
    add_contract("510100", "530000", date(2025, 2, 1), 11_00)
    db.session.commit()
    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    table = services.region_table(db.session.get(Region, "530000"), period)
    own = table.rows[-1]
    assert own.code == "530000" and own.name == "云南省本级" and own.rank_contracts is None
    assert table.total.contract_fen == 12_00
    national = services.region_table(None, period)
    assert national.row("530000").figures.contract_fen == 12_00
    assert national.row("510000").figures.contract_fen == 11_00 and national.total.contract_fen == 23_00
    assert national.row("530000").rank_contract_amount == 1 and national.row("510000").rank_contract_amount == 2
    city = services.region_table(db.session.get(Region, "530100"), period)
    assert city.rows == [] and city.total.contract_fen == 7_00


def test_competition_ranking_with_ties(ctx):
    for city, amounts in {"530100": [4_00, 4_00], "530300": [10_00], "530400": [3_00, 3_00, 3_00]}.items():
        for amount in amounts:
            add_contract(city, city, date(2025, 3, 3), amount)
    add_contract("532900", "532900", date(2025, 3, 3), 10_00)
    db.session.commit()
    table = services.region_table(db.session.get(Region, "530000"), Period(date(2025, 3, 1), date(2025, 3, 31)))
    ranks = {r.code: (r.rank_contracts, r.rank_contract_amount) for r in table.rows}
    assert ranks["530400"] == (1, 3)
    assert ranks["530100"] == (2, 4)
    assert ranks["530300"] == (3, 1) and ranks["532900"] == (3, 1)
    assert ranks["532500"] == (5, 5)  # every city without contracts shares the last place
    assert services.competition_ranks({"a": 9, "b": 9, "c": 7, "d": 7, "e": 1}) == {
        "a": 1, "b": 1, "c": 3, "d": 3, "e": 5}


def test_empty_period_and_unknown_inputs(ctx):
    table = services.region_table(db.session.get(Region, "530000"), Period(date(1999, 1, 1), date(1999, 12, 31)))
    assert table.total == services.Figures() and all(r.rank_contracts == 1 for r in table.rows)
    assert services.monthly_series(None, Period(date(1999, 11, 5), date(2000, 2, 1)))[0] == ("1999-11",
                                                                                          services.Figures())
    with pytest.raises(StatsError) as bad:
        services.find_region("999999")
    assert bad.value.code == "bad_region"
    with pytest.raises(StatsError):
        services.breakdown(None, Period(date(2025, 1, 1), date(2025, 1, 2)), "colour")
    with pytest.raises(StatsError):
        services.check_side("both")


def test_leap_years_in_periods_and_year_on_year(ctx):
    add_contract("530100", "530100", date(2024, 2, 29), 1_00)
    add_contract("530100", "530100", date(2025, 2, 28), 3_00)
    db.session.commit()
    kunming = db.session.get(Region, "530100")
    february = period_from_args({"kind": "month", "year": "2025", "month": "2"})
    assert february == Period(date(2025, 2, 1), date(2025, 2, 28))
    assert february.previous_year() == Period(date(2024, 2, 1), date(2024, 2, 29))
    current, previous = services.region_figures(kunming, february)
    assert (current.contract_fen, previous.contract_fen) == (3_00, 1_00)
    assert services.yoy(current.contract_fen, previous.contract_fen) == "+200.0%"
    leap_ytd = Period(date(2024, 1, 1), date(2024, 2, 29))
    assert leap_ytd.previous_year() == Period(date(2023, 1, 1), date(2023, 2, 28))
    assert services.region_figures(kunming, leap_ytd)[1] == services.Figures()
    assert period_from_args({"kind": "quarter", "year": "2024", "quarter": "1"}).end == date(2024, 3, 31)
    assert Period(date(2024, 2, 10), date(2024, 2, 29)).previous_year().end == date(2023, 2, 28)


def test_year_on_year_formatting():
    assert services.yoy(1, 0) == "—"
    assert services.yoy(0, 3) == "-100.0%"
    assert services.yoy(2, 3) == "-33.3%" and services.yoy(4, 3) == "+33.3%"
    assert services.yoy(1001, 1000) == "+0.1%" and services.yoy(10005, 10000) == "+0.1%"  # half away from zero
    assert services.yoy(10004, 10000) == "0.0%" and services.yoy(5, 5) == "0.0%"


def test_period_arguments():
    today = date(2026, 6, 11)
    assert period_from_args({}, today) == Period(date(2026, 1, 1), today)
    assert period_from_args({"kind": "ytd", "to": "2023-06-11"}, today).label == "截至6月11日"
    assert period_from_args({"kind": "year", "year": "2025"}, today).label == "2025年"
    assert period_from_args({"kind": "quarter", "year": "2025", "quarter": "3"}, today).label == "2025年第三季度"
    assert period_from_args({"from": "2025-03-05", "to": "2025-04-20"}, today).label == "2025年3月5日至2025年4月20日"
    for args in ({"from": "2025-02-30"}, {"from": "2025-06-02", "to": "2025-06-01"}, {"kind": "month", "month": "13"},
                 {"kind": "week"}, {"to": "1e5"}, {"kind": "year", "year": "abc"}):
        with pytest.raises(StatsError):
            period_from_args(args, today)


def test_breakdowns_series_and_top_parties_equal_recount(ctx):
    contracts = _random_contracts(200, seed=11)
    period = Period(date(2024, 1, 1), date(2025, 12, 31))
    yunnan = db.session.get(Region, "530000")
    codes = province_codes("530000")
    mine = [c for c in contracts if c.status == "registered" and c.seller_region in codes]
    by_type = dict(services.breakdown(yunnan, period, "type"))
    for name in ("技术开发", "技术服务", "技术转让"):
        assert by_type[name].contract_fen == sum(c.contract_amount_fen for c in mine if c.contract_type == name)
    assert by_type["技术许可"] == services.Figures()
    by_ip = dict(services.breakdown(yunnan, period, "ip"))
    assert by_ip["发明专利"].contracts == sum(1 for c in mine if "发明专利" in c.ip_types.split(";"))
    assert by_ip["技术秘密"].contracts == sum(1 for c in mine if c.ip_types == "发明专利;技术秘密")
    assert by_ip[services.NO_IP].contracts == sum(1 for c in mine if not c.ip_types)
    series = services.monthly_series(yunnan, period)
    assert len(series) == 24 and sum(f.tech_fen for _, f in series) == sum(c.tech_amount_fen for c in mine)
    top = services.top_parties(yunnan, period, "seller", limit=3)
    best = sorted(mine, key=lambda c: -c.contract_amount_fen)[:3]
    assert [name for name, _ in top] == [c.seller_name for c in best]
