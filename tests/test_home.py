"""Home page: counts, newest listings, field links and open 揭榜挂帅 bounties."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.main import services
from models import ApplicationStatus, BountyApplication, ListingStatus, Organisation, db
from tests import factories as f


def stats(response):
    return [int(n) for n in re.findall(r'data-stat="\d">(\d+)<', response.text)]


def test_home_empty(client):
    response = client.get("/")
    assert response.status_code == 200
    assert stats(response) == [0, 0, 0, 0]
    assert "暂无已发布的科技成果" in response.text


def test_home_counts(client, app):
    with app.app_context():
        org = f.make_org()
        other = f.make_org(org_type="企业")
        institute = f.make_user(role="institute")
        for status in ListingStatus.ALL:
            f.make_result(org, status=status)
            f.make_need(other, status=status)
        f.make_need(other, is_bounty=True, title="开放榜单")
        f.make_need(other, is_bounty=True, title="草稿榜单", status=ListingStatus.DRAFT)
        f.make_need(other, is_bounty=True, title="过期榜单", deadline=date.today() - timedelta(days=1))
        taken = f.make_need(other, is_bounty=True, title="已选定榜单")
        db.session.add(BountyApplication(need_id=taken.id, organisation_id=institute.organisation_id,
                                         applicant_id=institute.id, proposal="方案",
                                         status=ApplicationStatus.SELECTED))
        db.session.commit()
        organisations = db.session.scalar(select(func.count()).select_from(Organisation))
    response = client.get("/")
    # results: 1 published; needs: 1 plain + open + expired + taken bounties published; open bounties: 1
    assert stats(response) == [1, 4, 1, organisations]
    bounties = response.text.split('id="home-bounties"', 1)[1].split("</section>", 1)[0]
    assert "开放榜单" in bounties
    assert "已选定榜单" not in bounties and "过期榜单" not in bounties and "草稿榜单" not in bounties


def test_home_lists_newest_six(client, app):
    with app.app_context():
        org = f.make_org()
        results = [f.make_result(org, title=f"成果第{n}号") for n in range(8)]
        needs = [f.make_need(org, title=f"需求第{n}号") for n in range(8)]
        f.make_result(org, title="未发布成果", status=ListingStatus.PENDING)
        db.session.commit()
        assert [r.id for r in services.newest_results()] == [r.id for r in results[::-1][:6]]
        assert [n.id for n in services.newest_needs()] == [n.id for n in needs[::-1][:6]]
    response = client.get("/")
    newest = response.text.split('id="home-results"', 1)[1].split("</section>", 1)[0]
    assert all(f"成果第{n}号" in newest for n in range(2, 8))
    assert "成果第0号" not in newest and "成果第1号" not in newest and "未发布成果" not in response.text
    needs_html = response.text.split('id="home-needs"', 1)[1].split("</section>", 1)[0]
    assert "需求第7号" in needs_html and "需求第1号" not in needs_html


def test_home_field_links_with_counts(client, app):
    with app.app_context():
        org = f.make_org()
        f.make_result(org, field="农业")
        f.make_result(org, field="农业")
        f.make_result(org, field="农业", status=ListingStatus.WITHDRAWN)
        f.make_need(org, field="农业")
        db.session.commit()
    response = client.get("/")
    assert response.text.count("field=%E5%86%9C%E4%B8%9A") >= 2  # 农业 → browse results and needs
    assert re.search(r"成果 2</a>\s*· <a[^>]*>需求 1<", response.text)
    assert len(re.findall(r'class="card card-body py-2 d-flex[^"]*field-link"', response.text)) == 11
    browse = client.get("/results?field=农业")
    assert len(re.findall(r'data-listing-id="', browse.text)) == 2
