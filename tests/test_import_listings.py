"""`flask listings import`: happy paths, stored values, re-import and the CLI."""
import csv
import os
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.listings.importer import RESULT_COLUMNS, import_listings_file
from models import ListingEvent, ListingStatus, Organisation, SearchChange, TechNeed, TechResult, db

DATA = os.path.join(os.path.dirname(__file__), "data")


def data_file(name):
    return os.path.join(DATA, name)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def write_results_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_COLUMNS)
        writer.writerows(rows)
    return str(path)


def result_row(title="测试成果", org="测试大学", **overrides):
    row = dict(title=title, org_name=org, org_type="高等院校", region_code="530100", field="农业",
               keywords="测试", summary="摘要", maturity="中试", ip="", transfer_modes="转让", price_wan="")
    row.update(overrides)
    return [row[c] for c in RESULT_COLUMNS]


def test_results_csv_rows_are_stored_exactly(ctx):
    messages = []
    assert import_listings_file(data_file("import_results.csv"), "result", progress=messages.append) == 3
    saponin = db.session.scalar(select(TechResult).where(TechResult.title == "三七总皂苷提取纯化工艺"))
    assert saponin.price_fen == 12_345_678
    assert saponin.status == ListingStatus.PUBLISHED and saponin.published_at is not None
    assert saponin.keywords == "三七;总皂苷;提取纯化"
    assert saponin.ip_types == "发明专利;技术秘密"
    assert saponin.ip_numbers == "ZL201710601862.3"
    assert saponin.transfer_modes == "转让;许可"
    assert saponin.field == "生物医药和医疗器械" and saponin.maturity == "中试"
    assert saponin.region_code == "530100" and saponin.created_by_id is None
    assert saponin.organisation.name == "昆明理工大学" and saponin.organisation.org_type == "高等院校"
    catalyst = db.session.scalar(select(TechResult).where(TechResult.title == "高性能燃料电池铂基催化剂"))
    assert catalyst.price_fen == 500 * 1_000_000
    assert catalyst.summary == "低铂载量，功率密度 1.2 W/cm²。\n已完成 1000 小时耐久测试。"
    cold_chain = db.session.scalar(select(TechResult).where(TechResult.title == "高原特色农产品冷链保鲜技术"))
    assert cold_chain.price_fen is None  # 面议
    assert cold_chain.summary.startswith("<b>预冷</b>")  # stored as typed, escaped on display
    assert cold_chain.ip_types == "" and cold_chain.transfer_modes == "技术服务;技术咨询"


def test_each_import_has_history_and_index_change(ctx):
    import_listings_file(data_file("import_results.csv"), "result")
    events = db.session.scalars(select(ListingEvent)).all()
    assert len(events) == 3
    assert {e.action for e in events} == {"import"}
    assert all(e.actor_id is None and e.to_status == ListingStatus.PUBLISHED and e.from_status is None
               for e in events)
    assert all("import_results.csv" in e.comment for e in events)
    ids = set(db.session.scalars(select(TechResult.id)))
    assert {e.result_id for e in events} == ids
    changes = db.session.scalars(select(SearchChange)).all()
    assert {(c.kind, c.listing_id) for c in changes} == {("result", i) for i in ids}


def test_needs_xlsx_with_numeric_and_date_cells(ctx):
    assert import_listings_file(data_file("import_needs.xlsx"), "need") == 3
    battery = db.session.scalar(select(TechNeed).where(TechNeed.title == "锂电池包热管理系统优化"))
    assert battery.budget_fen == 12_345_678  # a float cell, converted without float rounding
    assert battery.region_code == "530100"  # an integer cell
    assert battery.deadline == date(2036, 12, 31)  # a date cell
    assert not battery.is_bounty and battery.bounty_fen is None
    bounty = db.session.scalar(select(TechNeed).where(TechNeed.title == "三七种植连作障碍治理揭榜挂帅"))
    assert bounty.is_bounty and bounty.bounty_fen == bounty.budget_fen == 300 * 1_000_000
    assert bounty.deadline == date(2036, 6, 30)
    assert bounty.bounty_goals == bounty.description and "存苗率" in bounty.bounty_goals
    assert bounty.region_code == "532600" and bounty.status == ListingStatus.PUBLISHED
    plain = db.session.scalar(select(TechNeed).where(TechNeed.title == "工业废水零排放工艺咨询"))
    assert plain.budget_fen is None and plain.deadline is None and plain.keywords == ""
    # One organisation used by two rows is created once.
    assert count(Organisation) == 2
    assert count(ListingEvent) == 3


