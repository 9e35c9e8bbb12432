"""Payments on record (资金结算登记): the plan, payments with PDF receipts, never more than the contract amount,
voids, who may do what, and 到账金额 in the statistics kept equal to a recount as contracts move."""
import io
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.contracts import services as contract_services
from marketplace.payments import services
from marketplace.stats import paid_rollup, services as stats_services
from marketplace.stats.periods import Period
from models import Contract, ContractEvent, Message, Payment, PaymentMilestone, Region, StatsPaidDaily, db
from tests.contract_helpers import amend, draft, register_path
from tests.factories import make_org, make_user

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_WITH_SCRIPT = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
AMOUNT = 1_000_000_00  # 100 万元
SIGNED = date(2026, 3, 2)


@pytest.fixture
def world(app):
    """A registered contract (seller institute in Kunming, buyer enterprise in Qujing), its people and strangers."""
    with app.app_context():
        seller = make_org("昆明理工大学（测试）", "高等院校", "530100")
        buyer = make_org("曲靖某能源公司（测试）", "企业", "530300")
        other = make_org("别家公司（测试）", "企业", "530100")
        km = make_org("昆明市科学技术局（测试）", "机关", "530100")
        cd = make_org("成都市科学技术局（测试）", "机关", "510100")
        inst = make_user("inst", "institute", seller)
        make_user("ent", "enterprise", buyer)
        make_user("stranger", "enterprise", other)
        official = make_user("official", "official", km)
        make_user("official_cd", "official", cd)
        contract = draft(seller, buyer, inst, AMOUNT)
        register_path(contract, inst, official, on=SIGNED + timedelta(days=3))
        unregistered = draft(seller, buyer, inst, AMOUNT, title="另一份合同")
        db.session.commit()
        return {"contract": contract.id, "unregistered": unregistered.id, "official": official.id}


def pay(client, contract_id, amount="300000.00", paid_on="2026-04-01", receipt=("回单.pdf", PDF), **extra):
    data = {"amount": amount, "paid_on": paid_on, "reference": extra.pop("reference", "BOC-001"), **extra}
    if receipt is not None:
        data["receipt"] = (io.BytesIO(receipt[1]), receipt[0])
    return client.post(f"/contracts/{contract_id}/payments", data=data, content_type="multipart/form-data")


def plan(client, contract_id, rows):
    data = {}
    for n, (title, due_on, amount) in enumerate(rows):
        data |= {f"rows-{n}-title": title, f"rows-{n}-due_on": due_on, f"rows-{n}-amount": amount}
    return client.post(f"/contracts/{contract_id}/payments/plan", data=data)


def stored_payments():
    return db.session.scalars(select(Payment).order_by(Payment.id)).all()


def paid_fen(contract_id):
    db.session.expire_all()
    return db.session.get(Contract, contract_id).paid_fen


def paid_cell(side, region, day, dim="all", category=""):
    row = db.session.get(StatsPaidDaily, (side, dim, day, region, category))
    return (row.payments, row.paid_fen) if row is not None and row.payments else (0, 0)


