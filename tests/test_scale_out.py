"""Several app nodes on one database: each node's index follows the outbox on its own.

Node A and node B are two app instances built with create_app() on the same database
(the PostgreSQL test database, or one SQLite file) and with different index folders.
Writes go through node A (its site or its services), so the outbox rows are real.
"""
import logging
import os
import re
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from whoosh import index

import search_index
from marketplace.backup import create_backup, restore_backup
from marketplace.listings import services as listing_services
from models import SearchChange, TechResult, db
from models.base import utcnow
from search_index import indexer, outbox
from tests import factories as f
from tests.conftest import build_app
from tests.test_backup import schema_rebuilt_after  # noqa: F401 (fixture)

RESULT_FORM = {
    "title": "钙钛矿光伏组件封装技术", "field": "新能源与高效节能", "keywords": "钙钛矿；光伏；封装",
    "region_code": "530100", "summary": "组件效率 ≥ 20%，湿热 1000 h 衰减 < 5%。", "maturity": "中试",
    "trl": "6", "ip_types": ["发明专利"], "ip_numbers": "ZL201710601862.3", "transfer_modes": ["转让", "许可"],
    "price": "350.25", "contact_name": "李工", "contact_phone": "0871-65000000",
}

# Node B is a second app on node A's database file.
pytestmark = pytest.mark.own_app


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "node_a_index")}


@pytest.fixture
def node_b(app, tmp_path):
    """A second node: same database, same instance folder (attachments), its own index folder."""
    node = build_app(tmp_path, SEARCH_INDEX_DIR=str(tmp_path / "node_b_index"))
    yield node
    with node.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def people(app):
    with app.app_context():
        owner = f.make_user("owner", role="institute")
        official = f.make_user("reviewer", role="official")
        db.session.commit()
        return {"owner": f.session_id(owner), "official": f.session_id(official), "org_id": owner.organisation_id}


def login(client, session_id):
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = session_id
        sess["_fresh"] = True


def indexed(node) -> set[str]:
    """Keys of the documents in a node's index folder, read from the files (no catch-up)."""
    path = node.config["SEARCH_INDEX_DIR"]
    if not index.exists_in(path):
        return set()
    with index.open_dir(path).searcher() as searcher:
        keys = {term.decode() for term in searcher.lexicon("key")}
        return {key for key in keys if searcher.document_number(key=key) is not None}


def published_keys(node) -> set[str]:
    with node.app_context():
        ids = db.session.scalars(select(TechResult.id).where(TechResult.status == "published"))
        return {f"result:{i}" for i in ids}


def hits(node, query: str, kind: str = "result") -> list[int]:
    with node.app_context():
        try:
            return search_index.search(kind, query, per_page=50).ids
        finally:
            db.session.remove()


def cli(node, *args):
    return node.test_cli_runner().invoke(args=list(args))


def publish_through_site(client, people, form) -> int:
    login(client, people["owner"])
    response = client.post("/results/new", data={**form, "submit_review": "提交审核"})
    result_id = int(re.search(r"/results/(\d+)$", response.headers["Location"]).group(1))
    login(client, people["official"])
    client.post(f"/results/{result_id}/action", data={"action": "approve"})
    return result_id


def make_results(node, titles) -> list[int]:
    """Published results created through the listing service on `node` (outbox written)."""
    with node.app_context():
        org = f.make_org()
        ids = [f.make_result(org, title=title).id for title in titles]
        db.session.commit()
        return ids


def change(node, result_id, action=None, **fields):
    """Edit or move a result through the listing service on `node`."""
    with node.app_context():
        result = db.session.get(TechResult, result_id)
        if fields:
            listing_services.update_listing(result, None, fields)  # a published listing goes back to review
            listing_services.transition(result, "approve", None)
        if action:
            listing_services.transition(result, action, None, "测试")
        db.session.commit()


