"""The per-process caches (home figures, browse and search counts, statistics, regions) never outlive a write.

Each test reads a page (filling the cache), writes through some path — the ORM, a Core
statement, hand-written SQL, a CLI command, another process — and reads again.
"""
import re
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import event, insert, select, text, update

from marketplace import cache
from models import CacheVersion, LoginAttempt, Organisation, TechResult, User, db
from tests import factories as f
from tests.test_stats_data import add_contract

YEAR = "from=2025-01-01&to=2025-12-31"


def home_figures(client) -> list[int]:
    return [int(n) for n in re.findall(r'data-stat="\d">(\d+)<', client.get("/").text)]


def tokens() -> dict[str, int]:
    return dict(db.session.execute(select(CacheVersion.name, CacheVersion.token)).all())


def browse_total(client, url: str) -> int:
    return int(re.search(r'id="result-count">共 <strong class="text-body">(\d+)<', client.get(url).text).group(1))


def facet(body: dict, name: str) -> dict:
    return dict(body["facets"][name])


def test_a_commit_replaces_the_tokens_of_the_groups_it_wrote(app):
    with app.app_context():
        org = f.make_org()
        db.session.commit()
        before = tokens()
        assert {"listings"} <= set(before)

        db.session.execute(text("UPDATE organisations SET name = name || '·' WHERE id = :id"), {"id": org.id})
        db.session.rollback()
        assert tokens() == before, "a rolled-back write changes nothing"

        db.session.add(LoginAttempt(username="x", remote_addr="127.0.0.1", succeeded=False))
        db.session.commit()
        assert tokens() == before, "a table no cache reads changes nothing"

        db.session.execute(insert(TechResult).values(title="核心插入", field="农业", summary="摘要", organisation_id=org.id,
                                                     region_code="530100", status="draft", maturity="小试"))
        db.session.commit()
        after_core = tokens()
        assert after_core["listings"] != before["listings"] and after_core["parties"] == before["parties"]

        db.session.execute(text("UPDATE organisations SET name = name || '·' WHERE id = :id"), {"id": org.id})
        db.session.commit()
        after_sql = tokens()
        assert after_sql["listings"] != after_core["listings"] and after_sql["parties"] == after_core["parties"]

        add_contract()
        db.session.commit()
        after_contract = tokens()
        assert after_contract["parties"] != after_sql["parties"] and after_contract["stats"] != after_sql["stats"]
        assert after_contract["listings"] == after_sql["listings"]


def test_home_figures_follow_every_write(client, app):
    with app.app_context():
        org = f.make_org()
        result = f.make_result(org)
        db.session.commit()
        result_id, org_id = result.id, org.id
    assert home_figures(client)[:2] == [1, 0]
    assert home_figures(client)[:2] == [1, 0]  # from the cache
    with app.app_context():
        f.make_result(db.session.get(Organisation, org_id))
        f.make_need(f.make_org(org_type="企业"))
        db.session.commit()
    first = home_figures(client)
    assert first[:2] == [2, 1]
    with app.app_context():
        db.session.execute(update(TechResult).where(TechResult.id == result_id).values(status="withdrawn"))
        db.session.commit()
    assert home_figures(client)[0] == 1
    with app.app_context():
        db.session.execute(insert(Organisation).values(name="新单位", org_type="企业", region_code="530100"))
        db.session.commit()
    assert home_figures(client)[3] == first[3] + 1


def test_browse_and_search_counts_follow_listing_edits(client, app):
    with app.app_context():
        org = f.make_org()
        moved = f.make_result(org, field="农业", title="马铃薯脱毒种薯繁育")
        f.make_result(org, field="农业", title="咖啡精深加工")
        db.session.commit()
        moved_id = moved.id
    body = client.get("/api/v1/search?kind=result").get_json()
    assert body["total"] == 2 and facet(body, "field") == {"农业": 2}
    assert browse_total(client, "/results") == 2
    with app.app_context():
        db.session.get(TechResult, moved_id).field = "电子信息"
        db.session.commit()
    body = client.get("/api/v1/search?kind=result").get_json()
    assert facet(body, "field") == {"农业": 1, "电子信息": 1}
    page = client.get("/results?field=农业").text
    assert "咖啡精深加工" in page and "马铃薯脱毒种薯繁育" not in page
    with app.app_context():
        db.session.get(TechResult, moved_id).status = "withdrawn"
        db.session.commit()
    body = client.get("/api/v1/search?kind=result").get_json()
    assert body["total"] == 1 and facet(body, "field") == {"农业": 1}
    assert browse_total(client, "/results") == 1


