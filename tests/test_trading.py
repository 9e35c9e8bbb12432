"""Pricing and trading a result through the site: an agreed price under public notice, a listing that turns into
a 竞价, ascending and sealed auctions (registration, approval with the deposit, bids, anti-sniping, the reserve,
the close by the scheduler), and the contract draft of the deal; every step on record; bad input refused."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.trading import services
from models import Bid, Contract, Job, Message, Objection, Trade, TradeEvent, TradeParty, User, db
from models.base import utcnow
from tests import factories

WAN = 1_000_000  # fen in one 万元


@pytest.fixture
def world(app):
    """An institute with a published result, two enterprises and an institute elsewhere (ids)."""
    with app.app_context():
        kust = factories.make_org(name="昆明理工大学（交易测试）", org_type="高等院校")
        owner = factories.make_user("owner", org=kust, display_name="成果转化办")
        result = factories.make_result(kust, owner, title="高性能燃料电池铂基催化剂")
        draft = factories.make_result(kust, owner, status="draft", title="未发布成果")
        buyers = {}
        for name in ("baiyao", "yuxi", "qujing"):
            org = factories.make_org(name=f"{name}公司", org_type="企业")
            buyers[name] = factories.make_user(name, role="enterprise", org=org).id
        other = factories.make_user("other_inst", role="institute")
        db.session.commit()
        return {"result": result.id, "draft": draft.id, "owner": owner.id, "other": other.id, **buyers}


def user(world, name) -> User:
    return db.session.get(User, world[name])


def trade_of(world) -> Trade:
    return db.session.scalars(select(Trade).where(Trade.result_id == world["result"]).order_by(Trade.id)).first()


def publish_form(route, **fields):
    base = {"transfer_mode": "转让", "price": "120.5", "description": ""}
    if route == "agreed":
        base.update(counterpart_name="云南白药集团股份有限公司", completers="张三、李四", days="15",
                    objection_contact="科技处 0871-12345678")
    if route == "listed":
        base.update(days="20")
    if route in ("auction", "sealed"):
        base.update(increment="1", deposit="5", reserve="150", extend_minutes="5",
                    ends_at=(utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"))
    base.update(fields)
    return base


def expire(trade_id, seconds_ago=1):
    """Move a trade's close into the past (as if its time had come)."""
    trade = db.session.get(Trade, trade_id)
    trade.ends_at = utcnow() - timedelta(seconds=seconds_ago)
    trade.starts_at = min(trade.starts_at, trade.ends_at - timedelta(days=1))
    db.session.commit()