def test_gb18030_csv_imports_the_same_text(ctx):
    assert import_listings_file(data_file("import_results_gb18030.csv"), "result") == 3
    titles = set(db.session.scalars(select(TechResult.title)))
    assert "三七总皂苷提取纯化工艺" in titles and "高原特色农产品冷链保鲜技术" in titles
    org = db.session.scalar(select(Organisation).where(Organisation.name == "中国科学院昆明贵金属研究所"))
    assert org is not None and org.org_type == "科研机构"


def test_cli_imports_and_reports_count(runner, app):
    result = runner.invoke(args=["listings", "import", data_file("import_results.csv"), "--kind", "result"])
    assert result.exit_code == 0, result.output
    assert "已导入 3 条" in result.output
    with app.app_context():
        assert count(TechResult) == 3


def test_reimport_skips_existing_rows(runner, app, tmp_path):
    args = ["listings", "import", data_file("import_results.csv"), "--kind", "result"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 0, again.output
    assert "跳过 3 条已存在" in again.output and "已导入 0 条" in again.output
    # A file mixing one old and one new row adds only the new one.
    mixed = write_results_csv(tmp_path / "mixed.csv", [
        result_row("三七总皂苷提取纯化工艺", "昆明理工大学"), result_row("新成果", "昆明理工大学")])
    third = runner.invoke(args=["listings", "import", mixed, "--kind", "result"])
    assert third.exit_code == 0, third.output
    assert "跳过 1 条已存在" in third.output and "已导入 1 条" in third.output
    with app.app_context():
        assert count(TechResult) == 4 and count(ListingEvent) == 4
        assert count(Organisation) == 3


def test_same_title_as_a_need_is_not_a_duplicate_result(ctx, tmp_path):
    from tests.factories import make_need, make_org

    org = make_org(name="测试大学", org_type="高等院校")
    make_need(org, title="测试成果")
    path = write_results_csv(tmp_path / "r.csv", [result_row("测试成果", "测试大学")])
    assert import_listings_file(path, "result") == 1


def test_existing_organisation_is_reused(ctx, tmp_path):
    from tests.factories import make_org

    org = make_org(name="测试大学", org_type="高等院校", region_code="510100")
    path = write_results_csv(tmp_path / "r.csv", [result_row("成果甲", "测试大学")])
    assert import_listings_file(path, "result") == 1
    listing = db.session.scalar(select(TechResult))
    assert listing.organisation_id == org.id and listing.region_code == "530100"
    assert count(Organisation) == 1


def test_hostile_text_is_stored_verbatim(ctx, tmp_path):
    path = write_results_csv(tmp_path / "r.csv", [
        result_row("=cmd|' /C calc'!A0", summary="<script>alert(1)</script>", keywords="@SUM(1+1);+cmd"),
    ])
    assert import_listings_file(path, "result") == 1
    listing = db.session.scalar(select(TechResult))
    assert listing.title == "=cmd|' /C calc'!A0"
    assert listing.summary == "<script>alert(1)</script>"
    assert listing.keywords == "@SUM(1+1);+cmd"


def test_progress_every_thousand_rows(ctx, tmp_path):
    rows = [result_row(f"成果{i}", f"单位{i % 7}", org_type="企业") for i in range(2500)]
    path = write_results_csv(tmp_path / "many.csv", rows)
    messages = []
    assert import_listings_file(path, "result", progress=messages.append) == 2500
    assert "已校验 1000 行…" in messages and "已校验 2000 行…" in messages
    assert "已导入 1000 / 2500 条…" in messages and "已导入 2500 / 2500 条…" in messages
    assert count(TechResult) == 2500 and count(ListingEvent) == 2500 and count(SearchChange) == 2500


@pytest.mark.slow
def test_ten_thousand_rows_import_quickly(ctx, tmp_path):
    import time

    rows = [result_row(f"成果{i}", f"单位{i % 300}", org_type="企业", price_wan=f"{i}.25") for i in range(10_000)]
    path = write_results_csv(tmp_path / "big.csv", rows)
    started = time.perf_counter()
    assert import_listings_file(path, "result") == 10_000
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"10,000 rows took {elapsed:.1f} s"
    assert count(TechResult) == 10_000
    assert db.session.scalar(select(func.sum(TechResult.price_fen))) == sum(i * 1_000_000 + 250_000
                                                                           for i in range(10_000))


def test_imported_html_is_escaped_on_the_browse_page(app, client, tmp_path):
    path = write_results_csv(tmp_path / "r.csv", [result_row("<script>alert(1)</script>脚本成果", summary="<img src=x>")])
    with app.app_context():
        assert import_listings_file(path, "result") == 1
    page = client.get("/results").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;脚本成果" in page
    assert "<script>alert(1)</script>" not in page
