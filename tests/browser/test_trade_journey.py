"""End-to-end in a real browser: an enterprise registers for an auction and bids; a party records a payment."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.trading import services as trading
from models import Bid, Contract, Payment, TechResult, Trade, TradeParty, User, db
from models.base import utcnow
from tests import factories
from tests.browser.test_journey import PHONE, flash, horizontal_overflow, log_in
from tests.contract_helpers import draft, register_path

pytestmark = [pytest.mark.browser, pytest.mark.frontend]

TITLE = "高原特色植物提取物稳定化技术"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def auction(live_server):
    """A Yunnan University result at auction from 100 万元 (increment 1 万元), closing in three days."""
    with live_server.app.app_context():
        ynu = factories.make_org(name="云南大学（竞价旅程）", org_type="高等院校")
        teacher = factories.make_user("ynu_owner", org=ynu, display_name="王老师")
        result = factories.make_result(ynu, teacher, title=TITLE)
        factories.make_user("baiyao_bidder", role="enterprise", display_name="采购部刘经理")
        trade = trading.publish(teacher, result, "auction", {
            "transfer_mode": "转让", "price_fen": 100_000_000, "increment_fen": 1_000_000,
            "ends_at": utcnow() + timedelta(days=3)})
        db.session.commit()
        return trade.id


def test_an_enterprise_registers_is_approved_and_bids(page, live_server, browser_log, auction):
    log_in(page, "baiyao_bidder", live_server.password)
    page.goto("/results")
    page.get_by_role("link", name=TITLE).first.click()
    page.locator(f"a[href='/trades/{auction}']").first.click()
    page.get_by_label("受让条件 / 报名说明").fill("一次付清，三个月内完成技术交接。")
    page.get_by_role("button", name="报名").click()
    expect(flash(page)).to_be_visible()
    with live_server.app.app_context():  # the owner approves and records the deposit (its own page, tested elsewhere)
        trade = db.session.get(Trade, auction)
        party = db.session.scalar(select(TradeParty).where(TradeParty.trade_id == auction))
        owner = db.session.scalar(select(User).where(User.username == "ynu_owner"))
        trading.decide_party(owner, trade, party, True)
        db.session.commit()
    page.reload()
    page.get_by_label("出价（元）").fill("990000")  # below the starting price of 100 万: refused, nothing stored
    page.get_by_role("button", name="出价", exact=True).click()
    expect(page.locator("main")).to_contain_text("出价不能低于")
    page.get_by_label("出价（元）").fill("1010000.00")
    page.get_by_role("button", name="出价", exact=True).click()
    expect(flash(page)).to_contain_text("出价成功")
    expect(page.locator("#current-price")).to_contain_text("1,010,000.00")
    expect(page.locator("main")).to_contain_text("贵单位的出价")
    page.set_viewport_size(PHONE)
    page.reload()
    assert horizontal_overflow(page) <= 0, "the auction page scrolls sideways on a 375 px wide screen"
    with live_server.app.app_context():
        assert [b.amount_fen for b in db.session.scalars(select(Bid))] == [101_000_000]
    assert browser_log.offsite_requests == [] and browser_log.script_errors == [] and browser_log.csp_violations == []


def test_a_party_records_a_payment_with_its_receipt(page, live_server, browser_log, tmp_path):
    with live_server.app.app_context():
        seller = factories.make_org(name="昆明理工大学（到账旅程）", org_type="高等院校")
        buyer = factories.make_org(name="曲靖某能源公司（到账旅程）", org_type="企业", region_code="530300")
        teacher = factories.make_user("kust_teacher", org=seller, display_name="李老师")
        official = factories.make_user("km_registrar", role="official",
                                       org=factories.make_org(name="昆明市科技局（到账旅程）", org_type="机关"))
        contract = draft(seller, buyer, teacher, 500_000_00, title=TITLE)
        register_path(contract, teacher, official, on=date(2026, 3, 10))
        db.session.commit()
        contract_id = contract.id
    receipt = tmp_path / "工商银行回单.pdf"
    receipt.write_bytes(PDF)
    log_in(page, "kust_teacher", live_server.password)
    page.goto(f"/contracts/{contract_id}")
    page.get_by_role("link", name="付款计划与到账记录").click()
    page.get_by_label("到账金额（元）").fill("150000.50")
    page.get_by_label("到账日期").fill("2026-04-01")
    page.get_by_label("银行回单号或转账流水号（选填）").fill("ICBC-2026-0401")
    page.get_by_label("付款回单（PDF，不超过 10 MB）").set_input_files(str(receipt))
    page.get_by_role("button", name="登记到账").click()
    expect(flash(page)).to_contain_text("到账已登记")
    expect(page.locator("#paid-total")).to_contain_text("150,000.50")
    expect(page.locator("#unpaid-total")).to_contain_text("349,999.50")
    expect(page.get_by_role("link", name="工商银行回单.pdf")).to_be_visible()
    page.set_viewport_size(PHONE)
    page.reload()
    assert horizontal_overflow(page) <= 0, "the payment page scrolls sideways on a 375 px wide screen"
    with live_server.app.app_context():
        assert [(p.amount_fen, p.reference) for p in db.session.scalars(select(Payment))] == [
            (15_000_050, "ICBC-2026-0401")]
        assert db.session.get(Contract, contract_id).paid_fen == 15_000_050
        assert db.session.scalar(select(TechResult.id)) is None  # nothing else was made on the way
    assert browser_log.offsite_requests == [] and browser_log.script_errors == [] and browser_log.csp_violations == []
