"""JSON API: listings by id, bearer tokens, JSON errors."""
import pytest

from marketplace.cli import create_token
from models import ListingStatus, db
from tests.factories import make_need, make_org, make_result, make_user


@pytest.fixture
def data(app):
    with app.app_context():
        org = make_org("云南大学（测试）", "高等院校")
        user = make_user("inst", "institute", org)
        outsider = make_user("other", "institute")
        published = make_result(org, user, price_fen=123_456_789)
        draft = make_result(org, user, status=ListingStatus.DRAFT, title="未发布成果")
        bounty = make_need(make_org("某企业（测试）", "企业"), None, is_bounty=True, bounty_fen=5_000_000_00)
        ids = dict(published=published.id, draft=draft.id, bounty=bounty.id,
                   owner_token=create_token(user), outsider_token=create_token(outsider))
        db.session.commit()
    return ids


def test_published_result_money_is_a_decimal_string(client, data):
    body = client.get(f"/api/v1/results/{data['published']}").json
    assert body["price"] == "1234567.89" and body["title"].startswith("高性能燃料电池")
    assert body["org"] == "云南大学（测试）" and body["region_code"] == "530100"


def test_bounty_need(client, data):
    body = client.get(f"/api/v1/needs/{data['bounty']}").json
    assert body["bounty"] is True and body["bounty_amount"] == "5000000.00"


@pytest.mark.parametrize("token_key, status", [(None, 404), ("outsider_token", 404), ("owner_token", 200)])
def test_unpublished_visible_only_to_owner(client, data, token_key, status):
    headers = {"Authorization": f"Bearer {data[token_key]}"} if token_key else {}
    response = client.get(f"/api/v1/results/{data['draft']}", headers=headers)
    assert response.status_code == status
    if status == 404:
        assert response.json["error"]["code"] == "not_found"


def test_missing_and_malformed_ids_are_json_404(client, data):
    assert client.get("/api/v1/results/999999").json["error"]["code"] == "not_found"
    response = client.get("/api/v1/results/abc")
    assert response.status_code == 404 and "error" in response.json


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Basic abc", "Bearer " + "x" * 5000])
def test_bad_tokens_get_401(client, data, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_valid_token(client, data):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {data['owner_token']}"})
    assert response.json == {"username": "inst", "role": "institute", "organisation": "云南大学（测试）"}


def test_tokens_create_cli(runner, app, data):
    result = runner.invoke(args=["tokens", "create", "inst"])
    assert result.exit_code == 0 and result.output.strip().startswith("tm_")
    assert runner.invoke(args=["tokens", "create", "ghost"]).exit_code != 0
