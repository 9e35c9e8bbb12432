"""The index follows the outbox: after commit, after a crash, from several processes, and on reindex."""
import os
import subprocess
import sys
import textwrap
import time

import pytest
from whoosh import index

import search_index
from search_index import indexer, schema
from models import ListingStatus, Region, db
from tests import factories as f
from tests.conftest import POSTGRES_URL, build_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A "restarted" app is built on the same database file as `app`.
pytestmark = pytest.mark.own_app


@pytest.fixture
def app_config():
    return {"SEARCH_CATCH_UP_SECONDS": 0}


def indexed_keys(app):
    ix = index.open_dir(app.config["SEARCH_INDEX_DIR"])
    with ix.searcher() as searcher:
        return {key.decode() for key in searcher.lexicon("key")} & {
            f"{k}:{i}" for k in ("result", "need") for i in range(1, 1000)
            if searcher.document_number(key=f"{k}:{i}") is not None}


def test_commit_indexes_at_once(app, ctx):
    org = f.make_org()
    result = f.make_result(org)
    db.session.commit()
    assert indexed_keys(app) == {f"result:{result.id}"}


def test_crash_before_indexing_loses_nothing(app, tmp_path):
    with app.app_context():
        app.config["SEARCH_AUTO_SYNC"] = False  # the process "dies" right after the DB commit
        org = f.make_org()
        result_id = f.make_result(org).id
        db.session.commit()
        assert not index.exists_in(app.config["SEARCH_INDEX_DIR"])
    restarted = build_app(tmp_path, SEARCH_CATCH_UP_SECONDS=0)
    with restarted.app_context():
        try:
            assert search_index.search("result", "燃料电池").ids == [result_id]
        finally:
            db.session.remove()
            db.engine.dispose()


def test_crash_between_index_commit_and_progress_note_is_harmless(app, ctx):
    org = f.make_org()
    result = f.make_result(org)
    db.session.commit()
    path = app.config["SEARCH_INDEX_DIR"]
    indexer.write_state(path, {"upto": 0, "seen": [], "gaps": {}, "version": indexer.SCHEMA_VERSION})
    assert search_index.sync(app) == 1
    assert search_index.search("result", "燃料电池").ids == [result.id]
    assert search_index.search("result", "燃料电池").total == 1


def test_reindex_command_rebuilds_from_the_database(app, runner):
    with app.app_context():
        org = f.make_org()
        app.config["SEARCH_AUTO_SYNC"] = False
        ids = [f.make_result(org, title=f"储能系统{i}").id for i in range(3)]
        db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "3 条" in result.output
    with app.app_context():
        assert sorted(search_index.search("result", "储能").ids) == sorted(ids)
        assert search_index.sync(app) == 0  # the outbox is marked as applied


def test_gaps_wait_for_slow_transactions_then_expire():
    state = {"upto": 0, "seen": [], "gaps": {}}
    state = indexer.advance(state, [1, 2, 4], now=1000.0)
    assert state["upto"] == 2 and state["seen"] == [4] and "3" in state["gaps"]
    state = indexer.advance(state, [], now=1000.0 + indexer.GAP_TIMEOUT + 1)
    assert state["upto"] == 4 and state["seen"] == [] and state["gaps"] == {}


WRITER = textwrap.dedent("""
    import sys
    from marketplace import create_app
    from models import Organisation, db
    from tests import factories as f
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "SEARCH_INDEX_DIR": sys.argv[2]})
    with app.app_context():
        org = db.session.get(Organisation, int(sys.argv[3]))
        for i in range(int(sys.argv[4])):
            f.make_result(org, title=f"并发成果{sys.argv[5]}号{i}")
            db.session.commit()
""")


@pytest.mark.slow
def test_concurrent_writer_processes_never_lose_a_change(app, tmp_path):
    with app.app_context():
        org = f.make_org()
        db.session.commit()
        org_id = org.id
    uri = app.config["SQLALCHEMY_DATABASE_URI"] if POSTGRES_URL else app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "PYTHONPATH": ROOT}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, uri, app.config["SEARCH_INDEX_DIR"], str(org_id), "8",
                               str(n)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for n in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err.decode()
        assert b"LockError" not in err and b"sync failed" not in err, err.decode()
    assert len(indexed_keys(app)) == 32  # every change applied by the writers themselves
    with app.app_context():
        assert search_index.search("result", "并发成果", per_page=50).total == 32


