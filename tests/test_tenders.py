"""招标 for a need: sealed proposals nobody can read before the opening, late ones refused, scores and the award
told to every bidder, the winner's contract draft; bad input refused and nothing stored."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.tenders import services
from models import Contract, Message, Tender, TenderEvent, TenderFile, TenderProposal, db
from models.base import utcnow
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WAN = 1_000_000


@pytest.fixture
def world(app):
    with app.app_context():
        baiyao = factories.make_org(name="云南白药（招标测试）", org_type="企业")
        buyer = factories.make_user("buyer", role="enterprise", org=baiyao)
        need = factories.make_need(baiyao, buyer, title="三七皂苷高纯度分离工艺")
        ids = {"need": need.id, "buyer": buyer.id}
        for name in ("kust", "ynu"):
            org = factories.make_org(name=f"{name}大学", org_type="高等院校")
            ids[name] = factories.make_user(name, org=org).id
        ids["other_ent"] = factories.make_user("other_ent", role="enterprise").id
        db.session.commit()
        return ids


def site_time(moment):
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")


def tender_of():
    return db.session.scalars(select(Tender)).one()


def propose(client, tender_id, price="80", body="采用大孔树脂与制备色谱联用，纯度≥98%。", files=()):
    data = {"price": price, "body": body, "files": [(io.BytesIO(payload), name) for name, payload in files]}
    response = client.post(f"/tenders/{tender_id}/proposals", data=data, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()
    return response


def open_now(tender_id):
    """Move the deadline and the opening into the past (as if their time had come)."""
    tender = db.session.get(Tender, tender_id)
    tender.deadline_at = tender.opens_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_tender_from_publication_to_the_contract(app, client, auth, world):
    auth.login("buyer")
    page = client.get(f"/needs/{world['need']}")
    assert f"/tenders/new/{world['need']}" in page.text
    deadline = utcnow() + timedelta(days=10)
    response = client.post(f"/tenders/new/{world['need']}", data={
        "requirements": "纯度≥98%，收率≥70%，提供中试数据。", "budget": "100", "deadline_at": site_time(deadline)})
    assert response.status_code == 302
    with app.app_context():
        tender = tender_of()
        assert tender.budget_fen == 100 * WAN and tender.opens_at == tender.deadline_at
        tender_id = tender.id
    assert f'href="/tenders/{tender_id}"' in client.get(f"/needs/{world['need']}").text
    auth.logout()

    auth.login("kust")
    assert propose(client, tender_id, price="120").status_code == 400  # above the budget
    assert propose(client, tender_id, price="90", files=[("方案.pdf", PDF)]).status_code == 302
    assert propose(client, tender_id, price="85").status_code == 302  # replaces its own proposal
    own = client.get(f"/tenders/{tender_id}").text
    assert "850,000.00元" in own and "贵单位的投标" in own
    auth.logout()
    auth.login("ynu")
    assert propose(client, tender_id, price="95", files=[("资质.pdf", PDF)]).status_code == 302
    assert "850,000.00元" not in client.get(f"/tenders/{tender_id}").text  # not another bidder's
    auth.logout()

    # sealed until the opening: the owner sees the count only, and no file downloads
    auth.login("buyer")
    with app.app_context():
        file_id = db.session.scalar(select(TenderFile.id))
        kust_proposal = db.session.scalar(select(TenderProposal.id).where(TenderProposal.price_fen == 85 * WAN))
    sealed = client.get(f"/tenders/{tender_id}").text
    assert "2 份" in sealed and "950,000.00元" not in sealed and "大孔树脂" not in sealed
    assert client.get(f"/tenders/{tender_id}/files/{file_id}").status_code == 404
    assert client.post(f"/tenders/{tender_id}/proposals/{kust_proposal}/award", data={"note": ""}).status_code == 302
    with app.app_context():
        assert tender_of().status == "open"  # not before the opening
        open_now(tender_id)
    opened = client.get(f"/tenders/{tender_id}").text
    assert "950,000.00元" in opened and "850,000.00元" in opened and "大孔树脂" in opened
    download = client.get(f"/tenders/{tender_id}/files/{file_id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert client.post(f"/tenders/{tender_id}/proposals/{kust_proposal}/score",
                       data={"score": "88", "note": "方案成熟"}).status_code == 302
    assert client.post(f"/tenders/{tender_id}/proposals/{kust_proposal}/award",
                       data={"note": "综合评分最高"}).status_code == 302
    auth.logout()
    with app.app_context():
        tender = tender_of()
        assert tender.status == "awarded" and tender.awarded_proposal_id == kust_proposal
        statuses = dict(db.session.execute(select(TenderProposal.price_fen, TenderProposal.status)).all())
        assert statuses == {85 * WAN: "awarded", 95 * WAN: "not_awarded"}
        told = {m.recipient_id: m.subject for m in db.session.scalars(select(Message).where(Message.category == "trade"))}
        assert told[world["kust"]].endswith("贵单位中标") and told[world["ynu"]].endswith("贵单位未中标")
        assert [e.action for e in tender.events] == ["publish", "submit", "submit", "submit", "score", "award"]
    # late proposals are refused; the winner drafts the contract (it files it, as the seller)
    auth.login("ynu")
    assert propose(client, tender_id, price="70").status_code == 409
    auth.logout()
    auth.login("kust")
    response = client.post(f"/tenders/{tender_id}/contract", data={"signed_on": "2026-11-20"})
    assert response.status_code == 302 and "/contracts/" in response.headers["Location"]
    with app.app_context():
        contract = db.session.scalars(select(Contract)).one()
        assert (contract.contract_type, contract.contract_amount_fen) == ("技术开发", 85 * WAN)
        assert (contract.seller_name, contract.buyer_name) == ("kust大学", "云南白药（招标测试）")


def test_only_institutes_of_other_organisations_bid_and_bad_input_stores_nothing(app, client, auth, world):
    with app.app_context():
        from models import TechNeed, User

        tender = services.publish(db.session.get(User, world["buyer"]), db.session.get(TechNeed, world["need"]),
                                  {"deadline_at": utcnow() + timedelta(days=3)})
        db.session.commit()
        tender_id = tender.id
    auth.login("other_ent")
    assert propose(client, tender_id).status_code == 403  # enterprises do not bid
    auth.logout()
    auth.login("kust")
    for price, body, message in (("abc", "方案", "金额格式不正确"), ("-5", "方案", "不能为负"), ("80", "  ", "技术方案说明"),
                                 ("1e3", "方案", "金额格式不正确")):
        response = propose(client, tender_id, price=price, body=body)
        assert response.status_code == 400 and message in response.text, price
    response = propose(client, tender_id, files=[("x.pdf", b"<script>alert(1)</script>")])
    assert response.status_code == 400 and "只接受 PDF 或 PNG" in response.text
    auth.logout()
    auth.login("buyer")
    for fields, message in (({"deadline_at": "明天"}, "格式不正确"),
                            ({"deadline_at": site_time(utcnow() - timedelta(days=1))}, "至少在一小时之后"),
                            ({"deadline_at": site_time(utcnow() + timedelta(days=5)),
                              "opens_at": site_time(utcnow() + timedelta(days=4))}, "开标时间不能早于"),
                            ({"deadline_at": site_time(utcnow() + timedelta(days=5)), "budget": "0"}, "预算上限")):
        response = client.post(f"/tenders/new/{world['need']}", data={"requirements": "要求", **fields})
        assert response.status_code == 400 and message in response.text, fields
    with app.app_context():
        assert db.session.scalar(select(func.count(TenderProposal.id))) == 0
        assert db.session.scalar(select(func.count(Tender.id))) == 1
        assert db.session.scalar(select(func.count(TenderEvent.id))) == 1


def test_the_api_puts_a_need_out_to_tender_scores_after_the_opening_and_drafts_the_winners_contract(app, client,
                                                                                                    world):
    from marketplace.api.tokens import create_token
    from models import User

    with app.app_context():
        tokens = {name: create_token(db.session.get(User, world[name]), "t") for name in ("buyer", "kust", "other_ent")}
        db.session.commit()

    def api(who, path, body):
        return client.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {tokens[who]}"})

    deadline = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)
    call = {"requirements": "纯度≥98%，提供中试数据。", "budget": "1000000.00",
            "deadline_at": deadline.strftime("%Y-%m-%dT%H:%M:00Z")}
    for body, status, field in (
            ({**call, "deadline_at": (utcnow() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:00Z")}, 409,
             "deadline_at"),  # less than an hour to bid
            ({**call, "opens_at": (deadline - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:00+00:00")}, 409,
             "opens_at"),  # opened before the deadline
            ({**call, "deadline_at": "下周五"}, 422, "deadline_at"),
            ({**call, "budget": "0"}, 409, "budget"),
            ({**call, "requirements": ""}, 422, "requirements"),
            ({**call, "deadline_at": None}, 422, "deadline_at")):
        response = api("buyer", f"/needs/{world['need']}/tenders", body)
        assert response.status_code == status and field in response.json["error"]["fields"], (body, response.json)
    assert api("other_ent", f"/needs/{world['need']}/tenders", call).status_code == 403  # not its need
    with app.app_context():
        assert db.session.scalar(select(func.count(Tender.id))) == 0

    response = api("buyer", f"/needs/{world['need']}/tenders", call)
    assert response.status_code == 201 and response.json["deadline_at"] == deadline.isoformat() + "Z"
    assert response.json["opens_at"] == response.json["deadline_at"] and response.json["budget"] == "1000000.00"
    tender_id = response.json["id"]
    proposal = api("kust", f"/tenders/{tender_id}/proposals", {"price": "900000.00", "body": "大孔树脂与制备色谱联用"})
    assert proposal.status_code == 201 and proposal.json["score"] is None
    score = f"/tenders/{tender_id}/proposals/{proposal.json['id']}/score"
    assert api("buyer", score, {"score": 90}).status_code == 409  # sealed until the opening
    with app.app_context():
        open_now(tender_id)
    assert api("kust", score, {"score": 100}).status_code == 404  # only the tendering organisation scores
    assert api("buyer", score, {"score": 101}).status_code == 422
    assert api("buyer", score, {"score": 88.5}).status_code == 422
    scored = api("buyer", score, {"score": 88, "note": "方案成熟"})
    assert scored.status_code == 200 and (scored.json["score"], scored.json["score_note"]) == (88, "方案成熟")
    award = f"/tenders/{tender_id}/proposals/{proposal.json['id']}/award"
    assert api("buyer", award, {"note": "评分最高"}).status_code == 200
    assert api("buyer", f"/tenders/{tender_id}/contract", {"signed_on": "2026-11-20"}).status_code == 403  # the winner's
    drafted = api("kust", f"/tenders/{tender_id}/contract", {"signed_on": "2026-11-20"})
    assert drafted.status_code == 201 and drafted.json["contract_type"] == "技术开发"
    assert (drafted.json["contract_amount"], drafted.json["buyer"]["name"]) == ("900000.00", "云南白药（招标测试）")
    with app.app_context():
        tender = tender_of()
        assert [e.action for e in tender.events] == ["publish", "submit", "score", "award", "contract"]
        assert tender.contract_id == drafted.json["id"]
