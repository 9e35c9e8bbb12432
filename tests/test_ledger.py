"""The register (登记台账): scope, filters, bad input, totals equal to the statistics, exports, pages."""
import csv
import html
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from marketplace.contracts import ledger
from models import User, db
from tests.factories import make_org, make_user
from tests.test_stats_data import add_contract

FORMULA = '=HYPERLINK("http://evil.example/x","点击")'
BIG_FEN = 1_234_567_890_123  # 12345678901.23 元


@pytest.fixture
def world(app):
    with app.app_context():
        km, qj = make_org("昆明市科学技术局（台账）", "机关", "530100"), make_org("云南省科学技术厅（台账）", "机关", "530000")
        cd = make_org("成都市科学技术局（台账）", "机关", "510100")
        make_user("official_km", "official", km)
        make_user("official_yn", "official", qj)
        make_user("official_cd", "official", cd)
        make_user("inst", "institute")
        broker = make_user("broker_li", "broker", display_name="李经纪")
        add_contract("530100", registered_on=date(2025, 3, 1), contract_fen=350_150, tech_fen=250_100,
                     title="甲-转让", contract_type="技术转让", tech_field="农业", seller_name="昆明理工大学",
                     buyer_name="曲靖某公司", broker_id=broker.id)
        add_contract("530100", registered_on=date(2025, 6, 11), contract_fen=BIG_FEN, tech_fen=BIG_FEN - 1,
                     title="乙-开发", tech_field="电子信息", seller_name=FORMULA, buyer_name="某集团")
        add_contract("530100", registered_on=date(2025, 6, 30), contract_fen=1, tech_fen=0,
                     title="丙-咨询", contract_type="技术咨询", tech_field="农业", seller_name="云南农业大学")
        add_contract("530100", registered_on=date(2024, 12, 31), contract_fen=99_00, title="丁-去年")
        add_contract("530100", registered_on=date(2025, 5, 5), contract_fen=500_00, status="cancelled",
                     title="戊-撤销")
        add_contract("530100", status="filed", contract_fen=700_00, title="己-申报",
                     submitted_at=datetime(2025, 6, 2, 3, 0))
        add_contract("530100", status="refused", contract_fen=800_00, title="庚-不予登记",
                     submitted_at=datetime(2025, 4, 2, 3, 0))
        add_contract("530100", status="draft", contract_fen=900_00, title="辛-草稿")
        add_contract("530300", registered_on=date(2025, 6, 1), contract_fen=123_45, title="曲靖-开发")
        add_contract("510100", registered_on=date(2025, 6, 1), contract_fen=555_55, title="成都-开发",
                     seller_name="成都某院")
        db.session.commit()


KM_VISIBLE = {"甲-转让", "乙-开发", "丙-咨询", "丁-去年", "戊-撤销", "己-申报", "庚-不予登记"}


def titles(response) -> set[str]:
    return set(re.findall(r'<td class="register-title"><a [^>]*>([^<]+)</a>', response.get_data(as_text=True)))


def page_totals(response) -> tuple[int, str, str]:
    text = re.search(r'id="register-totals">(.*?)</div>', response.get_data(as_text=True), re.S).group(1)
    count = int(re.search(r"(\d+) 份", text).group(1))
    amounts = [a.replace(",", "") for a in re.findall(r"([\d,]+\.\d\d) 元", text)]
    return count, amounts[0], amounts[1]