def test_an_agreed_price_is_published_objected_to_and_cleared(app, client, auth, world):
    auth.login("owner")
    page = client.get(f"/trades/new/{world['result']}?route=agreed")
    assert page.status_code == 200 and 'value="15"' in page.text
    response = client.post(f"/trades/new/{world['result']}?route=agreed", data=publish_form("agreed"))
    assert response.status_code == 302
    with app.app_context():
        trade = trade_of(world)
        assert (trade.route, trade.status, trade.price_fen) == ("agreed", "open", 120_500_000)
        assert (trade.ends_at - trade.starts_at) == timedelta(days=15)
        trade_id = trade.id
        # the close is a job at the end of the notice period
        job = db.session.scalar(select(Job).where(Job.kind == "trade.close"))
        assert job.run_after == trade.ends_at
    notice = client.get(f"/trades/{trade_id}").text
    for shown in ("科技成果协议定价公示", "张三、李四", "云南白药集团股份有限公司", "120.50万元", "科技处 0871-12345678"):
        assert shown in notice
    assert client.post(f"/trades/new/{world['result']}?route=listed", data=publish_form("listed")).status_code == 400
    auth.logout()

    client.get("/")
    anonymous = client.get(f"/trades/{trade_id}")
    assert "登录</a>后可在公示期内提出异议" in anonymous.text
    auth.login("yuxi")
    assert client.post(f"/trades/{trade_id}/objections", data={"body": " "}).status_code == 400
    assert client.post(f"/trades/{trade_id}/objections", data={"body": "价格明显低于评估值。"}).status_code == 302
    auth.logout()
    with app.app_context():
        services.close(trade_id, utcnow() + timedelta(days=16))  # the period is over but an objection is open
        db.session.commit()
        assert db.session.get(Trade, trade_id).status == "open"
        objection_id = db.session.scalar(select(Objection.id))
        expire(trade_id)
    auth.login("owner")
    desk = client.get(f"/trades/{trade_id}/manage").text
    assert "价格明显低于评估值" in desk and f'id="decision-{objection_id}-2"' in desk
    assert client.post(f"/trades/{trade_id}/objections/{objection_id}",
                       data={"decision": "dismiss", "resolution": "价格经第三方评估，见评估报告。"}).status_code == 302
    with app.app_context():
        trade = db.session.get(Trade, trade_id)
        assert (trade.status, trade.final_price_fen) == ("deal", 120_500_000)
        assert [e.action for e in trade.events] == ["publish", "object", "resolve", "close"]
        objector_notices = db.session.scalars(select(Message.subject).where(
            Message.recipient_id == world["yuxi"], Message.category == "trade")).all()
        assert objector_notices == ["您对“高性能燃料电池铂基催化剂”的异议已答复：异议不成立"]
    # the deal goes on to a contract draft prefilled with the parties, the price and the route (signed by today)
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    refused = client.post(f"/trades/{trade_id}/contract", data={"signed_on": tomorrow}, follow_redirects=True)
    assert "签订日期不能晚于今天" in refused.text
    response = client.post(f"/trades/{trade_id}/contract", data={"signed_on": "2026-11-20"})
    assert response.status_code == 302 and "/contracts/" in response.headers["Location"]
    with app.app_context():
        trade = db.session.get(Trade, trade_id)
        contract = db.session.get(Contract, trade.contract_id)
        assert (contract.status, contract.contract_amount_fen, contract.contract_type) == ("draft", 120_500_000, "技术转让")
        assert (contract.seller_name, contract.buyer_name) == ("昆明理工大学（交易测试）", "云南白药集团股份有限公司")
        assert trade.status == "contracted" and trade.events[-1].action == "contract"
    assert "协议定价（公示）（交易编号" in client.get(response.headers["Location"]).text
    assert client.post(f"/trades/{trade_id}/contract", data={"signed_on": "2026-11-20"}).status_code == 302  # once
    with app.app_context():
        assert db.session.scalar(select(func.count(Contract.id))) == 1


def test_an_upheld_objection_stops_the_deal(app, client, auth, world):
    with app.app_context():
        trade = services.publish(user(world, "owner"), db.session.get(*_result(world)), "agreed",
                                 {"transfer_mode": "许可", "price_fen": 50 * WAN, "counterpart_name": "某公司",
                                  "completers": "王五"})
        objection = services.object_to(user(world, "baiyao"), trade, "完成人漏列赵六。")
        db.session.commit()
        expire(trade.id)
        trade = db.session.get(Trade, trade.id)
        services.resolve_objection(user(world, "owner"), trade, db.session.get(Objection, objection.id), True,
                                   "核实后确有漏列，重新公示。")
        db.session.commit()
        assert db.session.get(Trade, trade.id).status == "failed"


def _result(world):
    from models import TechResult

    return TechResult, world["result"]


def test_a_listing_with_one_buyer_deals_and_with_several_turns_into_an_auction(app, client, auth, world):
    auth.login("owner")
    assert client.post(f"/trades/new/{world['result']}?route=listed", data=publish_form("listed")).status_code == 302
    auth.logout()
    with app.app_context():
        trade_id = trade_of(world).id
    auth.login("baiyao")
    assert client.post(f"/trades/{trade_id}/register", data={"terms": ""}).status_code == 400  # terms required
    assert client.post(f"/trades/{trade_id}/register", data={"terms": "首付 30%，一年内付清。"}).status_code == 302
    assert client.post(f"/trades/{trade_id}/register", data={"terms": "再报一次"}).status_code == 409
    auth.logout()
    auth.login("yuxi")
    assert client.post(f"/trades/{trade_id}/register", data={"terms": "一次付清。"}).status_code == 302
    auth.logout()
    auth.login("owner")
    assert client.post(f"/trades/{trade_id}/register", data={"terms": "自己买"}).status_code == 403
    desk = client.get(f"/trades/{trade_id}/manage").text
    assert "首付 30%，一年内付清。" in desk and "yuxi公司" in desk
    with app.app_context():
        expire(trade_id)
        jobs.tick()  # its close job is due in 20 days: the tick's safety net closes it now
        assert services.close_due() == 0  # nothing left to close
        listing = db.session.get(Trade, trade_id)
        auction = db.session.scalar(select(Trade).where(Trade.parent_id == trade_id))
        assert listing.status == "converted" and auction.route == "auction"
        assert (auction.price_fen, auction.increment_fen) == (120_500_000, 1_205_000)
        parties = db.session.scalars(select(TradeParty).where(TradeParty.trade_id == auction.id)).all()
        assert sorted(p.organisation.name for p in parties) == ["baiyao公司", "yuxi公司"]
        assert all(p.status == "approved" for p in parties)
        auction_id = auction.id
    page = client.get(f"/trades/{trade_id}")
    assert "已转为竞价" in page.text and f"/trades/{auction_id}" in page.text


