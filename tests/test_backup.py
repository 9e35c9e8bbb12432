"""Backups of the current database (the SQLite file, or PostgreSQL when DATABASE_URL is set).

A round trip brings back every row of every table and every uploaded file; a damaged,
foreign or mismatched archive is refused with a clear message and changes nothing.
"""
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import threading
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, inspect, select, text

import search_index
from marketplace.backup import create_backup, read_manifest, restore_backup
from marketplace.cli import create_token, init_db
from marketplace.contracts import services as contract_services
from marketplace.listings import services as listing_services
from models import ApiToken, Contract, ContractAttachment, ContractEvent, Organisation, TechResult, User, db
from tests import factories as f
from tests.conftest import POSTGRES_URL, drop_everything
from tests.contract_helpers import draft, officials, parties, register_path

PDF = b"%PDF-1.4\n% signed contract scan\n" + bytes(range(256)) * 40
YEAR = "from=2026-01-01&to=2026-12-31"


@pytest.fixture
def app_config():
    return {"SEARCH_CATCH_UP_SECONDS": 0}


@pytest.fixture
def schema_rebuilt_after(app):
    """For tests that restore PostgreSQL: migrate the shared test schema afresh afterwards.

    pg_restore recreates the tables from the dump, and PostgreSQL prints some CHECK constraints
    back differently (same meaning); other tests expect the schema exactly as the migrations make it.
    """
    yield
    if POSTGRES_URL:
        with app.app_context():
            db.session.remove()
            drop_everything()
            init_db()
            db.engine.dispose()


@pytest.fixture
def world(app):
    """Organisations, people, listings, registered contracts with exact amounts, an attachment, a token."""
    with app.app_context():
        seller, buyer = parties()
        seller_user = f.make_user("seller_user", "institute", seller)
        buyer_user = f.make_user("buyer_user", "enterprise", buyer)
        official, _second, _chengdu = officials()
        results = [f.make_result(seller, seller_user, title=title) for title in
                   ("钙钛矿叠层电池界面钝化技术", "固态电池电解质膜制备", "高温超导带材连续制备工艺")]
        listing_services.transition(results[2], "withdraw", seller_user)
        need = f.make_need(buyer, buyer_user, title="电池包热管理技术需求", is_bounty=True)
        big = draft(seller, buyer, seller_user, 4_321_987_65, {"equipment": 12_345_67})
        attachment = contract_services.attach_pdf(big, seller_user, "签署合同.pdf", PDF)  # while still a draft
        register_path(big, seller_user, official, on=date(2026, 3, 10))
        small = draft(seller, buyer, seller_user, 7_00, title="检测服务合同", contract_type="技术服务",
                      subtype=None)
        register_path(small, seller_user, official, on=date(2026, 5, 20))
        filed = draft(seller, buyer, seller_user, 99_99, title="在审合同")
        contract_services.transition(filed, "file", seller_user)
        create_token(seller_user, "backup-test")
        db.session.commit()
        search_index.add_words(["界面钝化"])
        return {"big": big.id, "small": small.id, "filed": filed.id, "attachment": attachment.id,
                "published": sorted(r.id for r in results[:2]), "need": need.id,
                "attachment_file": contract_services.attachment_path(attachment)}