def test_two_nodes_follow_one_database(app, node_b, client, people):
    site_id = publish_through_site(client, people, RESULT_FORM)
    service_ids = make_results(app, ["固态电池电解质膜制备技术", "钙钛矿叠层电池界面钝化"])
    assert indexed(app) == published_keys(app) == {f"result:{i}" for i in [site_id, *service_ids]}
    assert indexed(node_b) == set()  # B has applied nothing yet

    status = cli(node_b, "search", "status")
    assert status.exit_code == 1 and "待应用：" in status.output and "尚未建立索引" in status.output
    result = cli(node_b, "search", "sync")
    assert result.exit_code == 0, result.output
    assert re.search(r"已应用 \d+ 条变更，更新 3 条成果/需求", result.output)
    assert indexed(node_b) == indexed(app)
    assert sorted(hits(app, "钙钛矿")) == sorted(hits(node_b, "钙钛矿")) == sorted([site_id, service_ids[1]])

    # Edit (back to review, approved under a new title) through A's site; withdraw one through A's services.
    login(client, people["owner"])
    client.post(f"/results/{site_id}/edit", data={**RESULT_FORM, "title": "柔性钙钛矿组件封装技术",
                                                  "save_draft": "保存草稿"})
    login(client, people["official"])
    client.post(f"/results/{site_id}/action", data={"action": "approve"})
    change(app, service_ids[1], "withdraw")
    assert f"result:{service_ids[1]}" in indexed(node_b)  # B is behind until it syncs
    status = cli(node_b, "search", "status")
    assert status.exit_code == 0 and re.search(r"待应用：[1-9]\d* 条", status.output), status.output

    assert search_index.sync(node_b) == 2  # the plain function behind the command: 2 listings touched
    assert indexed(node_b) == indexed(app) == published_keys(app)
    for query in ("钙钛矿", "柔性", "固态电池", "封装"):
        assert hits(app, query) == hits(node_b, query), query
    assert hits(node_b, "柔性") == [site_id] and hits(node_b, "界面钝化") == []
    assert "索引已是最新" in cli(node_b, "search", "sync").output
    status = cli(node_b, "search", "status")
    assert status.exit_code == 0 and "待应用：0 条" in status.output and "状态：正常" in status.output


def test_a_node_catches_up_after_a_crash(app, node_b, tmp_path):
    first = make_results(app, ["高温超导带材制备", "超导磁体冷却系统"])
    assert cli(node_b, "search", "sync").exit_code == 0
    state_file = os.path.join(node_b.config["SEARCH_INDEX_DIR"], indexer.STATE_FILE)
    saved_state = tmp_path / "state-before.json"
    shutil.copyfile(state_file, saved_state)

    # While B is down: a new result, an edit and a withdrawal through A.
    later = make_results(app, ["超导电缆接头技术"])
    change(app, first[0], title="高温超导带材连续制备工艺")
    change(app, first[1], "withdraw")
    assert indexed(node_b) == {f"result:{i}" for i in first}

    # B died after writing its index but before noting its progress: the rolled-back note replays.
    assert cli(node_b, "search", "sync").exit_code == 0
    shutil.copyfile(saved_state, state_file)
    assert "已应用" in cli(node_b, "search", "sync").output
    assert indexed(node_b) == indexed(app) == {f"result:{first[0]}", f"result:{later[0]}"}

    # B's index folder is lost altogether: its next search rebuilds it from the outbox.
    shutil.rmtree(node_b.config["SEARCH_INDEX_DIR"])
    node_b.config["SEARCH_CATCH_UP_SECONDS"] = 0
    assert hits(node_b, "超导") == hits(app, "超导") and sorted(hits(node_b, "超导")) == [first[0], later[0]]
    assert hits(node_b, "连续制备") == [first[0]]
    assert indexed(node_b) == indexed(app)


def folder_snapshot(path) -> dict:
    return {name: (os.path.getsize(os.path.join(path, name)), os.path.getmtime(os.path.join(path, name)))
            for name in sorted(os.listdir(path))}


def test_rebuild_or_a_busy_lock_on_one_node_leaves_the_other_alone(app, node_b):
    ids = make_results(app, ["光纤传感监测系统", "分布式光纤测温"])
    assert cli(node_b, "search", "sync").exit_code == 0
    folder_a = app.config["SEARCH_INDEX_DIR"]
    before = folder_snapshot(folder_a)

    result = cli(node_b, "search", "reindex")
    assert result.exit_code == 0 and "索引已重建：2 条" in result.output
    assert folder_snapshot(folder_a) == before
    assert hits(app, "光纤") == hits(node_b, "光纤") and sorted(hits(app, "光纤")) == sorted(ids)

    # B's folder is locked (a long rebuild, say): B's sync gives up clearly, A keeps indexing.
    with indexer.sync_lock(node_b.config["SEARCH_INDEX_DIR"], timeout=1):
        blocked = cli(node_b, "search", "sync", "--wait", "0.2")
        assert blocked.exit_code == 1 and "正被其他进程写入" in blocked.output
        more = make_results(app, ["光纤光栅应变传感器"])
        assert f"result:{more[0]}" in indexed(app)
    assert cli(node_b, "search", "sync").exit_code == 0
    assert indexed(node_b) == indexed(app)