def test_a_single_intended_buyer_takes_it_at_the_listed_price(app, world):
    with app.app_context():
        from models import TechResult

        trade = services.publish(user(world, "owner"), db.session.get(TechResult, world["result"]), "listed",
                                 {"transfer_mode": "转让", "price_fen": 80 * WAN, "days": 10})
        services.register(user(world, "qujing"), trade, "按挂牌价受让。")
        db.session.commit()
        expire(trade.id)
        assert services.close(trade.id) is True
        db.session.commit()
        trade = db.session.get(Trade, trade.id)
        assert (trade.status, trade.final_price_fen, trade.winner.organisation.name) == ("deal", 80 * WAN, "qujing公司")
        assert services.close(trade.id) is False  # once


def _auction(app, world, route="auction", **data):
    from models import TechResult

    with app.app_context():
        fields = {"transfer_mode": "转让", "price_fen": 100 * WAN, "increment_fen": 1 * WAN, "deposit_fen": 5 * WAN,
                  "reserve_fen": 105 * WAN, "extend_minutes": 5, "ends_at": utcnow() + timedelta(hours=2)}
        fields.update(data)
        trade = services.publish(user(world, "owner"), db.session.get(TechResult, world["result"]), route, fields)
        for name in ("baiyao", "yuxi"):
            party = services.register(user(world, name), trade, "")
            services.decide_party(user(world, "owner"), trade, party, True, 5 * WAN, "保证金已到账")
        db.session.commit()
        return trade.id


def bid(client, trade_id, amount, key):
    return client.post(f"/trades/{trade_id}/bids", data={"amount": amount, "request_key": key})


def test_an_ascending_auction_takes_bids_in_order_and_a_resent_bid_once(app, client, auth, world):
    trade_id = _auction(app, world)
    auth.login("qujing")  # registered but not approved: no bids
    assert client.post(f"/trades/{trade_id}/register", data={"terms": ""}).status_code == 302
    assert bid(client, trade_id, "1000000", "q1").status_code == 403
    auth.logout()
    auth.login("baiyao")
    assert bid(client, trade_id, "999999.99", "b1").status_code == 409  # below the starting price
    for bad in ("abc", "-5", "1e9", "1000000.001", "", "99999999999999"):
        assert bid(client, trade_id, bad, f"bad-{bad}").status_code == 400, bad
    assert bid(client, trade_id, "1000000", "b1").status_code == 302
    assert bid(client, trade_id, "1000000", "b1").status_code == 302  # the same request again
    assert bid(client, trade_id, "1020000", "b2").status_code == 409  # already leading
    auth.logout()
    auth.login("yuxi")
    assert bid(client, trade_id, "1005000", "y1").status_code == 409  # below 100万 + 1万
    assert bid(client, trade_id, "1010000", "y1").status_code == 302
    page = client.get(f"/trades/{trade_id}").text
    assert "1,010,000.00元" in page and "yuxi公司" in page and "baiyao公司" not in page  # own bids only
    auth.logout()
    with app.app_context():
        bids = db.session.scalars(select(Bid).where(Bid.trade_id == trade_id).order_by(Bid.seq)).all()
        assert [(b.seq, b.amount_fen) for b in bids] == [(1, 100 * WAN), (2, 101 * WAN)]
        outbid = db.session.scalars(select(Message.subject).where(Message.recipient_id == world["baiyao"],
                                                                 Message.category == "trade")).all()
        assert "您在“高性能燃料电池铂基催化剂”的出价已被超过：当前价 1,010,000.00元" in outbid
        # below the reserve (105万) at the close: no sale
        expire(trade_id)
        assert services.close(trade_id)
        db.session.commit()
        trade = db.session.get(Trade, trade_id)
        assert trade.status == "failed" and "未达保留价" in trade.outcome_note
    history = client.get(f"/trades/{trade_id}").text  # public after the close
    assert "baiyao公司" in history and "yuxi公司" in history and "1,050,000.00元" in history