def test_savepoint_does_not_sync_before_the_outer_commit(app):
    """A SAVEPOINT ending inside a transaction that recorded a change must not open the index yet.

    (Syncing there opened a second SQLite connection that waited out the busy timeout.)
    """
    with app.app_context():
        org = f.make_org(name="保存点测试单位")
        f.make_result(org, title="保存点燃料电池成果")
        started = time.perf_counter()
        with db.session.begin_nested():
            db.session.add(Region(code="999901", name="测试", province_code="990000", province="测试省"))
        assert time.perf_counter() - started < 2
        db.session.commit()
        assert len(search_index.search("result", "保存点燃料电池").ids) == 1


def test_a_segment_file_vanishing_while_the_searcher_reopens_is_retried(app, ctx, monkeypatch):
    # Another process's merge can delete a segment file just as this worker opens it. Whoosh
    # 2.7.4's Searcher.refresh() then closes its old readers twice (ReaderClosed) and that
    # worker's searcher stays broken; the per-process searcher must retry and recover.
    from whoosh import reading

    from search_index import searchers

    org = f.make_org()
    first = f.make_result(org, title="高性能燃料电池铂基催化剂").id
    db.session.commit()
    path = app.config["SEARCH_INDEX_DIR"]
    with searchers.lock():
        assert searchers.current(path) is not None
    second = f.make_result(org, title="燃料电池双极板涂层").id
    db.session.commit()

    real_init = reading.SegmentReader.__init__
    failures = []

    def vanish_once(self, *args, **kwargs):
        if not failures:
            failures.append(True)
            raise FileNotFoundError("segment merged away")
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(reading.SegmentReader, "__init__", vanish_once)
    assert set(search_index.search("result", "燃料电池").ids) == {first, second}
    assert failures == [True]
    monkeypatch.undo()
    third = f.make_result(org, title="燃料电池电堆测试平台").id
    db.session.commit()
    assert set(search_index.search("result", "燃料电池").ids) == {first, second, third}


def index_contents(ix) -> dict:
    """Every posting (weight and value) and field length by listing key: document numbers differ between writers."""
    with ix.reader() as reader:
        keys = {docnum: term.decode() for term in reader.lexicon("key")
                for docnum in reader.postings("key", term).all_ids()}
        contents = {}
        for name in ix.schema.names():
            if not ix.schema[name].indexed:
                continue
            for term in reader.lexicon(name):
                matcher = reader.postings(name, term)
                while matcher.is_active():
                    contents[name, term, keys[matcher.id()]] = (matcher.weight(), matcher.value())
                    matcher.next()
            contents.update({(name, "length", key): reader.doc_field_length(d, name) for d, key in keys.items()})
        facets = reader.column_reader("facets")
        contents.update({("facets", key): facets[d] for d, key in keys.items()})
    return contents


@pytest.mark.parametrize("procs", [1, 2])
def test_rebuild_writes_what_whooshs_own_writer_writes(app, tmp_path, procs):
    with app.app_context():
        app.config["SEARCH_AUTO_SYNC"] = False
        org = f.make_org(name="昆明理工大學")
        for i in range(60):
            f.make_result(org, title=f"高性能燃料電池鉑基催化劑{i}号 MX-{i}00型", keywords="燃料电池;催化剂",
                          summary="低铂载量催化剂，功率密度提升。燃料电池燃料电池。" * (1 + i % 3))
            f.make_need(org, title=f"电池包热管理技术需求{i}", is_bounty=i % 4 == 0)
        f.make_result(org, title="未发布的成果", status=ListingStatus.DRAFT)
        db.session.commit()
        assert search_index.rebuild(app, procs=procs) == 120
        reference = index.create_in(str(tmp_path), schema.build_schema())
        with reference.writer() as writer:
            for kind in ("result", "need"):
                for row in schema.listing_rows(kind, db.session):
                    writer.add_document(**schema.document_for(row))
        db.session.rollback()
    assert index_contents(index.open_dir(app.config["SEARCH_INDEX_DIR"])) == index_contents(reference)
