"""Contract pages through the real app: filing, double submit, bad input, access, certificate."""
import io

import pytest
from sqlalchemy import func, select

from models import Contract, db
from tests.contract_helpers import draft, officials, parties, register_path
from tests.factories import make_user

FORM = {
    "idempotency_key": "key-1", "contract_type": "技术转让", "subtype": "", "title": "三七总皂苷提取工艺转让",
    "tech_field": "生物医药和医疗器械", "buyer_name": "某制药公司", "buyer_type": "企业", "buyer_region": "530300",
    "signed_on": "2026-03-02", "contract_amount": "3501000.50", "deduct_equipment": "1000.25",
}


@pytest.fixture
def world(app):
    with app.app_context():
        seller, buyer = parties()
        ids = dict(seller_user=make_user("seller_user", "institute", seller).id,
                   buyer_user=make_user("buyer_user", "enterprise", buyer).id,
                   outsider=make_user("outsider", "institute").id)
        a, b, cd = officials()
        ids.update(official_a=a.username, official_cd=cd.username)
        c = draft(seller, buyer, db.session.get(type(a), ids["seller_user"]))
        register_path(c, db.session.get(type(a), ids["seller_user"]), a)
        ids["registered_id"] = c.id
        ids["draft_id"] = draft(seller, buyer, db.session.get(type(a), ids["seller_user"]), title="待签合同").id
        db.session.commit()
    return ids


def count_contracts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contract))


def test_filing_twice_with_same_key_creates_one_draft(app, client, auth, world):
    auth.login("seller_user")
    before = count_contracts(app)
    first = client.post("/contracts/new", data=FORM)
    second = client.post("/contracts/new", data=FORM)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_contracts(app) == before + 1
    with app.app_context():
        c = db.session.scalar(select(Contract).where(Contract.idempotency_key == "key-1"))
        assert (c.contract_amount_fen, c.tech_amount_fen) == (350100050, 350100050 - 100025)
        assert c.seller_name == "昆明理工大学（测试）" and c.seller_region == "530100"


@pytest.mark.parametrize("field, value, message", [
    ("contract_amount", "NaN", "金额格式不正确"),
    ("contract_amount", "1e9", "金额格式不正确"),
    ("contract_amount", "-5", "负数"),
    ("contract_amount", "1.001", "2 位小数"),
    ("contract_amount", "99999999999999", "金额过大"),
    ("contract_amount", "0", "大于 0"),
    ("deduct_other", "99999999", "不能超过合同成交额"),
    ("contract_type", "技术入股", "合同类型"),
    ("buyer_region", "999999", "买方地区"),
    ("signed_on", "2026-02-30", "YYYY-MM-DD"),
    ("title", "", "项目名称"),
    ("title", "长" * 201, "200"),
])
def test_bad_input_stores_nothing(app, client, auth, world, field, value, message):
    auth.login("seller_user")
    before = count_contracts(app)
    response = client.post("/contracts/new", data={**FORM, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_contracts(app) == before


def test_other_organisation_cannot_see_contract(client, auth, world):
    auth.login("outsider")
    assert client.get(f"/contracts/{world['registered_id']}").status_code == 404
    assert client.get(f"/contracts/{world['registered_id']}/certificate").status_code == 404
    assert client.post(f"/contracts/{world['registered_id']}/action", data={"action": "cancel"}).status_code == 404


def test_official_out_of_region_cannot_act(client, auth, world):
    auth.login(world["official_cd"])
    assert client.get(f"/contracts/{world['registered_id']}").status_code == 404


def test_certificate_shows_number_parties_and_amounts(client, auth, world):
    auth.login("buyer_user")
    page = client.get(f"/contracts/{world['registered_id']}/certificate").get_data(as_text=True)
    for text in ("2026530100000001", "昆明理工大学（测试）", "云南某能源公司（测试）", "技术开发", "1,000,000.00元"):
        assert text in page


def test_official_registers_through_the_page(app, client, auth, world):
    auth.login("seller_user")
    client.post("/contracts/new", data=FORM)
    with app.app_context():
        contract_id = db.session.scalar(select(Contract.id).where(Contract.idempotency_key == "key-1"))
    client.post(f"/contracts/{contract_id}/action", data={"action": "file"})
    auth.logout()
    auth.login(world["official_a"])
    assert "已超期" not in client.get("/contracts/").get_data(as_text=True)
    client.post(f"/contracts/{contract_id}/action", data={"action": "accept"})
    refused = client.post(f"/contracts/{contract_id}/action", data={"action": "refuse", "refusal_reason": ""},
                          follow_redirects=True)
    assert "不予登记必须填写原因" in refused.get_data(as_text=True)
    client.post(f"/contracts/{contract_id}/action", data={"action": "register"})
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert contract.status == "registered" and contract.registration_no.endswith("000002")


def test_pdf_upload_checks_content(app, client, auth, world):
    # Attachments change only while the contract is editable (a draft here).
    auth.login("buyer_user")
    fake = client.post(f"/contracts/{world['draft_id']}/attachments",
                       data={"document": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")}, follow_redirects=True)
    assert "无权" in fake.get_data(as_text=True)
    auth.logout()
    auth.login("seller_user")
    bad = client.post(f"/contracts/{world['draft_id']}/attachments",
                      data={"document": (io.BytesIO(b"<html>"), "a.pdf")}, follow_redirects=True)
    assert "只接受 PDF" in bad.get_data(as_text=True)
    good = client.post(f"/contracts/{world['draft_id']}/attachments",
                       data={"document": (io.BytesIO(b"%PDF-1.4 real"), "signed.pdf")}, follow_redirects=True)
    assert "signed.pdf" in good.get_data(as_text=True)
    with app.app_context():
        attachment = db.session.get(Contract, world["draft_id"]).attachments[0]
    download = client.get(f"/contracts/{world['draft_id']}/attachments/{attachment.id}")
    assert download.data == b"%PDF-1.4 real"
    download.close()


@pytest.mark.parametrize("url", ["/contracts/99999999999999999999", "/contracts/2147483648/certificate",
                                 "/api/v1/results/99999999999999999999"])
def test_ids_beyond_integer_keys_are_404(client, auth, world, url):
    auth.login("seller_user")
    assert client.get(url).status_code == 404