def dump_tables(app) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key."""
    with app.app_context():
        with db.engine.connect() as conn:
            inspector = inspect(conn)
            dump = {}
            for name in sorted(inspector.get_table_names()):
                order = inspector.get_pk_constraint(name)["constrained_columns"] or [
                    c["name"] for c in inspector.get_columns(name)]
                columns = ", ".join(f'"{c}"' for c in order)
                dump[name] = [tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY {columns}'))]
        db.engine.dispose()
        return dump


def money(app) -> tuple[int, int, int]:
    with app.app_context():
        rows = db.session.execute(select(Contract.contract_amount_fen, Contract.tech_amount_fen)
                                  .where(Contract.status == "registered")).all()
        return len(rows), sum(r[0] for r in rows), sum(r[1] for r in rows)


def cli(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def people(world):
    """(seller, buyer, seller's user, official) reloaded in the current app context."""
    contract = db.session.get(Contract, world["big"])
    user = db.session.scalar(select(User).where(User.username == "seller_user"))
    official = db.session.scalar(select(User).where(User.username == "official_a"))
    return (db.session.get(Organisation, contract.seller_org_id), db.session.get(Organisation, contract.buyer_org_id),
            user, official)


def live_on(app, world):
    """Life after the backup: new rows, edits, deletions, a lost file, an edited dictionary."""
    with app.app_context():
        seller, buyer, user, official = people(world)
        late = draft(seller, buyer, user, 55_555_55, title="备份之后的合同")
        register_path(late, user, official, on=date(2026, 6, 1))
        f.make_result(seller, user, title="备份之后发布的成果")
        listing_services.update_listing(db.session.get(TechResult, world["published"][0]), user,
                                        {"title": "改过的标题"})
        db.session.execute(ContractEvent.__table__.delete().where(ContractEvent.contract_id == world["filed"]))
        db.session.execute(ApiToken.__table__.delete())
        db.session.delete(db.session.get(ContractAttachment, world["attachment"]))
        db.session.add(Organisation(name="备份之后的单位", org_type="企业", region_code="530100"))
        db.session.commit()
    os.remove(world["attachment_file"])
    with open(app.config["SEARCH_DICT_FILE"], "w", encoding="utf-8") as handle:
        handle.write("别的词\n")


def test_round_trip_brings_back_every_row_and_file(app, client, auth, world, tmp_path, schema_rebuilt_after):
    before, totals = dump_tables(app), money(app)
    with open(app.config["SEARCH_DICT_FILE"], encoding="utf-8") as handle:
        dictionary = handle.read()
    target = tmp_path / "market.tar.gz"
    created = cli(app, "backup", "create", str(target))
    assert created.exit_code == 0, created.output
    assert "备份完成" in created.output and "合同成交额 4,321,994.65 元" in created.output
    manifest = read_manifest(str(target))
    assert manifest["database"] == ("postgresql" if POSTGRES_URL else "sqlite")
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items()}
    assert manifest["totals"] == {"registered_contracts": 2, "contract_amount_fen": totals[1],
                                  "tech_amount_fen": totals[2]}
    assert manifest["schema_revision"] and sorted(e["role"] for e in manifest["files"]) == [
        "attachment", "database", "dictionary"]
    assert oct(os.stat(target).st_mode & 0o777) == "0o600"  # it holds password hashes
    assert cli(app, "backup", "verify", str(target)).exit_code == 0

    live_on(app, world)
    assert dump_tables(app) != before and money(app) != totals

    restored = cli(app, "backup", "restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "恢复完成" in restored.output and "检索索引已重建：3 条" in restored.output
    assert "其他应用节点请各自运行 flask search reindex" in restored.output
    after = dump_tables(app)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    assert money(app) == totals == (2, 4_321_987_65 + 7_00, 4_321_987_65 - 12_345_67 + 7_00)
    with open(world["attachment_file"], "rb") as handle:
        assert handle.read() == PDF
    with open(app.config["SEARCH_DICT_FILE"], encoding="utf-8") as handle:
        assert handle.read() == dictionary

    # The restored site works: figures to the fen, log-in, the attachment, search.
    body = client.get(f"/api/v1/stats/regions?parent=530000&{YEAR}").get_json()
    kunming = next(item for item in body["items"] if item["code"] == "530100")
    assert (kunming["contracts"], kunming["contract_amount"], kunming["tech_amount"]) == (
        2, "4321994.65", "4309648.98")
    assert client.get("/stats/?region=530000&kind=year&year=2026").status_code == 200
    assert auth.login("seller_user").status_code == 302
    download = client.get(f"/contracts/{world['big']}/attachments/{world['attachment']}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    with app.app_context():
        assert sorted(search_index.search("result", "电池").ids) == world["published"]
        assert search_index.search("result", "备份之后").ids == []
        # New rows after the restore take fresh ids and numbers (sequences and counters came back too).
        seller, buyer, user, official = people(world)
        again = draft(seller, buyer, user, 1_00, title="恢复之后的合同")
        register_path(again, user, official, on=date(2026, 7, 1))
        db.session.add(Organisation(name="恢复之后的单位", org_type="企业", region_code="530100"))
        db.session.commit()
        assert again.registration_no == "2026530100000003"


def test_restore_asks_first(app, world, tmp_path):
    target = str(tmp_path / "market.tar.gz")
    with app.app_context():
        create_backup(app, target)
    live_on(app, world)
    before = dump_tables(app)
    answer = cli(app, "backup", "restore", target, input="n\n")
    assert answer.exit_code == 1 and "确定继续吗" in answer.output
    assert dump_tables(app) == before


def rewrite(source: str, target: str, change) -> None:
    """Copy an archive member by member; `change(name, payload, manifest)` may alter a payload or the manifest."""
    with tarfile.open(source, "r:gz") as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
    manifest = json.loads(members[0][1])
    members = [(name, change(name, payload, manifest)) for name, payload in members[1:]]
    with tarfile.open(target, "w:gz") as out:
        for name, payload in [("manifest.json", json.dumps(manifest).encode()), *members]:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            out.addfile(info, io.BytesIO(payload))


def matching_manifest(name, payload, manifest):
    """Replace the database with garbage and make the manifest agree (only the database can notice)."""
    if name.startswith("database."):
        payload = payload[: len(payload) // 2] + b"\0" * 4096
        entry = next(e for e in manifest["files"] if e["name"] == name)
        entry["size"], entry["sha256"] = len(payload), hashlib.sha256(payload).hexdigest()
    return payload


def damage(kind: str, good: str, bad: str) -> None:
    with open(good, "rb") as handle:
        data = handle.read()
    if kind == "truncated":
        data = data[: len(data) * 2 // 3]
    elif kind == "flipped":
        middle = len(data) // 2
        data = data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]
    elif kind == "not a backup":
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            info = tarfile.TarInfo("market.db")
            info.size = 5
            tar.addfile(info, io.BytesIO(b"hello"))
        data = buffer.getvalue()
    elif kind == "not gzip":
        data = b"just some text, not an archive\n" * 10
    if kind in ("tampered member", "other database", "newer schema", "database agrees with manifest"):
        def change(name, payload, manifest):
            if kind == "tampered member" and name.startswith("attachments/"):
                return payload.replace(b"signed", b"forged")
            if kind == "other database":
                manifest["database"] = "sqlite" if POSTGRES_URL else "postgresql"
            if kind == "newer schema":
                manifest["schema_revision"] = "9999_from_the_future"
            if kind == "database agrees with manifest":
                return matching_manifest(name, payload, manifest)
            return payload
        rewrite(good, bad, change)
        return
    with open(bad, "wb") as handle:
        handle.write(data)


@pytest.mark.parametrize("kind, message", [
    ("truncated", "损坏或不完整"),
    ("flipped", "损坏"),
    ("not a backup", "不是本系统的备份文件"),
    ("not gzip", "无法读取备份文件"),
    ("tampered member", "校验和与清单不符"),
    ("other database", "不能恢复到不同种类的数据库"),
    ("newer schema", "请先升级程序再恢复"),
    ("database agrees with manifest", "数据库"),
])
def test_a_bad_archive_is_refused_and_changes_nothing(app, world, tmp_path, kind, message):
    good, bad = str(tmp_path / "good.tar.gz"), str(tmp_path / "bad.tar.gz")
    with app.app_context():
        create_backup(app, good)
    live_on(app, world)
    damage(kind, good, bad)
    before, files = dump_tables(app), sorted(os.listdir(app.instance_path))
    result = cli(app, "backup", "restore", bad, "--yes")
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output, result.output
    assert dump_tables(app) == before
    assert sorted(os.listdir(app.instance_path)) == files  # no staging folder left behind
    assert not os.path.exists(world["attachment_file"])  # the file deleted after the backup stays deleted
    if kind not in ("other database", "newer schema"):  # those two are sound archives, just not for here
        assert cli(app, "backup", "verify", bad).exit_code == 1


def test_gzip_of_a_bad_tar_is_reported_not_raised(app, world, tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(gzip.compress(b"\x00" * 10 + b"garbage" * 100))
    result = cli(app, "backup", "restore", str(bad), "--yes")
    assert result.exit_code == 1 and "备份" in result.output


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL restores in one transaction; shown on PostgreSQL")
def test_postgres_restore_that_fails_half_way_rolls_back(app, world, tmp_path):
    target = str(tmp_path / "market.tar.gz")
    with app.app_context():
        create_backup(app, target)
    live_on(app, world)
    with app.app_context():
        # An object outside the backup depends on a table: pg_restore --clean cannot drop that table.
        with db.engine.begin() as conn:
            conn.execute(text("CREATE VIEW backup_test_blocker AS SELECT id FROM organisations"))
        db.engine.dispose()
    try:
        before = dump_tables(app)
        result = cli(app, "backup", "restore", target, "--yes")
        assert result.exit_code == 1 and "数据库已回滚、未作任何改变" in result.output, result.output
        assert dump_tables(app) == before
    finally:
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("DROP VIEW IF EXISTS backup_test_blocker"))
            db.engine.dispose()


def test_backup_taken_while_another_connection_writes_is_consistent(app, world, tmp_path, schema_rebuilt_after):
    """The copy is one snapshot: its manifest matches what the restore brings back, row for row."""
    stop = threading.Event()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def writer():
        number = 0
        while not stop.is_set():
            number += 1
            with engine.begin() as conn:
                conn.execute(Organisation.__table__.insert().values(
                    name=f"并发写入单位{number}", org_type="企业", region_code="530100"))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with app.app_context():
            reports = [create_backup(app, str(tmp_path / f"during-{n}.tar.gz")) for n in range(3)]
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    counts = [report.manifest["tables"]["organisations"] for report in reports]
    assert counts == sorted(counts)
    assert len(dump_tables(app)["organisations"]) > counts[0]  # the writer did write meanwhile
    with app.app_context():
        report = restore_backup(app, reports[1].path)
    assert report.differences == []
    assert len(dump_tables(app)["organisations"]) == counts[1]


def test_default_path_and_missing_attachment_files(app, world):
    os.remove(world["attachment_file"])
    result = cli(app, "backup", "create")
    assert result.exit_code == 0, result.output
    assert "1 个附件文件在磁盘上找不到" in result.output
    folder = os.path.join(app.instance_path, "backups")
    (name,) = os.listdir(folder)
    assert re.fullmatch(r"market-(sqlite|postgresql)-\d{8}-\d{6}\.tar\.gz", name)
    manifest = read_manifest(os.path.join(folder, name))
    assert len(manifest["missing_attachments"]) == 1
    assert "attachment" not in {entry["role"] for entry in manifest["files"]}


def test_libpq_url_keeps_the_password_off_the_command_line():
    from marketplace.backup.postgres import connection_url

    node = SimpleNamespace(config={
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://market:p%40ss@db.internal:5433/market?sslmode=require"})
    url, env = connection_url(node)
    assert url == "postgresql://market@db.internal:5433/market?sslmode=require"
    assert env["PGPASSWORD"] == "p@ss"


def fake_client(folder, name: str, version: str) -> None:
    path = os.path.join(folder, name)
    with open(path, "w") as handle:
        handle.write(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    os.chmod(path, 0o755)


@pytest.mark.skipif(not POSTGRES_URL, reason="pg_dump and pg_restore are only used with PostgreSQL")
def test_missing_or_old_postgres_clients_are_explained(app, world, tmp_path):
    good = str(tmp_path / "good.tar.gz")
    with app.app_context():
        create_backup(app, good)
    before = dump_tables(app)
    empty, old = tmp_path / "empty", tmp_path / "old"
    empty.mkdir()
    old.mkdir()
    fake_client(old, "pg_dump", "9.6.24")
    fake_client(old, "pg_restore", "9.6.24")

    app.config["BACKUP_PG_BIN_DIR"] = str(empty)
    missing = cli(app, "backup", "create", str(tmp_path / "x.tar.gz"))
    assert missing.exit_code == 1 and "找不到 pg_dump" in missing.output and "MARKET_BACKUP_PG_BIN_DIR" in missing.output
    assert "找不到 pg_restore" in cli(app, "backup", "restore", good, "--yes").output

    app.config["BACKUP_PG_BIN_DIR"] = str(old)
    too_old = cli(app, "backup", "create", str(tmp_path / "y.tar.gz"))
    assert too_old.exit_code == 1 and "pg_dump 版本（9）低于数据库服务器版本" in too_old.output
    refused = cli(app, "backup", "restore", good, "--yes")
    assert refused.exit_code == 1 and "本机 pg_restore 为 9" in refused.output
    assert not os.path.exists(tmp_path / "x.tar.gz") and not os.path.exists(tmp_path / "y.tar.gz")
    assert dump_tables(app) == before
