"""Listings: drafts stay private, review follows the organisation's region, an edit under review is seen."""
import re

import pytest
from sqlalchemy import select

from marketplace.listings import services
from models import ListingEvent, ListingStatus, TechResult, User, db
from tests.api_helpers import RESULT_BODY, auth_for, build_world


@pytest.fixture
def world(app):
    return build_world(app)


def create(client, world, who="inst", submit=True, **fields):
    response = client.post("/api/v1/results", json={**RESULT_BODY, **fields, "submit": submit},
                           headers=auth_for(world, who))
    assert response.status_code == 201, response.json
    return response.json["id"]


def history(app, result_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(ListingEvent.action).where(ListingEvent.result_id == result_id)
                                       .order_by(ListingEvent.id)))


def reviewer(app, name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def version_on(page: str) -> str:
    return re.search(r'name="version" value="([^"]+)"', page).group(1)


# Drafts are private to their organisation.

def test_a_reviewer_cannot_open_a_draft(app, client, auth, world):
    result_id = create(client, world, submit=False)
    official = auth_for(world, "official_km")
    assert client.get(f"/api/v1/results/{result_id}", headers=official).status_code == 404
    auth.login("official_km")
    assert client.get(f"/results/{result_id}").status_code == 404
    client.post(f"/api/v1/results/{result_id}/actions", json={"action": "submit"}, headers=auth_for(world, "inst"))
    assert client.get(f"/results/{result_id}").status_code == 200


@pytest.mark.parametrize("status", [ListingStatus.PENDING, ListingStatus.RETURNED, ListingStatus.WITHDRAWN])
def test_a_reviewer_sees_what_went_through_review(app, client, world, status):
    result_id = create(client, world)
    with app.app_context():
        db.session.get(TechResult, result_id).status = status
        db.session.commit()
    assert client.get(f"/api/v1/results/{result_id}", headers=auth_for(world, "official_km")).status_code == 200


def test_a_recalled_listing_is_a_draft_again(app, client, world):
    result_id = create(client, world)
    client.post(f"/api/v1/results/{result_id}/actions", json={"action": "recall"}, headers=auth_for(world, "inst"))
    assert client.get(f"/api/v1/results/{result_id}", headers=auth_for(world, "official_km")).status_code == 404


# Review is routed by the publishing organisation's region, not the region the publisher picks.

def test_picking_another_region_does_not_pick_the_reviewer(app, client, auth, world):
    result_id = create(client, world, region_code="510100")  # a Kunming institute, shown in Chengdu
    chengdu, kunming = auth_for(world, "official_cd"), auth_for(world, "official_km")
    assert client.get(f"/api/v1/results/{result_id}", headers=chengdu).status_code == 404
    approve = {"action": "approve"}
    assert client.post(f"/api/v1/results/{result_id}/actions", json=approve, headers=chengdu).status_code == 404
    with app.app_context():
        assert services.review_queue(reviewer(app, "official_cd"), "result") == []
        assert services.pending_count(reviewer(app, "official_cd")) == 0
        assert [r.id for r in services.review_queue(reviewer(app, "official_km"), "result")] == [result_id]
        assert services.pending_count(reviewer(app, "official_km")) == 1
    auth.login("official_cd")
    assert "低成本钙钛矿" not in client.get("/review").get_data(as_text=True)
    auth.logout()
    auth.login("official_km")
    assert "低成本钙钛矿" in client.get("/review").get_data(as_text=True)
    published = client.post(f"/api/v1/results/{result_id}/actions", json=approve, headers=kunming)
    assert published.json["status"] == "published" and published.json["region_code"] == "510100"


# An edit during review is recorded, queued again, and an approval of the old text is refused.

def test_an_edit_during_review_is_recorded_and_goes_to_the_end_of_the_queue(app, client, world):
    first = create(client, world, title="先提交的成果")
    second = create(client, world, title="后提交的成果")
    with app.app_context():
        assert [r.id for r in services.review_queue(reviewer(app, "official_km"), "result")] == [first, second]
    edited = client.patch(f"/api/v1/results/{first}", json={"summary": "审核期间改过的指标。"},
                          headers=auth_for(world, "inst"))
    assert edited.status_code == 200 and edited.json["status"] == "pending"
    assert history(app, first) == ["create", "submit", "resubmit"]
    with app.app_context():
        assert [r.id for r in services.review_queue(reviewer(app, "official_km"), "result")] == [second, first]


def test_an_approval_of_text_changed_since_the_page_was_opened_is_refused(app, client, auth, world):
    result_id = create(client, world)
    auth.login("official_km")
    seen = version_on(client.get(f"/results/{result_id}").get_data(as_text=True))
    assert version_on(client.get("/review").get_data(as_text=True)) == seen
    client.patch(f"/api/v1/results/{result_id}", json={"summary": "换成了另一套指标。"}, headers=auth_for(world, "inst"))
    refused = client.post(f"/results/{result_id}/action", data={"action": "approve", "version": seen},
                          follow_redirects=True)
    assert "已被修改" in refused.get_data(as_text=True)
    assert history(app, result_id) == ["create", "submit", "resubmit"]
    current = version_on(client.get(f"/results/{result_id}").get_data(as_text=True))
    assert current != seen
    client.post(f"/results/{result_id}/action", data={"action": "approve", "version": current})
    with app.app_context():
        assert db.session.get(TechResult, result_id).status == ListingStatus.PUBLISHED


def test_the_api_refuses_an_approval_of_an_old_version(app, client, world):
    result_id = create(client, world)
    with app.app_context():
        seen = services.version(db.session.get(TechResult, result_id))
    client.patch(f"/api/v1/results/{result_id}", json={"title": "改过的名称"}, headers=auth_for(world, "inst"))
    response = client.post(f"/api/v1/results/{result_id}/actions", json={"action": "approve", "version": seen},
                           headers=auth_for(world, "official_km"))
    assert response.status_code == 409 and "已被修改" in response.json["error"]["message"]