def test_a_late_bid_extends_the_close_and_no_bid_lands_after_it(app, world):
    trade_id = _auction(app, world, reserve_fen=None)
    with app.app_context():
        trade = db.session.get(Trade, trade_id)
        now = utcnow()
        trade.ends_at = now + timedelta(minutes=2)
        db.session.commit()
        services.place_bid(user(world, "baiyao"), trade_id, 100 * WAN, "k1", now=now)
        db.session.commit()
        trade = db.session.get(Trade, trade_id)
        assert trade.ends_at == now + timedelta(minutes=5)  # extended to five minutes after the bid
        assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == "trade.close")) == 2
        with pytest.raises(services.TradeError, match="已截止"):
            services.place_bid(user(world, "yuxi"), trade_id, 200 * WAN, "k2", now=trade.ends_at)
        db.session.rollback()
        expire(trade_id)
        jobs.tick()  # the close job runs when its time has come
        trade = db.session.get(Trade, trade_id)
        db.session.refresh(trade)
        assert (trade.status, trade.final_price_fen, trade.winner.organisation.name) == ("deal", 100 * WAN, "baiyao公司")
        assert [e.action for e in trade.events][-2:] == ["extend", "close"]


def test_a_sealed_round_hides_bids_until_the_close(app, client, auth, world):
    trade_id = _auction(app, world, route="sealed", reserve_fen=None, increment_fen=None)
    auth.login("baiyao")
    assert bid(client, trade_id, "1200000", "s1").status_code == 302
    assert bid(client, trade_id, "1300000", "s2").status_code == 409  # one bid each
    auth.logout()
    auth.login("yuxi")
    assert bid(client, trade_id, "1250000", "s1").status_code == 302
    page = client.get(f"/trades/{trade_id}").text
    assert "1,250,000.00元" in page and "1,200,000.00元" not in page
    auth.logout()
    with app.app_context():
        expire(trade_id)
        services.close(trade_id)
        db.session.commit()
        trade = db.session.get(Trade, trade_id)
        assert (trade.final_price_fen, trade.winner.organisation.name) == (125 * WAN, "yuxi公司")


def test_bad_publications_are_refused_and_store_nothing(app, client, auth, world):
    auth.login("owner")
    cases = [
        ("agreed", {"price": "abc"}, "金额格式不正确"),
        ("agreed", {"price": "-1"}, "不能为负"),
        ("agreed", {"counterpart_name": ""}, "拟受让方"),
        ("agreed", {"days": "3"}, "不少于 15 天"),
        ("agreed", {"transfer_mode": "赠与"}, "转化方式"),
        ("auction", {"ends_at": "2020-01-01T00:00"}, "晚于现在"),
        ("auction", {"ends_at": "明天"}, "格式不正确"),
        ("auction", {"reserve": "100"}, "保留价不能低于起拍价"),
        ("auction", {"increment": ""}, "加价幅度"),
        ("auction", {"extend_minutes": "600"}, "0 至 60"),
        ("sealed", {"deposit": "500"}, "保证金"),
    ]
    for route, fields, message in cases:
        response = client.post(f"/trades/new/{world['result']}?route={route}", data=publish_form(route, **fields))
        assert response.status_code == 400 and message in response.text, (route, fields)
    response = client.post(f"/trades/new/{world['draft']}?route=agreed", data=publish_form("agreed"))
    assert response.status_code == 400 and "只有已发布的成果可以定价交易" in response.text
    auth.logout()
    auth.login("other_inst")  # another organisation's result
    assert client.post(f"/trades/new/{world['result']}?route=agreed", data=publish_form("agreed")).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Trade.id))) == 0
        assert db.session.scalar(select(func.count(TradeEvent.id))) == 0


