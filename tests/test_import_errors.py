"""`flask listings import` refuses bad files whole: every problem reported, nothing stored."""
import csv
import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from marketplace.listings.importer import NEED_COLUMNS, RESULT_COLUMNS, ImportFailed, import_listings_file
from models import ListingEvent, Organisation, SearchChange, TechNeed, TechResult, db

GOOD_RESULT = dict(title="好成果", org_name="测试大学", org_type="高等院校", region_code="530100", field="农业",
                   keywords="测试", summary="摘要", maturity="中试", ip="专利 ZL201710601862.3", transfer_modes="转让",
                   price_wan="10")
GOOD_NEED = dict(title="好需求", org_name="测试企业", org_type="企业", region_code="530100", field="农业",
                 keywords="测试", description="描述", budget_wan="10", deadline="2036-01-31", bounty="no")


def write_csv(path, columns, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return str(path)


def rows_of(good, columns, bad_rows):
    """Line 2 is a good row, then each override dict becomes one row (lines 3, 4, …)."""
    rows = [[good[c] for c in columns]]
    for index, override in enumerate(bad_rows):
        row = {**good, "title": f"{good['title']}{index}", **override}
        rows.append([row[c] for c in columns])
    return rows


def stored_nothing():
    return all(db.session.scalar(select(func.count()).select_from(model)) == 0
               for model in (TechResult, TechNeed, Organisation, ListingEvent, SearchChange))


RESULT_CASES = [
    ("title", {"title": ""}, "不能为空"),
    ("title", {"title": "长" * 201}, "不能超过 200 字"),
    ("title", {"title": "标题\x07响铃"}, "控制字符"),
    ("title", {"title": "两行\n标题"}, "控制字符"),
    ("title", {"title": "反向\u202e标题"}, "不可见字符"),
    ("org_name", {"org_name": ""}, "不能为空"),
    ("org_name", {"org_name": "单" * 101}, "不能超过 100 字"),
    ("org_type", {"org_type": "大学"}, "单位类型“大学”无效"),
    ("region_code", {"region_code": "999999"}, "地区代码 999999 不存在"),
    ("region_code", {"region_code": ""}, "不能为空"),
    ("field", {"field": "化学"}, "技术领域“化学”无效"),
    ("keywords", {"keywords": "a;b;c;d;e;f"}, "关键词最多 5 个"),
    ("keywords", {"keywords": "字" * 21}, "每个关键词不超过 20 字"),
    ("summary", {"summary": "摘" * 5001}, "不能超过 5000 字"),
    ("summary", {"summary": "空字符\x00"}, "控制字符"),
    ("maturity", {"maturity": "试验"}, "成熟度“试验”无效"),
    ("ip", {"ip": "商标"}, "无法识别知识产权类型“商标”"),
    ("ip", {"ip": "专利"}, "请注明类型"),
    ("ip", {"ip": "发明专利 ZL201710601862.4"}, "校验位应为 3"),
    ("ip", {"ip": "无;技术秘密"}, "不能与其他"),
    ("transfer_modes", {"transfer_modes": ""}, "至少填写一种转化方式"),
    ("transfer_modes", {"transfer_modes": "转让;赠送"}, "转化方式“赠送”无效"),
    ("price_wan", {"price_wan": "-5"}, "金额不能为负数"),
    ("price_wan", {"price_wan": "abc"}, "金额格式不正确"),
    ("price_wan", {"price_wan": "1e3"}, "金额格式不正确"),
    ("price_wan", {"price_wan": "NaN"}, "金额格式不正确"),
    ("price_wan", {"price_wan": "1.1234567"}, "最多保留 6 位小数"),
    ("price_wan", {"price_wan": "99999999"}, "金额过大"),
]

NEED_CASES = [
    ("description", {"description": "描" * 5001}, "不能超过 5000 字"),
    ("budget_wan", {"budget_wan": "十万"}, "金额格式不正确"),
    ("deadline", {"deadline": "2026-02-30"}, "不存在"),
    ("deadline", {"deadline": "2036/01/31"}, "格式应为 YYYY-MM-DD"),
    ("deadline", {"deadline": "20360131"}, "格式应为 YYYY-MM-DD"),
    ("deadline", {"deadline": "2020-01-01"}, "已过"),
    ("bounty", {"bounty": "maybe"}, "应为 yes 或 no"),
    ("budget_wan", {"bounty": "yes", "budget_wan": ""}, "必须填写大于 0 的预算"),
    ("budget_wan", {"bounty": "yes", "budget_wan": "0"}, "必须填写大于 0 的预算"),
    ("deadline", {"bounty": "yes", "deadline": ""}, "必须填写截止日期"),
    ("description", {"bounty": "yes", "description": ""}, "必须填写需求描述"),
    ("org_type", {"org_type": "公司"}, "单位类型“公司”无效"),
]


@pytest.mark.parametrize("column, override, message", RESULT_CASES)
def test_bad_result_cell_fails_whole_file(runner, app, tmp_path, column, override, message):
    path = write_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows_of(GOOD_RESULT, RESULT_COLUMNS, [override]))
    result = runner.invoke(args=["listings", "import", path, "--kind", "result"])
    assert result.exit_code == 1, result.output
    assert f"第 3 行：列 {column}：" in result.output
    assert message in result.output
    assert "第 2 行" not in result.output
    assert "未导入任何记录" in result.output
    with app.app_context():
        assert stored_nothing()