def test_the_parties_plan_and_record_payments_and_see_them_add_up(app, client, auth, world):
    cid = world["contract"]
    auth.login("inst")
    assert plan(client, cid, [("首付款", "2026-04-01", "300000.00"), ("验收款", "2026-09-30", "700000.00"),
                              ("", "", "")]).status_code == 302
    assert pay(client, cid).status_code == 302
    auth.logout()
    auth.login("ent")  # the buyer records the second payment, against the second instalment
    with app.app_context():
        second = db.session.scalar(select(PaymentMilestone.id).where(PaymentMilestone.seq == 2))
    assert pay(client, cid, "123456.78", "2026-05-06", milestone=str(second), reference="ICBC-2").status_code == 302
    page = client.get(f"/contracts/{cid}/payments")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "423,456.78" in html and "576,543.22" in html and "42.3%" in html  # paid, unpaid, share rounded down
    assert "首付款" in html and "验收款" in html and "回单.pdf" in html
    with app.app_context():
        assert paid_fen(cid) == 42_345_678
        payments = stored_payments()
        assert [(p.amount_fen, p.paid_on, p.reference) for p in payments] == [
            (30_000_000, date(2026, 4, 1), "BOC-001"), (12_345_678, date(2026, 5, 6), "ICBC-2")]
        assert payments[1].milestone.seq == 2 and payments[1].organisation.name == "曲靖某能源公司（测试）"
        history = [e.action for e in db.session.scalars(select(ContractEvent).where(ContractEvent.contract_id == cid)
                                                          .order_by(ContractEvent.id))]
        assert history[-3:] == ["payment_plan", "payment", "payment"]
        # Each side is told of what the other recorded (and its own colleagues, not the actor).
        told = db.session.scalars(select(Message.subject).where(Message.category == "contract")).all()
        assert "合同“燃料电池催化剂委托开发”登记了到账 123,456.78元（2026-05-06），累计 423,456.78元" in told
        # 到账金额 by payment date, in the seller's (Kunming) and the buyer's (Qujing) cells.
        assert paid_cell("seller", "530100", date(2026, 4, 1)) == (1, 30_000_000)
        assert paid_cell("buyer", "530300", date(2026, 5, 6)) == (1, 12_345_678)
        assert paid_cell("seller", "530100", date(2026, 5, 6), "type", "技术开发") == (1, 12_345_678)
        assert paid_rollup.verify()
    receipt = client.get(f"/contracts/{cid}/payments/{payments[0].id}/receipt")
    assert receipt.status_code == 200 and receipt.data == PDF
    assert receipt.headers["Content-Disposition"].startswith("attachment")
    receipt.close()


def test_never_more_than_the_contract_amount_to_the_fen(app, client, auth, world):
    cid = world["contract"]
    auth.login("inst")
    assert pay(client, cid, "999999.99").status_code == 302
    refused = pay(client, cid, "0.02")
    assert refused.status_code == 400 and "超过合同尚未到账的 0.01元" in refused.get_data(as_text=True)
    assert pay(client, cid, "0.01").status_code == 302
    assert pay(client, cid, "0.01").status_code == 400
    with app.app_context():
        assert paid_fen(cid) == AMOUNT and len(stored_payments()) == 2
    # The plan may not exceed the contract either.
    over = plan(client, cid, [("一期", "2026-04-01", "600000.00"), ("二期", "2026-05-01", "400000.01")])
    assert over.status_code == 400 and "超过合同成交额" in over.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaymentMilestone)) == 0


@pytest.mark.parametrize("fields, message", [
    ({"amount": "abc"}, "金额"),
    ({"amount": "-5"}, "金额"),
    ({"amount": "0"}, "金额"),
    ({"amount": "1.001"}, "金额"),
    ({"amount": "1e9"}, "金额"),
    ({"amount": "99999999999999999999"}, "金额"),
    ({"amount": ""}, "请填写到账金额"),
    ({"paid_on": "2026-13-01"}, "到账日期"),
    ({"paid_on": "2026-03-01"}, "合同签订日"),  # before the contract was signed
    ({"paid_on": "2099-01-01"}, "至今天之间"),
    ({"receipt": None}, "请上传付款回单"),
    ({"receipt": ("回单.png", PNG)}, "PDF"),
    ({"receipt": ("回单.pdf", PDF_WITH_SCRIPT)}, "回单.pdf"),
    ({"receipt": ("空.pdf", b"")}, "请上传付款回单"),
    ({"milestone": "abc"}, "付款计划"),
    ({"milestone": "999999"}, "付款计划"),
    ({"reference": "x" * 65}, "回单号"),
])
def test_bad_input_is_refused_and_stores_nothing(app, client, auth, world, fields, message):
    auth.login("inst")
    response = pay(client, world["contract"], **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert stored_payments() == [] and paid_fen(world["contract"]) == 0
        assert paid_rollup.stored() == {}


@pytest.mark.parametrize("rows, message", [
    ([("一期", "2026-13-01", "100.00")], "应付日期格式"),
    ([("一期", "2026-01-01", "100.00")], "合同签订日"),
    ([("一期", "2026-05-01", "")], "请填写金额"),
    ([("一期", "2026-05-01", "abc")], "金额"),
    ([("", "2026-05-01", "100.00")], "请填写名称"),
    ([("一期", "2026-05-01", "-1")], "金额"),
])
def test_a_bad_plan_is_refused_and_stores_nothing(app, client, auth, world, rows, message):
    auth.login("inst")
    response = plan(client, world["contract"], rows)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaymentMilestone)) == 0


