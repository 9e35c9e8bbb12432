"""A listing import leaves its listings searchable and the index's watermark where later syncs expect it."""
import os

import pytest
from sqlalchemy import func, select

import search_index
from marketplace.listings.importer import import_listings_file
from models import SearchChange, TechResult, db
from tests import factories as f

DATA = os.path.join(os.path.dirname(__file__), "data")
RESULTS = os.path.join(DATA, "import_results.csv")
# The production setting: the index follows each commit (here: the end of the import).
pytestmark = pytest.mark.own_app


@pytest.fixture
def app_config():
    return {"SEARCH_AUTO_SYNC": True, "SEARCH_CATCH_UP_SECONDS": 3600}


def outbox_rows():
    return db.session.scalar(select(func.count()).select_from(SearchChange))


def assert_up_to_date(app, documents):
    info = search_index.status(app)
    assert info["problem"] is None and info["pending"] == 0
    assert info["upto"] == info["newest"] and info["seen"] == 0 and info["gaps"] == 0
    assert info["documents"] == documents


def test_imported_listings_are_in_the_index_when_the_import_returns(app, runner):
    result = runner.invoke(args=["listings", "import", RESULTS, "--kind", "result"])
    assert result.exit_code == 0, result.output
    assert "正在写入搜索索引…" in result.output and "已导入 3 条" in result.output
    with app.app_context():
        assert_up_to_date(app, documents=3)  # before any search could catch up
        found = search_index.search("result", "总皂苷")
        assert [item.title for item in found.items] == ["三七总皂苷提取纯化工艺"]
        assert search_index.search("result", "", {"field": "农业"}).total == 1


def test_a_later_sync_has_nothing_left_and_later_changes_follow(app, ctx):
    import_listings_file(RESULTS, "result")
    assert search_index.sync_counts(app).changes == 0
    saponin = db.session.scalar(select(TechResult).where(TechResult.title == "三七总皂苷提取纯化工艺"))
    saponin.title = "三七皂苷纯化新工艺"
    search_index.record_change(saponin)
    f.make_result(f.make_org(), title="稀土永磁电机")
    db.session.commit()
    assert_up_to_date(app, documents=4)  # the edited one replaced, not added twice
    assert [item.title for item in search_index.search("result", "纯化").items] == ["三七皂苷纯化新工艺"]


def test_a_reimport_adds_no_outbox_rows_and_no_documents(app, ctx):
    assert import_listings_file(RESULTS, "result") == 3
    assert import_listings_file(RESULTS, "result") == 0
    assert outbox_rows() == 3
    assert_up_to_date(app, documents=3)


def test_a_busy_index_leaves_the_import_stored_and_the_next_sync_applies_it(app, ctx, monkeypatch):
    def busy(*_args, **_kwargs):
        raise search_index.IndexBusy(search_index.index_dir(app))

    with monkeypatch.context() as patch:
        patch.setattr(search_index, "sync_counts", busy)
        messages = []
        assert import_listings_file(RESULTS, "result", progress=messages.append) == 3
    assert any("下次同步" in message for message in messages)
    assert search_index.status(app)["pending"] == 3
    assert search_index.sync_counts(app).changes == 3
    assert_up_to_date(app, documents=3)


def test_an_import_with_errors_writes_nothing_to_the_outbox_or_the_index(app, ctx, tmp_path):
    from marketplace.listings.importer import ImportFailed

    bad = tmp_path / "bad.csv"
    with open(RESULTS, encoding="utf-8-sig") as handle:
        bad.write_text(handle.read() + "坏行,某单位,企业,999999,农业,,,中试,,转让,\n", encoding="utf-8")
    with pytest.raises(ImportFailed):
        import_listings_file(str(bad), "result")
    assert outbox_rows() == 0 and db.session.scalar(select(func.count()).select_from(TechResult)) == 0