def test_search_counts_follow_the_index_after_a_publish(client, app):
    """The matched ids are part of the key: a listing the index learns about later is counted then."""
    with app.app_context():
        org = f.make_org()
        f.make_result(org, title="燃料电池催化剂")
        db.session.commit()
        org_id = org.id
    assert client.get("/api/v1/search?kind=result&q=燃料电池").get_json()["total"] == 1
    with app.app_context():
        f.make_result(db.session.get(Organisation, org_id), title="燃料电池膜电极")
        db.session.commit()
    assert client.get("/api/v1/search?kind=result&q=燃料电池").get_json()["total"] == 2


def test_statistics_follow_contract_writes_to_the_fen(client, app):
    url = f"/api/v1/stats/regions?parent=530000&{YEAR}"
    with app.app_context():
        add_contract("530100", "530300", date(2025, 3, 1), 1_000_00)
        db.session.commit()
    assert client.get(url).get_json()["total"]["contract_amount"] == "1000.00"
    assert "共登记技术合同1份" in client.get(f"/stats/?region=530000&{YEAR}").text
    assert client.get(url).get_json()["total"]["contract_amount"] == "1000.00"
    with app.app_context():
        add_contract("530300", "530100", date(2025, 4, 1), 2_01)
        db.session.commit()
    body = client.get(url).get_json()
    assert body["total"]["contracts"] == 2 and body["total"]["contract_amount"] == "1002.01"
    assert "共登记技术合同2份" in client.get(f"/stats/?region=530000&{YEAR}").text


def test_dashboard_party_tables_follow_contract_edits(client, app, auth):
    with app.app_context():
        broker = f.make_user("cache_broker", "broker", display_name="甲经纪")
        contract = add_contract("530100", "530300", date(2025, 3, 1), 5_000_00, seller_name="第一卖方",
                                broker_id=broker.id)
        f.make_user("cache_official", "official", f.make_org("昆明市科技局（缓存）", "机关", "530100"))
        db.session.commit()
        contract_id, broker_id = contract.id, broker.id
    auth.login("cache_official")
    page = client.get(f"/stats/dashboard?{YEAR}").text
    assert "第一卖方" in page and "甲经纪" in page
    with app.app_context():
        db.session.execute(text("UPDATE contracts SET seller_name = '改名卖方' WHERE id = :id"), {"id": contract_id})
        db.session.execute(update(User).where(User.id == broker_id).values(display_name="乙经纪"))
        db.session.commit()
    page = client.get(f"/stats/dashboard?{YEAR}").text
    assert "改名卖方" in page and "第一卖方" not in page
    assert "乙经纪" in page and "甲经纪" not in page


@pytest.mark.own_app
def test_a_region_renamed_by_the_cli_reaches_every_page(client, app, runner, tmp_path):
    assert "昆明市" in client.get("/results?region=530100").text
    assert "昆明市" in client.get(f"/stats/?region=530100&{YEAR}").text
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name,province_code,province\n530100,春城市,530000,云南省\n", encoding="utf-8")
    assert runner.invoke(args=["regions", "load", str(regions)]).exit_code == 0
    for url in ("/results?region=530100", f"/stats/?region=530100&{YEAR}"):
        page = client.get(url).text
        assert "春城市" in page and "昆明市" not in page, url