def api(client, token, path, body):
    return client.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_api_publishes_each_route_refuses_bad_ones_and_drafts_the_deals_contract(app, client, world):
    from marketplace.api.tokens import create_token

    with app.app_context():
        token, other = create_token(user(world, "owner"), "t"), create_token(user(world, "other"), "t")
        db.session.commit()
    ends = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    auction = {"route": "auction", "transfer_mode": "许可", "price": "1000000.00", "increment": "10000.00",
               "reserve": "1200000.00", "deposit": "50000.00", "extend_minutes": 3,
               "ends_at": (ends + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")}
    refused = [  # (body, status, the field named)
        ({**auction, "reserve": "900000.00"}, 409, "reserve"),  # below the starting price
        ({**auction, "increment": None}, 409, "increment"),  # an auction needs its increment
        ({**auction, "ends_at": "2020-01-01T00:00:00Z"}, 409, "ends_at"),  # in the past
        ({**auction, "ends_at": ends.strftime("%Y-%m-%dT%H:%M")}, 422, "ends_at"),  # no offset: which time?
        ({**auction, "ends_at": "2026-02-30T10:00:00Z"}, 422, "ends_at"),  # no such day
        ({**auction, "extend_minutes": 61}, 422, "extend_minutes"),
        ({**auction, "extend_minutes": "5"}, 422, "extend_minutes"),
        ({**auction, "price": 1000000}, 422, "price"),  # money is a string
        ({**auction, "route": "barter"}, 422, "route"),
        ({"route": "agreed", "transfer_mode": "转让", "price": "50000.00", "completers": "张三"}, 409,
         "counterpart_name"),
        ({"route": "agreed", "transfer_mode": "转让", "price": "50000.00", "counterpart_name": "某公司",
          "completers": "张三", "days": 3}, 409, "days"),  # the notice runs 15 days at least
    ]
    for body, status, field in refused:
        response = api(client, token, f"/results/{world['result']}/trades", body)
        assert response.status_code == status and field in response.json["error"]["fields"], (body, response.json)
    assert api(client, token, f"/results/{world['draft']}/trades", auction).status_code == 409  # not published
    assert api(client, other, f"/results/{world['result']}/trades", auction).status_code == 403  # not its own
    with app.app_context():
        assert db.session.scalar(select(func.count(Trade.id))) == 0
        assert db.session.scalar(select(func.count(TradeEvent.id))) == 0

    response = api(client, token, f"/results/{world['result']}/trades", auction)
    assert response.status_code == 201 and response.headers["Location"].endswith(f"/trades/{response.json['id']}")
    made = response.json
    assert (made["route"], made["price"], made["increment"], made["has_reserve"], made["reserve"]) == (
        "auction", "1000000.00", "10000.00", True, None)  # the reserve stays hidden while it runs
    assert made["ends_at"] == ends.isoformat() + "Z"  # 北京时间 in, the same moment out (UTC)
    with app.app_context():
        trade = db.session.get(Trade, made["id"])
        assert (trade.ends_at, trade.reserve_fen, trade.deposit_fen, trade.extend_minutes) == (ends, 120 * WAN, 5 * WAN, 3)
        assert [(e.action, e.actor_id) for e in trade.events] == [("publish", world["owner"])]
    assert api(client, token, f"/results/{world['result']}/trades", auction).status_code == 409  # one at a time
    assert api(client, token, f"/trades/{made['id']}/contract", {"signed_on": "2026-11-30"}).status_code == 409
    assert api(client, token, f"/trades/{made['id']}/withdraw", {"reason": "改为协议定价"}).status_code == 200

    # an agreed price: its notice, then (the period over, no objection) the contract draft, once
    agreed = {"route": "agreed", "transfer_mode": "转让", "price": "500000.50", "counterpart_name": "云南白药集团股份有限公司",
              "completers": "张三、李四", "objection_contact": "科技处 0871-12345678"}
    response = api(client, token, f"/results/{world['result']}/trades", agreed)
    assert response.status_code == 201
    notice = response.json["id"]
    with app.app_context():
        trade = db.session.get(Trade, notice)
        assert (trade.price_fen, trade.completers) == (50_000_050, "张三、李四")
        assert timedelta(days=15) - (trade.ends_at - trade.starts_at) < timedelta(seconds=1)
        expire(notice)
        assert services.close(notice) is True
        db.session.commit()
    today = utcnow().date().isoformat()
    assert api(client, token, f"/trades/{notice}/contract", {"signed_on": "2999-01-01"}).status_code == 422
    assert api(client, other, f"/trades/{notice}/contract", {"signed_on": today}).status_code == 404  # not the owner
    first = api(client, token, f"/trades/{notice}/contract", {"signed_on": today})
    again = api(client, token, f"/trades/{notice}/contract", {"signed_on": today})
    assert (first.status_code, again.status_code, again.json["id"]) == (201, 200, first.json["id"])
    assert (first.json["contract_amount"], first.json["buyer"]["name"], first.json["status"]) == (
        "500000.50", "云南白药集团股份有限公司", "draft")
    with app.app_context():
        assert db.session.scalar(select(func.count(Contract.id))) == 1
        trade = db.session.get(Trade, notice)
        assert (trade.status, trade.contract_id) == ("contracted", first.json["id"])
        assert [e.action for e in trade.events][-1] == "contract"