@pytest.mark.parametrize("column, override, message", NEED_CASES)
def test_bad_need_cell_fails_whole_file(runner, app, tmp_path, column, override, message):
    path = write_csv(tmp_path / "n.csv", NEED_COLUMNS, rows_of(GOOD_NEED, NEED_COLUMNS, [override]))
    result = runner.invoke(args=["listings", "import", path, "--kind", "need"])
    assert result.exit_code == 1, result.output
    assert f"第 3 行：列 {column}：" in result.output and message in result.output
    with app.app_context():
        assert stored_nothing()


def test_every_bad_line_is_reported(ctx, tmp_path):
    rows = rows_of(GOOD_RESULT, RESULT_COLUMNS, [
        {"field": "化学"}, {}, {"price_wan": "-1", "maturity": "x"}, {}, {"region_code": "000000"}])
    path = write_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failure:
        import_listings_file(path, "result")
    problems = failure.value.problems
    assert [p.split("：")[0] for p in problems] == ["第 3 行", "第 5 行", "第 5 行", "第 7 行"]
    assert any("列 maturity" in p for p in problems) and any("列 price_wan" in p for p in problems)
    assert stored_nothing()


def test_multiline_cells_keep_their_starting_line(ctx, tmp_path):
    rows = rows_of(GOOD_RESULT, RESULT_COLUMNS, [{"summary": "第一行\n第二行\n第三行"}, {"field": "化学"}])
    path = write_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failure:
        import_listings_file(path, "result")
    # Line 3 holds a three-line summary, so the bad row starts on line 6.
    assert failure.value.problems == [
        "第 6 行：列 field：技术领域“化学”无效，应为：电子信息、航空航天、先进制造、生物医药和医疗器械、新材料及其应用、"
        "新能源与高效节能、环境保护与资源综合利用、核应用技术、农业、现代交通、城市建设与社会发展"]


def test_duplicate_rows_and_conflicting_org_types(ctx, tmp_path):
    rows = rows_of(GOOD_RESULT, RESULT_COLUMNS, [{"title": "好成果"}, {"org_type": "企业"}])
    path = write_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failure:
        import_listings_file(path, "result")
    assert failure.value.problems == [
        "第 3 行：列 title：与第 2 行重复（同一单位、同一名称）",
        "第 4 行：列 org_type：与第 2 行同一单位的类型（高等院校）不一致",
    ]
    assert stored_nothing()


