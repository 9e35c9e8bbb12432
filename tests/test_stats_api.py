"""/api/v1/stats/*: field names, exact money strings, errors as JSON 4xx."""
from datetime import date

import pytest

from models import db
from tests.test_stats_data import add_contract


@pytest.fixture
def figures(app):
    with app.app_context():
        add_contract("530100", "510100", date(2025, 6, 11), 3_501_000_000_00, 2_501_000_000_00,
                     contract_type="技术转让", tech_field="农业", seller_type="高等院校")
        add_contract("530300", "530100", date(2025, 1, 1), 1, 0)
        add_contract("530100", "530100", date(2024, 6, 11), 1_000_000_000_00)  # last year: 同比
        add_contract("530100", "530100", date(2025, 6, 12), 5_00)  # after the period
        db.session.commit()


def test_regions_lists_cities_with_exact_money_and_ranks(client, figures):
    body = client.get("/api/v1/stats/regions?parent=530000&from=2025-01-01&to=2025-06-11").get_json()
    items = {item["code"]: item for item in body["items"]}
    assert items["530100"]["contracts"] == 1
    assert items["530100"]["contract_amount"] == "3501000000.00" and items["530100"]["tech_amount"] == "2501000000.00"
    assert items["530100"]["rank_contracts"] == 1 and items["530100"]["rank_contract_amount"] == 1
    assert items["530300"]["contract_amount"] == "0.01" and items["530300"]["tech_amount"] == "0.00"
    assert items["530300"]["rank_contracts"] == 1 and items["530300"]["rank_contract_amount"] == 2
    assert items["530600"]["rank_contracts"] == 3  # competition ranking: 1, 1, 3
    assert items["530100"]["yoy_contract_amount"] == "+250.1%"
    assert body["total"]["contracts"] == 2 and body["total"]["contract_amount"] == "3501000000.01"
    assert set(items["530100"]) >= {"code", "name", "contracts", "contract_amount", "tech_amount",
                                    "rank_contracts", "rank_contract_amount"}


def test_regions_inflow_and_national_default(client, figures):
    inflow = client.get("/api/v1/stats/regions?parent=510000&from=2025-01-01&to=2025-06-11&by=buyer").get_json()
    chengdu = next(i for i in inflow["items"] if i["code"] == "510100")
    assert chengdu["contract_amount"] == "3501000000.00"
    national = client.get("/api/v1/stats/regions?from=2025-01-01&to=2025-12-31").get_json()
    yunnan = next(i for i in national["items"] if i["code"] == "530000")
    assert yunnan["contracts"] == 3 and yunnan["contract_amount"] == "3501000005.01"


def test_breakdown_and_bulletin(client, figures):
    body = client.get("/api/v1/stats/breakdown?region=530100&from=2025-01-01&to=2025-06-11&dim=type").get_json()
    by_type = {i["category"]: i for i in body["items"]}
    assert by_type["技术转让"]["contract_amount"] == "3501000000.00" and by_type["技术开发"]["contracts"] == 0
    fields = client.get("/api/v1/stats/breakdown?region=530000&from=2025-01-01&to=2025-06-11&dim=field").get_json()
    assert {i["category"]: i["contracts"] for i in fields["items"]}["农业"] == 1
    text = client.get("/api/v1/stats/bulletin?region=530100&from=2025-01-01&to=2025-06-11").get_json()["text"]
    assert text == "截至6月11日,全市共登记技术合同1份,合同成交额35.01亿元,技术交易额25.01亿元,登记件数并列全省第一,成交额居全省第一。"


@pytest.mark.parametrize("url, code", [
    ("/api/v1/stats/regions?parent=999999", "bad_region"),
    ("/api/v1/stats/regions?parent=53", "bad_region"),
    ("/api/v1/stats/regions?from=2025-02-30", "bad_date"),
    ("/api/v1/stats/regions?to=yesterday", "bad_date"),
    ("/api/v1/stats/regions?by=both", "bad_side"),
    ("/api/v1/stats/breakdown?region=530100&dim=colour", "bad_dim"),
    ("/api/v1/stats/bulletin?region=abc", "bad_region"),
])
def test_bad_input_is_a_json_400(client, url, code):
    response = client.get(url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


@pytest.mark.parametrize("url", ["/api/v1/stats/regions?from=2025-06-01&to=2025-01-01",
                                 "/api/v1/stats/bulletin?from=2099-01-01"])
def test_a_period_that_ends_before_it_starts_is_a_409(client, url):
    """Both dates are valid by the document; together they break a rule (to defaults to today)."""
    response = client.get(url)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "rule_conflict" and "起始日期不能晚于截止日期" in error["message"]