def test_who_may_read_and_write(app, client, auth, world):
    cid = world["contract"]
    auth.login("inst")
    assert pay(client, cid).status_code == 302
    with app.app_context():
        payment_id = stored_payments()[0].id
    auth.logout()
    # Another organisation learns nothing: the page, the receipt and every write are 404 (writes store nothing).
    auth.login("stranger")
    assert client.get(f"/contracts/{cid}/payments").status_code == 404
    assert client.get(f"/contracts/{cid}/payments/{payment_id}/receipt").status_code == 404
    assert pay(client, cid).status_code == 404
    assert plan(client, cid, [("一期", "2026-05-01", "1.00")]).status_code == 404
    assert client.post(f"/contracts/{cid}/payments/{payment_id}/void", data={"reason": "x"}).status_code == 404
    auth.logout()
    # The registrar of the contract's region reads, but records nothing (no permission to write).
    auth.login("official")
    assert client.get(f"/contracts/{cid}/payments").status_code == 200
    receipt = client.get(f"/contracts/{cid}/payments/{payment_id}/receipt")
    assert receipt.status_code == 200
    receipt.close()
    assert pay(client, cid).status_code == 403
    auth.logout()
    auth.login("official_cd")
    assert client.get(f"/contracts/{cid}/payments").status_code == 404
    auth.logout()
    assert client.get(f"/contracts/{cid}/payments").status_code == 302  # to the log-in page
    with app.app_context():
        assert len(stored_payments()) == 1 and paid_fen(cid) == 30_000_000


def test_only_a_registered_contract_takes_payments(app, client, auth, world):
    auth.login("inst")
    response = pay(client, world["unregistered"])
    assert response.status_code == 409 and "只有已登记的合同" in response.get_data(as_text=True)
    with app.app_context():
        assert stored_payments() == []


def test_a_void_is_kept_on_record_and_stops_counting(app, client, auth, world):
    cid = world["contract"]
    auth.login("inst")
    pay(client, cid, "100.00")
    with app.app_context():
        payment_id = stored_payments()[0].id
    auth.logout()
    auth.login("ent")  # the other party may not void what the seller recorded
    client.post(f"/contracts/{cid}/payments/{payment_id}/void", data={"reason": "不是这笔"})
    with app.app_context():
        assert stored_payments()[0].voided_at is None
    auth.logout()
    auth.login("inst")
    client.post(f"/contracts/{cid}/payments/{payment_id}/void", data={"reason": ""})  # a reason is required
    with app.app_context():
        assert stored_payments()[0].voided_at is None
    assert client.post(f"/contracts/{cid}/payments/{payment_id}/void", data={"reason": "金额录错"}).status_code == 302
    with app.app_context():
        payment = stored_payments()[0]
        assert payment.voided_at is not None and payment.void_reason == "金额录错"
        assert paid_fen(cid) == 0 and paid_rollup.stored() == {} and paid_rollup.verify()
    assert "已作废（金额录错）" in client.get(f"/contracts/{cid}/payments").get_data(as_text=True)
    client.post(f"/contracts/{cid}/payments/{payment_id}/void", data={"reason": "再来一次"})  # once only
    with app.app_context():
        assert stored_payments()[0].void_reason == "金额录错"


def test_a_resubmitted_form_records_one_payment(app, client, auth, world):
    auth.login("inst")
    assert pay(client, world["contract"], request_key="form-1").status_code == 302
    assert pay(client, world["contract"], request_key="form-1").status_code == 302
    with app.app_context():
        assert len(stored_payments()) == 1 and paid_fen(world["contract"]) == 30_000_000