def test_a_write_from_another_process_is_seen_at_once(client, app):
    with app.app_context():
        f.make_org()
        db.session.commit()
    before = home_figures(client)[3]
    script = (
        "import sys; from marketplace import create_app; from models import Organisation, db\n"
        "app = create_app({'TESTING': True, 'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': sys.argv[1],"
        " 'SEARCH_INDEX_DIR': sys.argv[2], 'INSTANCE_PATH': sys.argv[3]})\n"
        "with app.app_context():\n"
        "    db.session.add(Organisation(name='另一进程的单位', org_type='企业', region_code='530100'))\n"
        "    db.session.commit()\n")
    config = app.config
    subprocess.run([sys.executable, "-c", script, config["SQLALCHEMY_DATABASE_URI"], config["SEARCH_INDEX_DIR"],
                    config["INSTANCE_PATH"]], check=True, timeout=120)
    assert home_figures(client)[3] == before + 1


def test_no_token_means_no_caching(app):
    """A database nothing was written to since it was made has no tokens: every read goes to the database."""
    kept = cache.Cache("test", ("stats",))
    calls = []
    with app.test_request_context():
        db.session.execute(text("DELETE FROM cache_versions"))
        db.session.commit()
        assert kept.get("k", lambda: calls.append(1) or len(calls)) == 1
        assert kept.get("k", lambda: calls.append(1) or len(calls)) == 2
    with app.app_context():
        add_contract()
        db.session.commit()
    with app.test_request_context():
        assert kept.get("k", lambda: calls.append(1) or len(calls)) == 3
        assert kept.get("k", lambda: calls.append(1) or len(calls)) == 3
        cache.ensure_tokens()  # as init-db leaves a database
        db.session.commit()


def test_init_db_gives_every_group_a_token(app):
    """A database just made or upgraded has its figures kept from the first request, before any write."""
    from marketplace.cli import init_db

    with app.app_context():
        db.session.execute(text("DELETE FROM cache_versions"))
        db.session.commit()
        db.session.remove()
        init_db()
        assert set(tokens()) == set(cache.GROUPS)
        before = tokens()
        db.session.remove()
        init_db()
        assert tokens() == before, "running init-db again changes nothing"


class Statements:
    """Counts the SQL statements the app sends while in the block."""

    def __init__(self, app):
        self.engine, self.count, self.statements = None, 0, []
        with app.app_context():
            self.engine = db.engine

    def _count(self, _conn, _cursor, statement, *_args):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def test_anonymous_pages_are_kept_whole_until_a_write(client, app):
    with app.app_context():
        f.make_result(f.make_org(), title="马铃薯脱毒种薯繁育")
        db.session.commit()
    for url in ("/", "/results", "/results?q=马铃薯", "/stats/", "/api/v1/search?kind=result&q=马铃薯",
                "/api/v1/stats/regions"):
        client.get(url)  # the first query also builds this test's (lazy) index
        first = client.get(url)
        with Statements(app) as kept:
            again = client.get(url)
        assert again.status_code == 200 and again.data == first.data, url
        assert kept.count <= 2, f"{url}: {kept.statements} for a kept page"  # the tokens (and BEGIN)
    with app.app_context():
        f.make_result(f.make_org(), title="马铃薯晚疫病防治")
        db.session.commit()
    assert "马铃薯晚疫病防治" in client.get("/results?q=马铃薯").text
    assert client.get("/api/v1/search?kind=result&q=马铃薯").get_json()["total"] == 2


def test_kept_pages_are_only_for_anonymous_readers_without_messages(client, app, auth):
    with app.app_context():
        f.make_user("cache_reader", "enterprise", display_name="缓存读者")
        db.session.commit()
    anonymous = client.get("/results").text
    assert "缓存读者" not in anonymous
    auth.login("cache_reader")
    assert "缓存读者" in client.get("/results").text, "a logged-in reader never gets the anonymous copy"
    auth.logout()
    after_logout = client.get("/results").text
    assert after_logout != anonymous, "the message waiting after log-out is shown, not the kept page"
    assert client.get("/results").text == anonymous
    assert client.get("/results?field=未知领域").status_code in (200, 400)
    assert client.get("/results/999999").status_code == 404
    assert client.get("/results/999999").status_code == 404
