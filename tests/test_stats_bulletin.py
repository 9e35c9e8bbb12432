"""The bulletin sentence: figures, units, area words and ranking phrases."""
from datetime import date

from marketplace.stats.bulletin import amount_text, bulletin_text, chinese_number, ranking_phrase
from marketplace.stats.periods import Period
from models import Region, db
from tests.test_stats_data import add_contract

YTD = Period(date(2023, 1, 1), date(2023, 6, 11))


def _kunming_2023():
    """2334 contracts worth exactly 35.01亿元 / 25.01亿元 in Kunming, fewer elsewhere."""
    per, tech_per = 3_501_000_000_00 // 2334, 2_501_000_000_00 // 2334
    for n in range(2334):
        last = n == 2333
        amount = per + (3_501_000_000_00 - per * 2334 if last else 0)
        tech = tech_per + (2_501_000_000_00 - tech_per * 2334 if last else 0)
        add_contract("530100", "530300", date(2023, 1, 1 + n % 28), amount, tech, flush=False)
    add_contract("530300", "530100", date(2023, 6, 11), 9_000_000_00)
    add_contract("530100", "530100", date(2023, 6, 12), 1_00)  # the day after: not counted
    db.session.commit()


def test_the_kunming_sentence_exactly_and_the_second_place_and_province_phrases(ctx):
    _kunming_2023()  # 2,334 contracts: written once for the three sentences
    text = bulletin_text(db.session.get(Region, "530100"), YTD)
    assert text == ("截至6月11日,全市共登记技术合同2334份,合同成交额35.01亿元,技术交易额25.01亿元,"
                    "登记件数和成交额均为全省第一。")
    qujing = bulletin_text(db.session.get(Region, "530300"), YTD)
    assert qujing == "截至6月11日,全市共登记技术合同1份,合同成交额900.00万元,技术交易额900.00万元,登记件数和成交额均居全省第二。"
    yunnan = bulletin_text(db.session.get(Region, "530000"), YTD)
    assert yunnan.startswith("截至6月11日,全省共登记技术合同2335份,合同成交额35.10亿元,")
    assert yunnan.endswith("登记件数和成交额均为全国第一。")


def test_third_place_by_amount_only_and_ties(ctx):
    for city, amount, count in [("530100", 500_000_000_00, 1), ("530300", 400_000_000_00, 1),
                                ("530400", 300_000_000_00, 1), ("532900", 1_00, 6), ("532500", 1_00, 5),
                                ("530500", 1_00, 4), ("530700", 1_00, 4)]:
        for _ in range(count):
            add_contract(city, city, date(2025, 5, 5), amount)
    db.session.commit()
    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    yuxi = bulletin_text(db.session.get(Region, "530400"), year)
    assert yuxi == "2025年,全市共登记技术合同1份,合同成交额3.00亿元,技术交易额3.00亿元,成交额居全省第三。"
    baoshan = bulletin_text(db.session.get(Region, "530500"), year)
    assert baoshan.endswith("合同成交额0.00万元,技术交易额0.00万元,登记件数并列全省第三。")
    dali = bulletin_text(db.session.get(Region, "532900"), year)
    assert dali.startswith("2025年,全州共登记技术合同6份")
    assert dali.endswith("登记件数居全省第一。")


def test_city_without_contracts_and_area_words(ctx):
    add_contract("450100", "450100", date(2025, 1, 2), 2_000_000_00)
    db.session.commit()
    q1 = Period(date(2025, 1, 1), date(2025, 3, 31))
    assert bulletin_text(db.session.get(Region, "530600"), q1) == (
        "2025年第一季度,全市共登记技术合同0份,合同成交额0.00万元,技术交易额0.00万元。")
    assert bulletin_text(db.session.get(Region, "450000"), q1).startswith("2025年第一季度,全区共登记技术合同1份")
    assert bulletin_text(db.session.get(Region, "110000"), q1).startswith("2025年第一季度,全市共登记")
    inflow = bulletin_text(db.session.get(Region, "450100"), q1, side="buyer")
    assert inflow.startswith("2025年第一季度,全市共吸纳技术合同1份,合同成交额200.00万元")


def test_units_and_words():
    assert amount_text(99_999_999_99) == "1.00亿元"  # 9999.99999999万元 rounds to 1.00亿元, never 10000.00万元
    assert amount_text(99_999_949_99) == "9999.99万元"  # bulletin prose: no thousands separator
    assert amount_text(1_00_000_000_00) == "1.00亿元"
    assert amount_text(3_501_000_000_00) == "35.01亿元"
    assert [chinese_number(n) for n in (1, 3, 10, 12, 20, 23)] == ["一", "三", "十", "十二", "二十", "二十三"]
    assert ranking_phrase(1, 1, "全省") == "登记件数和成交额均为全省第一"
    assert ranking_phrase(5, 3, "全省") == "成交额居全省第三"
    assert ranking_phrase(2, 1, "全区") == "登记件数居全区第二,成交额居全区第一"
    assert ranking_phrase(1, 1, "全省", tied_count=True) == "登记件数并列全省第一,成交额居全省第一"
    assert ranking_phrase(4, 9, "全省") == ""