def test_anonymous_goes_to_login(client, world):
    for url in ("/contracts/register", "/contracts/register/export.csv", "/contracts/register/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["inst", "broker_li"])
def test_non_officials_get_403(client, auth, world, username):
    auth.login(username)
    for url in ("/contracts/register", "/contracts/register/export.csv", "/contracts/register/export.xlsx"):
        assert client.get(url).status_code == 403


def test_city_official_sees_own_city_only(client, auth, world):
    auth.login("official_km")
    response = client.get("/contracts/register")
    assert response.status_code == 200 and titles(response) == KM_VISIBLE
    assert "登记台账" in response.get_data(as_text=True)


def test_other_city_sees_nothing_even_naming_this_city(client, auth, world):
    auth.login("official_cd")
    assert titles(client.get("/contracts/register")) == {"成都-开发"}
    for region in ("530100", "530000", "999999", "5301"):
        response = client.get(f"/contracts/register?region={region}")
        assert response.status_code == 400 and titles(response) == set()
        assert "不在本机构的登记管辖范围内" in response.get_data(as_text=True)
        export = client.get(f"/contracts/register/export.csv?region={region}")
        assert export.status_code == 400 and "甲-转让" not in export.get_data(as_text=True)
    body = client.get("/contracts/register/export.csv").get_data(as_text=True)
    assert "成都-开发" in body and "甲-转让" not in body and "曲靖" not in body


def test_province_official_narrows_to_a_city(client, auth, world):
    auth.login("official_yn")
    assert titles(client.get("/contracts/register")) == KM_VISIBLE | {"曲靖-开发"}
    assert titles(client.get("/contracts/register?region=530300")) == {"曲靖-开发"}
    assert client.get("/contracts/register?region=510100").status_code == 400


@pytest.mark.parametrize("query, expected", [
    ("status=registered", {"甲-转让", "乙-开发", "丙-咨询", "丁-去年"}),
    ("status=cancelled", {"戊-撤销"}),
    ("status=filed", {"己-申报"}),
    ("date_from=2025-01-01&date_to=2025-06-11", {"甲-转让", "乙-开发", "戊-撤销", "己-申报", "庚-不予登记"}),
    ("date_from=2025-06-02&date_to=2025-06-02", {"己-申报"}),  # unregistered: by filing date
    ("date_to=2024-12-31", {"丁-去年"}),
    (f"contract_type={quote('技术咨询')}", {"丙-咨询"}),
    (f"tech_field={quote('农业')}", {"甲-转让", "丙-咨询"}),
    (f"party={quote('理工')}", {"甲-转让"}),
    (f"party={quote('某集团')}", {"乙-开发"}),  # a buyer's name
    (f"party={quote('hyperlink')}", {"乙-开发"}),  # case-insensitive
    (f"party={quote('%')}", set()),  # LIKE wildcards are literal
    ("broker=broker_li", {"甲-转让"}),
    (f"broker={quote('李经纪')}", {"甲-转让"}),
    ("amount_min=3501.50&amount_max=3501.50", {"甲-转让"}),
    ("amount_kind=tech&amount_min=2501&amount_max=2501", {"甲-转让"}),
    ("amount_kind=tech&amount_max=0", {"丙-咨询"}),
    ("amount_min=12345678901.23", {"乙-开发"}),
    ("region=530100", KM_VISIBLE),
])
def test_filters(client, auth, world, query, expected):
    auth.login("official_km")
    response = client.get(f"/contracts/register?{query}")
    assert response.status_code == 200
    assert titles(response) == expected


@pytest.mark.parametrize("query, message", [
    ("amount_min=abc", "金额格式不正确"),
    ("amount_min=NaN", "金额格式不正确"),
    ("amount_max=1e5", "金额格式不正确"),
    ("amount_min=-5", "负数"),
    ("amount_min=1.001", "2 位小数"),
    ("amount_max=999999999999999", "金额过大"),
    ("amount_min=10&amount_max=5", "下限不能大于上限"),
    ("date_from=2025-02-30", "YYYY-MM-DD"),
    ("date_from=yesterday", "YYYY-MM-DD"),
    ("date_to=0001-01-01", "1985-01-01"),
    ("date_from=9999-12-31", "1985-01-01"),
    ("date_from=2025-06-01&date_to=2025-01-01", "起始日期不能晚于截止日期"),
    ("status=draft", "状态无效"),
    ("status=bogus", "状态无效"),
    (f"contract_type={quote('技术入股')}", "合同类别无效"),
    ("tech_field=x", "技术领域无效"),
    ("amount_kind=both", "金额口径无效"),
    ("party=" + "长" * 101, "100"),
    ("after=r2025-13-01.5", "翻页参数无效"),
    ("after=x1", "翻页参数无效"),
    ("after=p" + "9" * 40, "翻页参数无效"),
])
def test_bad_filters_give_a_message(client, auth, world, query, message):
    auth.login("official_km")
    response = client.get(f"/contracts/register?{query}")
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert message in body and titles(response) == set()
    export = client.get(f"/contracts/register/export.xlsx?{query}")
    assert export.status_code == 400 and message in html.unescape(export.get_data(as_text=True))


@pytest.mark.parametrize("dim, category, param", [
    ("type", "技术转让", "contract_type"), ("type", "技术开发", "contract_type"), ("field", "农业", "tech_field"),
    ("field", "电子信息", "tech_field"),
])
@pytest.mark.parametrize("username, region", [("official_km", "530100"), ("official_yn", "530000")])
def test_totals_equal_statistics_to_the_fen(client, auth, world, dim, category, param, username, region):
    auth.login(username)
    period = "from=2025-01-01&to=2025-06-30"
    stats = client.get(f"/api/v1/stats/breakdown?region={region}&{period}&dim={dim}").get_json()
    expected = next(i for i in stats["items"] if i["category"] == category)
    response = client.get(f"/contracts/register?status=registered&date_from=2025-01-01&date_to=2025-06-30"
                          f"&{param}={quote(category)}&region={region}")
    assert page_totals(response) == (expected["contracts"], expected["contract_amount"], expected["tech_amount"])
    bulletin = client.get(f"/api/v1/stats/regions?parent={region}&{period}").get_json()["total"]
    whole = client.get("/contracts/register?status=registered&date_from=2025-01-01&date_to=2025-06-30")
    assert page_totals(whole) == (bulletin["contracts"], bulletin["contract_amount"], bulletin["tech_amount"])


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_is_exact_and_formula_safe(client, auth, world):
    auth.login("official_km")
    response = client.get("/contracts/register/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv" and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    lines = read_csv(response)
    header, rows = lines[1], lines[2:]
    assert header[0] == "登记编号" and "合同成交额（元）" in header and "技术交易额（元）" in header
    by_title = {row[2]: dict(zip(header, row)) for row in rows}
    assert set(by_title) == KM_VISIBLE
    big = by_title["乙-开发"]
    assert big["合同成交额（元）"] == "12345678901.23" and big["技术交易额（元）"] == "12345678901.22"
    assert big["卖方"] == "'" + FORMULA and big["登记/申报日期"] == "2025-06-11"
    assert by_title["甲-转让"]["合同成交额（元）"] == "3501.50" and by_title["甲-转让"]["技术经纪人"] == "李经纪"
    assert by_title["己-申报"]["登记/申报日期"] == "2025-06-02" and by_title["己-申报"]["登记编号"] == ""
    count, contract_total, tech_total = page_totals(client.get("/contracts/register"))
    assert len(rows) == count
    assert sum(Decimal(r["合同成交额（元）"]) for r in by_title.values()) == Decimal(contract_total)
    assert sum(Decimal(r["技术交易额（元）"]) for r in by_title.values()) == Decimal(tech_total)


def test_xlsx_export_is_exact_and_formula_safe(client, auth, world):
    auth.login("official_km")
    query = "status=registered&date_from=2025-01-01"
    response = client.get(f"/contracts/register/export.xlsx?{query}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    payload = response.get_data()
    response.close()  # the server closes the temporary file once sent
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<v>12345678901.23</v>" in sheet_xml and "<f>" not in sheet_xml  # the exact decimal, no formula
    sheet = load_workbook(io.BytesIO(payload), read_only=True).worksheets[0]
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, rows = lines[1], lines[2:]
    by_title = {row[2]: dict(zip(header, row)) for row in rows}
    assert set(by_title) == {"甲-转让", "乙-开发", "丙-咨询"}
    big = by_title["乙-开发"]
    assert Decimal(repr(big["合同成交额（元）"])) == Decimal("12345678901.23")
    assert big["卖方"] == "'" + FORMULA and big["登记/申报日期"] == "2025-06-11"
    count, contract_total, tech_total = page_totals(client.get(f"/contracts/register?{query}"))
    assert len(rows) == count == 3
    assert sum(Decimal(repr(r["合同成交额（元）"])) for r in by_title.values()) == Decimal(contract_total)
    assert sum(Decimal(repr(r["技术交易额（元）"])) for r in by_title.values()) == Decimal(tech_total)


def test_pages_walk_every_contract_once_newest_first(app, client, auth, world):
    with app.app_context():
        for n in range(60):
            add_contract("530100", registered_on=date(2025, 1, 1 + n % 28), contract_fen=100 + n, title=f"批量{n:02d}")
        db.session.commit()
    auth.login("official_km")
    url, seen, dates, pages = "/contracts/register", [], [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        seen += re.findall(r'<td class="register-title"><a [^>]*>([^<]+)</a>', body)
        dates += re.findall(r'<td class="text-nowrap">(\d{4}-\d\d-\d\d)</td>', body)
        found = re.search(r'rel="next" href="([^"]+)"', body)
        url = html.unescape(found.group(1)) if found else None
        pages += 1
    assert pages == 2 and len(seen) == len(set(seen)) == 67
    assert set(seen) == KM_VISIBLE | {f"批量{n:02d}" for n in range(60)}
    assert seen[-2:] == ["庚-不予登记", "己-申报"]  # without a registration: after the registered ones
    registered_dates = dates[:65]
    assert registered_dates == sorted(registered_dates, reverse=True)


def test_xlsx_over_the_limit_is_refused_with_a_message(app, client, auth, world, monkeypatch):
    monkeypatch.setitem(app.config, "LEDGER_XLSX_MAX_ROWS", 3)
    auth.login("official_km")
    response = client.get("/contracts/register/export.xlsx")
    assert response.status_code == 400 and "导出 CSV" in response.get_data(as_text=True)
    small = client.get("/contracts/register/export.xlsx?status=registered&date_from=2025-01-01")
    assert small.status_code == 200
    small.close()
    assert client.get("/contracts/register/export.csv").status_code == 200


@pytest.mark.parametrize("values", [
    {}, {"status": "registered"}, {"status": "cancelled"}, {"date_from": date(2025, 1, 1), "date_to": date(2025, 6, 11)},
    {"date_from": date(2025, 6, 2), "date_to": date(2025, 6, 2)}, {"contract_type": "技术转让"},
    {"tech_field": "农业", "status": "registered"}, {"tech_field": "农业", "contract_type": "技术转让"},
    {"region": "530100"}, {"region": "530300"}, {"region": "530000", "date_to": date(2025, 5, 31)},
    {"party": "大学"}, {"amount_min": 1},
])
@pytest.mark.parametrize("username", ["official_km", "official_yn", "official_cd"])
def test_totals_from_the_cells_equal_a_recount_of_the_contracts(app, world, values, username):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        flt = ledger.LedgerFilter(**values)
        assert ledger.totals(user, flt) == ledger.totals(user, flt, cells=False)