def later_clock(monkeypatch, days: int) -> None:
    """Let `days` pass for the prune (the rows keep the time they were written)."""
    monkeypatch.setattr(search_index, "utcnow", lambda: utcnow() + timedelta(days=days))


def outbox_rows(node) -> list:
    with node.app_context():
        return db.session.execute(select(SearchChange.id, SearchChange.listing_id).order_by(SearchChange.id)).all()


def test_prune_makes_a_lagging_node_reindex_instead_of_missing_changes(app, node_b, tmp_path, monkeypatch):
    ids = make_results(app, ["海水淡化反渗透膜", "反渗透膜污染控制"])
    assert cli(node_b, "search", "sync").exit_code == 0
    # B stops following; meanwhile A withdraws one result and publishes another.
    change(app, ids[0], "withdraw")
    newer = make_results(app, ["正渗透膜组件"])
    newest = outbox_rows(app)[-1].id

    later_clock(monkeypatch, days=40)
    result = cli(app, "search", "prune", "--keep-days", "30")
    assert result.exit_code == 0 and "须运行 flask search reindex" in result.output, result.output
    assert [(row.id, row.listing_id) for row in outbox_rows(app)] == [(newest, outbox.PRUNE_MARKER)]

    # A had applied everything: it carries on. B had not: it refuses and says what to do.
    assert "索引已是最新" in cli(app, "search", "sync").output
    assert cli(app, "search", "status").exit_code == 0
    refused = cli(node_b, "search", "sync")
    assert refused.exit_code == 1 and "已清理到第" in refused.output and "flask search reindex" in refused.output
    status = cli(node_b, "search", "status")
    assert status.exit_code == 1 and "需要重建" in status.output
    assert f"result:{ids[0]}" in indexed(node_b)  # nothing half-applied

    # A brand-new node cannot replay a pruned log either.
    node_c = build_app(tmp_path, SEARCH_INDEX_DIR=str(tmp_path / "node_c_index"))
    try:
        assert cli(node_c, "search", "sync").exit_code == 1
        assert cli(node_c, "search", "reindex").exit_code == 0
        assert indexed(node_c) == indexed(app)
    finally:
        with node_c.app_context():
            db.engine.dispose()

    assert cli(node_b, "search", "reindex").exit_code == 0
    assert indexed(node_b) == indexed(app) == {f"result:{ids[1]}", f"result:{newer[0]}"}
    # Both keep following after the prune.
    change(app, ids[1], "withdraw")
    for node in (app, node_b):
        assert cli(node, "search", "sync").exit_code == 0
        assert cli(node, "search", "status").exit_code == 0
    assert indexed(node_b) == indexed(app) == {f"result:{newer[0]}"}
    assert hits(app, "渗透膜") == hits(node_b, "渗透膜") == newer


def test_prune_keeps_recent_changes_and_ids_keep_increasing(app, node_b, monkeypatch):
    app.config["SEARCH_AUTO_SYNC"] = False  # written "40 days ago": aged before any node applies them
    old = make_results(app, ["旧成果一", "旧成果二"])
    with app.app_context():
        db.session.execute(update(SearchChange).values(at=utcnow() - timedelta(days=40)))
        db.session.commit()
    app.config["SEARCH_AUTO_SYNC"] = True
    recent = make_results(app, ["新成果"])
    assert cli(node_b, "search", "sync").exit_code == 0

    assert cli(app, "search", "prune").exit_code == 0  # default: keep 30 days
    rows = outbox_rows(app)
    assert [row.listing_id for row in rows] == [outbox.PRUNE_MARKER, recent[0]]
    assert "没有早于" in cli(app, "search", "prune", "--keep-days", "60").output
    for node in (app, node_b):
        assert cli(node, "search", "status").exit_code == 0

    later_clock(monkeypatch, days=90)
    assert cli(app, "search", "prune", "--keep-days", "1").exit_code == 0
    assert [row.id for row in outbox_rows(app)] == [rows[-1].id]  # the newest row stays, as the marker
    more = make_results(app, ["更新成果"])
    assert outbox_rows(app)[-1].id > rows[-1].id  # SQLite would reuse ids of an emptied table
    assert cli(node_b, "search", "sync").exit_code == 0
    assert indexed(node_b) == indexed(app) == {f"result:{i}" for i in (*old, *recent, *more)}


