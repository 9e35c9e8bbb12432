"""Review deadlines in statutory working days: holidays, 调休 Saturdays, years the package does not know."""
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.contracts import services
from marketplace.contracts.deadlines import PACKAGE_LAST_YEAR, WorkCalendar, add_working_days, review_due
from models import CalendarDay, Contract, db
from marketplace.api.tokens import create_token
from tests.api_helpers import bearer
from tests.contract_helpers import draft, officials, parties
from tests.factories import make_user


@pytest.mark.parametrize("start, days, due", [
    (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Saturday 14 February 2026 is a 调休 working day
    (date(2026, 2, 13), 2, date(2026, 2, 24)),  # then the Spring Festival holiday, 15–23 February
    (date(2026, 9, 30), 1, date(2026, 10, 8)),  # National Day, 1–7 October
    (date(2026, 11, 27), 15, date(2026, 12, 18)),  # no holiday: weekends only
])
def test_the_statutory_calendar(start, days, due):
    assert add_working_days(start, days) == due


def test_large_contracts_get_thirty_working_days():
    assert review_due(date(2026, 12, 1), 500 * 1_000_000) == add_working_days(date(2026, 12, 1), 30)
    assert review_due(date(2026, 12, 1), 500 * 1_000_000 - 1) == date(2026, 12, 22)


def test_past_the_package_the_weekday_rule_is_provisional_until_officials_enter_the_year():
    calendar = WorkCalendar()
    assert PACKAGE_LAST_YEAR == 2026 and not calendar.knows(2027)
    due = calendar.add_working_days(date(2026, 12, 1), 30)
    assert due == date(2027, 1, 12) and calendar.provisional(date(2026, 12, 1), due)
    entered = WorkCalendar({date(2027, 1, 1): False, date(2027, 1, 4): False})
    assert entered.knows(2027) and not entered.provisional(date(2026, 12, 1), due)
    assert entered.add_working_days(date(2026, 12, 1), 30) == date(2027, 1, 14)  # two weekdays taken out
    assert WorkCalendar({date(2027, 1, 9): True}).is_working_day(date(2027, 1, 9))  # an entered 调休 Saturday


@pytest.fixture
def filed(app):
    """A large contract filed today (its 30 working days run into next year) and a small one."""
    with app.app_context():
        seller, buyer = parties()
        seller_user = make_user("seller_user", "institute", seller)
        officials()
        make_user("inst_user", "institute")
        large = draft(seller, buyer, seller_user, amount_fen=600 * 1_000_000)
        small = draft(seller, buyer, seller_user, title="小合同")
        for contract in (large, small):
            services.transition(contract, "file", seller_user, on=date(2026, 12, 1))
        token = create_token(seller_user, "测试")
        db.session.commit()
        return {"large": large.id, "small": small.id, "token": token}


def test_the_contract_page_says_a_deadline_is_provisional(client, auth, filed):
    auth.login("official_a")
    page = client.get(f"/contracts/{filed['large']}").get_data(as_text=True)
    assert "办结期限 2027-01-12" in page and "2027 年节假日安排尚未录入，暂按周末推算" in page
    small = client.get(f"/contracts/{filed['small']}").get_data(as_text=True)
    assert "办结期限 2026-12-22" in small and "暂按周末推算" not in small


def test_entering_a_holiday_recomputes_the_deadlines_under_review(app, client, auth, filed):
    auth.login("official_a")
    assert client.get("/contracts/office/calendar").status_code == 200
    page = client.post("/contracts/office/calendar", data={"day": "2027-01-04", "kind": "holiday", "name": "元旦"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已录入 2027-01-04" in page and "1 份在审合同的办结期限已重算" in page
    with app.app_context():
        large = db.session.get(Contract, filed["large"])
        assert large.due_on == date(2027, 1, 13)
        assert large.events[-1].action == "deadline" and "2027-01-12 → 2027-01-13" in large.events[-1].comment
        assert db.session.get(Contract, filed["small"]).due_on == date(2026, 12, 22)
    detail = client.get(f"/contracts/{filed['large']}").get_data(as_text=True)
    assert "暂按周末推算" not in detail and "办结期限调整" in detail
    api = client.get(f"/api/v1/contracts/{filed['large']}", headers=bearer(filed["token"])).json
    assert api["due_on"] == "2027-01-13" and api["events"][-1]["label"] == "办结期限调整"
    client.post("/contracts/office/calendar/remove", data={"day": "2027-01-04"})
    with app.app_context():
        assert db.session.get(Contract, filed["large"]).due_on == date(2027, 1, 12)


@pytest.mark.parametrize("form, message", [
    ({"day": "2027-13-01", "kind": "holiday"}, "日期格式应为 YYYY-MM-DD"),
    ({"day": "1899-01-01", "kind": "holiday"}, "日期超出合理范围"),
    ({"day": "2027-01-04", "kind": "party"}, "请选择法定节假日或调休上班日"),
    ({"day": "", "kind": "holiday"}, "请填写日期"),
    ({"day": "2027-01-04", "kind": "holiday", "name": "长" * 41}, "名称不能超过 40 字"),
])
def test_bad_calendar_entries_are_refused(app, client, auth, filed, form, message):
    auth.login("official_a")
    page = client.post("/contracts/office/calendar", data=form).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalars(select(CalendarDay)).all() == []


def test_only_officials_and_admins_keep_the_calendar(client, auth, filed):
    auth.login("inst_user")
    assert client.get("/contracts/office/calendar").status_code == 403
    assert client.post("/contracts/office/calendar", data={"day": "2027-01-04", "kind": "holiday"}).status_code == 403