def test_existing_organisation_with_other_type_is_refused(ctx, tmp_path):
    from tests.factories import make_org

    make_org(name="测试大学", org_type="科研机构")
    path = write_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows_of(GOOD_RESULT, RESULT_COLUMNS, []))
    with pytest.raises(ImportFailed) as failure:
        import_listings_file(path, "result")
    assert failure.value.problems == ["第 2 行：列 org_type：单位“测试大学”已存在，类型为科研机构，与本行的高等院校不一致"]
    assert db.session.scalar(select(func.count()).select_from(TechResult)) == 0


@pytest.mark.parametrize("header, expected", [
    (list(RESULT_COLUMNS[:-1]), "缺少列：price_wan"),
    (list(RESULT_COLUMNS) + ["contact"], "多余的列：contact"),
    (list(RESULT_COLUMNS) + ["title"], "列 title：表头重复"),
    (list(NEED_COLUMNS), "缺少列：summary"),
])
def test_header_problems(runner, app, tmp_path, header, expected):
    path = write_csv(tmp_path / "h.csv", header, [["x"] * len(header)])
    result = runner.invoke(args=["listings", "import", path, "--kind", "result"])
    assert result.exit_code == 1
    assert "第 1 行：" in result.output and expected in result.output
    with app.app_context():
        assert stored_nothing()


@pytest.mark.parametrize("content, expected", [
    (b"", "文件为空"),
    (b"\r\n\r\n  \n", "文件为空"),
    (",".join(RESULT_COLUMNS).encode() + b"\n", "没有数据行"),
    (b"\xff\xfe\x00\x00\x81", "无法识别文件编码"),
    (b'title,org_name\n"unclosed,x\n', "CSV 格式错误"),
])
def test_unreadable_files(runner, tmp_path, content, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["listings", "import", str(path), "--kind", "result"])
    assert result.exit_code == 1
    assert expected in result.output


def test_fake_xlsx_and_legacy_xls_are_refused(runner, tmp_path):
    fake = tmp_path / "f.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(args=["listings", "import", str(fake), "--kind", "result"])
    assert result.exit_code == 1 and "无法读取 Excel 文件" in result.output
    legacy = tmp_path / "f.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    result = runner.invoke(args=["listings", "import", str(legacy), "--kind", "result"])
    assert result.exit_code == 1 and ".xls" in result.output


def _xlsx_with_infinite_price(path):
    """openpyxl cannot write inf, so patch the sheet XML the way another tool might write it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(RESULT_COLUMNS))
    sheet.append([GOOD_RESULT[c] for c in RESULT_COLUMNS[:-1]] + [424242])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>424242</v>", b"<v>1E+400</v>")
            target.writestr(item, data)
    return str(path)


def test_xlsx_infinite_number_is_refused(ctx, tmp_path):
    with pytest.raises(ImportFailed) as failure:
        import_listings_file(_xlsx_with_infinite_price(tmp_path / "inf.xlsx"), "result")
    assert failure.value.problems == ["第 2 行：列 price_wan：数值无效（非有限数）"]
    assert stored_nothing()


def test_xlsx_float_with_binary_noise_is_refused_not_rounded(ctx, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(RESULT_COLUMNS))
    sheet.append([GOOD_RESULT[c] for c in RESULT_COLUMNS[:-1]] + [1 / 3])
    path = tmp_path / "noise.xlsx"
    workbook.save(path)
    with pytest.raises(ImportFailed) as failure:
        import_listings_file(str(path), "result")
    assert failure.value.problems == ["第 2 行：列 price_wan：金额最多保留 6 位小数（单位万元）"]


@pytest.mark.parametrize("name", ["\x00测试大学", "测试\u202e大学"])
def test_an_organisation_name_with_control_characters_is_a_row_error(runner, app, tmp_path, name):
    # A NUL byte reached the organisation look-up before the row check: a 500-like crash on PostgreSQL.
    path = write_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows_of(GOOD_RESULT, RESULT_COLUMNS, [{"org_name": name}]))
    result = runner.invoke(args=["listings", "import", path, "--kind", "result"])
    assert result.exit_code == 1, result.output
    assert "第 3 行：列 org_name：" in result.output and "控制字符" in result.output
    with app.app_context():
        assert stored_nothing()
