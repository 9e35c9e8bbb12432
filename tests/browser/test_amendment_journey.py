"""In a real browser: the seller applies for 变更登记, the registrar approves, the page and history follow."""
import os
from datetime import date

import pytest
from playwright.sync_api import expect

from models import db
from tests.browser.test_journey import flash, log_in
from tests.contract_helpers import draft, officials, parties, register_path
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.frontend]
# Set to a folder to keep a screenshot of each page at desktop and phone width (for a person to look at).
SHOTS = os.environ.get("MARKET_SCREENSHOTS")


def shoot(page, name: str) -> None:
    if SHOTS:
        for width, label in ((1280, "desktop"), (390, "phone")):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=os.path.join(SHOTS, f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def registered(app):
    with app.app_context():
        seller, buyer = parties()
        seller_user = make_user("kust_li", "institute", seller, display_name="李研究员")
        official, _, _ = officials()
        contract = draft(seller, buyer, seller_user, amount_fen=1_000_000_00, deductions={"equipment": 80_000_00})
        register_path(contract, seller_user, official, on=date(2026, 6, 11))
        db.session.commit()
        return contract.id


def test_an_amendment_from_application_to_approval(page, registered):
    log_in(page, "kust_li", PASSWORD)
    page.goto(f"/contracts/{registered}")
    expect(page.get_by_text("云南省昆明市")).to_be_visible()
    shoot(page, "contract-detail")
    page.get_by_role("link", name="申请变更登记").click()
    page.get_by_label("变更理由").fill("双方签订补充协议，增加中试服务内容")
    page.get_by_label("合同成交额（元）").fill("1250000.00")
    page.get_by_label("设备（元）").fill("100000.50")
    page.get_by_label("技术领域").select_option("新能源与高效节能")
    shoot(page, "amend-form")
    page.get_by_role("button", name="提交变更申请").click()
    expect(flash(page)).to_contain_text("变更申请已提交")
    expect(page.get_by_text("待审核")).to_be_visible()
    expect(page.get_by_text("1,000,000.00元").first).to_be_visible()  # nothing moves before approval
    page.context.clear_cookies()

    log_in(page, "official_a", PASSWORD)
    page.goto(f"/contracts/{registered}")
    shoot(page, "amendment-review")
    page.get_by_role("button", name="准予变更登记").click()
    expect(flash(page)).to_contain_text("已变更")
    expect(page.get_by_text("1,250,000.00元").first).to_be_visible()
    expect(page.get_by_text("1,149,999.50元").first).to_be_visible()
    history = page.locator(".history")
    expect(history).to_contain_text("合同成交额 1,000,000.00元→1,250,000.00元")
    expect(history).to_contain_text("技术领域 新材料及其应用→新能源与高效节能")
    page.goto("/contracts/office/calendar")
    shoot(page, "calendar")
    page.goto("/contracts/office/years")
    shoot(page, "years")
    page.goto("/stats/?region=530100&from=2026-01-01&to=2026-12-31")
    expect(page.locator("#changes")).to_contain_text("变更登记 1 份：合同成交额 +25.00万元")
    shoot(page, "stats-changes")