def test_paid_cells_move_with_amendments_and_leave_with_a_cancellation(app, ctx, world):
    contract = db.session.get(Contract, world["contract"])
    inst = contract.created_by_id
    from models import User
    inst, official = db.session.get(User, inst), db.session.get(User, world["official"])
    services.record_payment(inst, contract.id, 40_000_00, date(2026, 4, 1), _receipt())
    services.record_payment(inst, contract.id, 10_000_00, date(2026, 4, 2), _receipt())
    db.session.commit()
    assert paid_cell("buyer", "530300", date(2026, 4, 1)) == (1, 40_000_00)
    # An amendment moves the buyer to Yuxi and the type to 技术服务: both payments' cells move with it.
    amend(contract, inst, [official, official], "买方变更", buyer_region="530400", contract_type="技术服务",
          subtype=None)
    db.session.commit()
    assert paid_cell("buyer", "530300", date(2026, 4, 1)) == (0, 0)
    assert paid_cell("buyer", "530400", date(2026, 4, 1)) == (1, 40_000_00)
    assert paid_cell("seller", "530100", date(2026, 4, 2), "type", "技术服务") == (1, 10_000_00)
    assert paid_cell("seller", "530100", date(2026, 4, 2), "type", "技术开发") == (0, 0)
    assert paid_rollup.verify()
    # The amount may not be amended below what has been paid.
    from marketplace.contracts.workflow import ContractError
    with pytest.raises(ContractError, match="不得低于已登记到账"):
        amend(contract, inst, [official, official], "减少金额", amount_fen=49_999_99)
    db.session.rollback()
    # Cancelling the registration takes its payments out of 到账金额.
    contract = db.session.get(Contract, world["contract"])
    contract_services.transition(contract, "cancel", official, "合同解除")
    db.session.commit()
    assert paid_rollup.stored() == {} and paid_rollup.verify()


def test_paid_figures_on_the_statistics_pages(app, client, auth, world):
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        from models import User
        inst = db.session.get(User, contract.created_by_id)
        services.record_payment(inst, contract.id, 12_345_678, date(2026, 4, 1), _receipt())
        db.session.commit()
        year = Period(date(2026, 1, 1), date(2026, 12, 31))
        yunnan = db.session.get(Region, "530000")
        assert stats_services.paid_figures(yunnan, year)[0].paid_fen == 12_345_678
        rows, total = stats_services.paid_by_region(yunnan, year, "buyer")
        assert dict(rows)["曲靖市"].paid_fen == 12_345_678 and total.payments == 1
        assert dict(stats_services.paid_breakdown(None, year, "field"))["新材料及其应用"].paid_fen == 12_345_678
    page = client.get("/stats/?region=530000&period=year&year=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "到账金额" in html and "12.35万元" in html
    export = client.get("/stats/export/paid_regions.csv?region=530000&period=year&year=2026")
    assert export.status_code == 200 and "123456.78" in export.get_data(as_text=True)
    # the same figures in the API, by the buyer's cities and by field, dated by the payment
    by_city = client.get("/api/v1/stats/paid?region=530000&by=buyer&from=2026-01-01&to=2026-12-31").json
    assert {"name": "曲靖市", "payments": 1, "paid_amount": "123456.78"} in by_city["items"]
    assert by_city["total"]["paid_amount"] == "123456.78" and by_city["total"]["previous"]["paid_amount"] == "0.00"
    by_field = client.get("/api/v1/stats/paid?dim=field&from=2026-01-01&to=2026-12-31").json
    assert {"name": "新材料及其应用", "payments": 1, "paid_amount": "123456.78"} in by_field["items"]
    before = client.get("/api/v1/stats/paid?dim=type&from=2026-01-01&to=2026-03-31").json
    assert before["total"]["paid_amount"] == "0.00"  # paid on 1 April: not in the first quarter
    assert client.get("/api/v1/stats/paid?dim=ip").status_code == 400


def test_concurrent_payments_never_pass_the_contract_amount(app, world):
    """Eight threads, each with its own session, record 30 % of the amount at once: three succeed, to the fen."""
    cid = world["contract"]
    with app.app_context():
        user_id = db.session.get(Contract, cid).created_by_id
    outcomes, barrier = [], threading.Barrier(8)

    def attempt(n):
        with app.app_context():
            from models import User
            user = db.session.get(User, user_id)
            db.session.rollback()
            barrier.wait()
            try:
                services.record_payment(user, cid, AMOUNT * 3 // 10, date(2026, 4, 1), _receipt())
                db.session.commit()
                outcomes.append("ok")
            except services.PaymentError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["invalid"] * 5 + ["ok"] * 3
    with app.app_context():
        assert paid_fen(cid) == AMOUNT * 9 // 10 == sum(p.amount_fen for p in stored_payments())
        assert paid_rollup.verify()


def _receipt():
    from marketplace.files import Upload
    return Upload("回单.pdf", PDF)