def test_a_reindex_during_a_prune_keeps_following_after_it(app, node_b):
    # A prune marks its newest row first and then deletes from the oldest id up, in
    # committed batches. A rebuild that reads the log half-way must still start from the
    # marker, or the finished prune would later look like changes it missed.
    ids = make_results(app, [f"储能电池第{i}批" for i in range(6)])
    with app.app_context():
        rows = db.session.scalars(select(SearchChange).order_by(SearchChange.id)).all()
        marker = rows[-2].id
        db.session.execute(update(SearchChange).where(SearchChange.id == marker)
                           .values(listing_id=outbox.PRUNE_MARKER))
        db.session.execute(SearchChange.__table__.delete().where(SearchChange.id <= rows[1].id))
        db.session.commit()
    assert cli(node_b, "search", "reindex").exit_code == 0  # reads rows[2:], marker among them
    with app.app_context():
        db.session.execute(SearchChange.__table__.delete().where(SearchChange.id < marker))
        db.session.commit()
    newer = make_results(app, ["储能电池新批次"])
    synced = cli(node_b, "search", "sync")
    assert synced.exit_code == 0, synced.output
    assert cli(node_b, "search", "status").exit_code == 0
    assert indexed(node_b) == {f"result:{i}" for i in (*ids, *newer)}


def test_a_restored_database_stops_the_other_nodes_until_they_reindex(app, node_b, tmp_path, caplog,
                                                                      schema_rebuilt_after):
    before = make_results(app, ["地热能梯级利用", "地热尾水回灌"])
    assert cli(node_b, "search", "sync").exit_code == 0
    with app.app_context():
        archive = create_backup(app, str(tmp_path / "backup.tar.gz")).path
    make_results(app, ["地热井换热器"])
    assert cli(node_b, "search", "sync").exit_code == 0  # B has now applied a change the backup lacks

    with app.app_context():
        restore_backup(app, archive)  # A restores and rebuilds its own index
    again = make_results(app, ["干热岩压裂技术"])  # takes the id of the change B applied last, on both databases

    # B's next search notices, logs what to do and changes nothing.
    node_b.config["SEARCH_CATCH_UP_SECONDS"] = 0
    with caplog.at_level(logging.ERROR, logger="search_index"):
        hits(node_b, "地热")
    assert "flask search reindex" in caplog.text and "备份恢复" in caplog.text
    refused = cli(node_b, "search", "sync")
    assert refused.exit_code == 1 and "备份恢复" in refused.output, refused.output
    assert hits(node_b, "干热岩") == [] and hits(app, "干热岩") == again  # B stays stale until it reindexes
    assert cli(node_b, "search", "status").exit_code == 1
    assert cli(node_b, "search", "reindex").exit_code == 0
    assert indexed(node_b) == indexed(app) == {f"result:{i}" for i in (*before, *again)}
    assert hits(app, "地热") == hits(node_b, "地热")


@pytest.mark.parametrize("upto, seen, rows, stale", [
    (10, [], [(11, 5), (12, 6)], False),                 # nothing pruned
    (10, [], [(12, 0), (13, 6)], True),                  # 11 and 12 pruned before B applied them
    (10, [11, 12], [(12, 0), (13, 6)], False),           # B had applied them (out of order)
    (10, [12], [(12, 0)], True),                         # 11 gone: a gap B never saw filled
    (10, [], [(11, 4), (12, 5), (14, 0)], True),         # a prune half-way: 13 already deleted
    (10, [13], [(11, 4), (12, 5), (14, 0)], True),       # …and 14's own change is gone too
    (10, [13, 14], [(11, 4), (12, 5), (14, 0)], False),  # …unless B had applied them
])
def test_pruned_log_check(upto, seen, rows, stale):
    from types import SimpleNamespace

    changes = [SimpleNamespace(id=i, listing_id=listing) for i, listing in rows]
    state = {"upto": upto, "seen": seen, "gaps": {}}
    if stale:
        with pytest.raises(outbox.IndexStale):
            outbox.check_pruned(state, changes)
    else:
        outbox.check_pruned(state, changes)
