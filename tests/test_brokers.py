"""Broker directory, profiles, track records computed from the data, contacting a broker."""
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.brokers import services
from models import BrokerProfile, Contract, ContractStatus, Match, MatchStatus, Message, db
from tests import factories as f


@pytest.fixture
def brokers(app):
    with app.app_context():
        agency = f.make_org(name="昆明市技术转移服务中心", org_type="其他")
        li = f.make_user("broker_li", "broker", agency, display_name="李经纪")
        wang = f.make_user("broker_wang", "broker", agency, display_name="王经纪")
        hidden = f.make_user("broker_hidden", "broker", agency, display_name="隐身经纪")
        f.make_user("ent", "enterprise")
        services.save_profile(li, "senior", "JJR-2024-001", ["新材料及其应用", "农业"], ["530100"], "十年转化经验", True)
        services.save_profile(wang, "junior", "", ["电子信息"], [], "", True)
        services.save_profile(hidden, "senior", "", [], [], "", False)
        buyer, seller = f.make_org(org_type="企业"), f.make_org()
        for i in range(3):
            need, result = f.make_need(buyer, title=f"需求{i}"), f.make_result(seller, title=f"成果{i}")
            db.session.add(Match(need_id=need.id, result_id=result.id, broker_id=li.id,
                                 status=MatchStatus.SIGNED if i < 2 else MatchStatus.PROPOSED))
        for amount, status in ((300_000_00, ContractStatus.REGISTERED), (200_000_00, ContractStatus.REGISTERED),
                               (999_999_00, ContractStatus.DRAFT)):
            db.session.add(Contract(contract_type="技术转让", title="合同", tech_field="农业", seller_name="甲",
                                    seller_type="科研机构", seller_region="530100", buyer_name="乙",
                                    buyer_type="企业", buyer_region="530100", signed_on=date(2026, 1, 5),
                                    contract_amount_fen=amount, tech_amount_fen=amount, status=status,
                                    broker_id=li.id, registration_no=f"R{amount}" if status == "registered" else None,
                                    registered_on=date(2026, 2, 1) if status == "registered" else None))
        db.session.commit()
        ids = {p.user.username: p.id for p in db.session.scalars(select(BrokerProfile))}
        ids["li_user"] = li.id
    return ids


def test_track_record_is_computed_from_matches_and_registered_contracts(app, brokers):
    with app.app_context():
        from models import User

        record = services.track_record(db.session.get(User, brokers["li_user"]))
    assert (record.matches, record.signed, record.contracts, record.contract_amount_fen) == (3, 2, 2, 500_000_00)


def test_directory_lists_public_brokers_senior_first(client, brokers):
    page = client.get("/brokers/").get_data(as_text=True)
    assert page.index("李经纪") < page.index("王经纪") and "隐身经纪" not in page
    # Only registered contracts count: 30 + 20 万元, not the 99.9999 万元 draft.
    assert "登记合同 2 份" in page and "合同成交额 50.00万元" in page


@pytest.mark.parametrize("query,present,absent", [("?field=电子信息", "王经纪", "李经纪"),
                                                  ("?level=senior", "李经纪", "王经纪"),
                                                  ("?field=<script>", "李经纪", "<script>")])
def test_directory_filters(client, brokers, query, present, absent):
    page = client.get("/brokers/" + query).get_data(as_text=True)
    assert present in page and absent not in page.split('id="brokers"')[1]


def test_profile_page_and_hidden_profile(client, brokers):
    page = client.get(f"/brokers/{brokers['broker_li']}").get_data(as_text=True)
    assert "高级经纪人" in page and "云南省昆明市" in page and "JJR-2024-001" in page and "十年转化经验" in page
    assert client.get(f"/brokers/{brokers['broker_hidden']}").status_code == 404
    assert client.get("/brokers/99999").status_code == 404


def test_enterprise_contacts_a_broker(client, auth, brokers, app):
    auth.login("ent")
    response = client.post(f"/brokers/{brokers['broker_li']}/contact", data={"subject": "求助", "body": "想找催化剂"})
    assert response.status_code == 302
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.recipient_id == brokers["li_user"]))
        assert "求助" in message.subject and "想找催化剂" in message.body
    empty = client.post(f"/brokers/{brokers['broker_li']}/contact", data={"subject": "", "body": ""},
                        follow_redirects=True)
    assert "请填写主题" in empty.get_data(as_text=True)


def test_contact_needs_login(client, brokers):
    response = client.post(f"/brokers/{brokers['broker_li']}/contact", data={"subject": "a", "body": "b"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_broker_edits_own_profile(client, auth, brokers, app):
    auth.login("broker_wang")
    assert client.get("/brokers/me").status_code == 200
    response = client.post("/brokers/me", data={"level": "intermediate", "certificate_no": "C-1",
                                                "specialty": ["农业"], "regions": "530100;510100", "bio": "简介",
                                                "is_listed": "y"})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(BrokerProfile, brokers["broker_wang"])
        assert (profile.level, profile.field_list, profile.region_list) == ("intermediate", ["农业"],
                                                                            ["530100", "510100"])


@pytest.mark.parametrize("data,message", [
    ({"level": "master"}, "资质等级"), ({"level": "junior", "specialty": ["魔法"]}, "擅长领域"),
    ({"level": "junior", "regions": "999999"}, "未知的地区代码"), ({"level": "junior", "regions": "abc"}, "未知的地区代码"),
])
def test_bad_profile_input_is_refused(client, auth, brokers, app, data, message):
    auth.login("broker_wang")
    response = client.post("/brokers/me", data=data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(BrokerProfile, brokers["broker_wang"]).level == "junior"


@pytest.mark.parametrize("username,status", [("ent", 403), (None, 302)])
def test_only_brokers_edit_profiles(client, auth, brokers, username, status):
    if username:
        auth.login(username)
    assert client.get("/brokers/me").status_code == status
