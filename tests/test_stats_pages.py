"""Statistics pages and exports: who sees what, exact amounts in files, bad input never a 500."""
import csv
import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from models import db
from tests.factories import make_org, make_user
from tests.test_stats_data import add_contract

YEAR = "kind=year&year=2025"


@pytest.fixture
def people(app):
    """Contracts in Kunming and Chengdu; a Kunming official, a Chengdu official, an admin, an enterprise user."""
    with app.app_context():
        add_contract("530100", "530300", date(2025, 3, 1), 3_501_000_000_01, 2_501_000_000_00,
                     seller_name="昆明理工大学", buyer_name="曲靖某公司")
        add_contract("510100", "530100", date(2025, 3, 1), 7_00, seller_name="成都某研究院")
        make_user("km_official", "official", make_org("昆明市科技局", "机关", "530100"))
        make_user("yn_official", "official", make_org("云南省科技厅", "机关", "530000"))
        make_user("cd_official", "official", make_org("成都市科技局", "机关", "510100"))
        make_user("stats_admin", "admin")
        make_user("stats_firm", "enterprise")
        db.session.commit()


def test_public_page_shows_figures_charts_and_tables_without_party_names(client, people):
    page = client.get(f"/stats/?region=530000&{YEAR}").get_data(as_text=True)
    assert "2025年,全省共登记技术合同1份,合同成交额35.01亿元,技术交易额25.01亿元" in page
    assert re.search(r"chart\.js-4\.6\.1/chart\.umd\.min\.[0-9a-f]{12}\.js", page) and "cdn" not in page.lower()
    assert re.search(r"/static/js/stats\.[0-9a-f]{12}\.js", page)
    for key in ("monthly", "type", "field", "regions"):
        assert f'id="chart-{key}"' in page and f'id="table-{key}"' in page
    assert "昆明理工大学" not in page and "卖方单位前十" not in page
    assert "350,100.00" in page  # 合同成交额 of Kunming in 万元 in the city table
    assert client.get("/").status_code == 200 and 'href="/stats/"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("user, region, status", [
    (None, "530100", 302), ("stats_firm", "530100", 403), ("km_official", "530100", 200),
    ("km_official", "530000", 403), ("yn_official", "530000", 200), ("yn_official", "530100", 200),
    ("cd_official", "530100", 403), ("stats_admin", "530100", 200), ("stats_admin", "000000", 200),
    ("yn_official", "000000", 403),
])
def test_dashboard_access(client, auth, people, user, region, status):
    if user:
        auth.login(user)
    response = client.get(f"/stats/dashboard?region={region}&{YEAR}")
    assert response.status_code == status
    if status == 200:
        assert "卖方单位前十" in response.get_data(as_text=True)


def test_official_dashboard_defaults_to_own_region_and_names_top_sellers(client, auth, people):
    auth.login("km_official")
    page = client.get(f"/stats/dashboard?{YEAR}").get_data(as_text=True)
    assert "昆明理工大学" in page and "成都某研究院" not in page
    assert "全市共登记技术合同1份" in page


@pytest.mark.parametrize("user, status", [(None, 403), ("stats_firm", 403), ("cd_official", 403),
                                          ("km_official", 200), ("stats_admin", 200)])
def test_party_exports_need_the_region_official(client, auth, people, user, status):
    if user:
        auth.login(user)
    assert client.get(f"/stats/export/top_sellers.csv?region=530100&{YEAR}").status_code == status


def test_csv_export_is_exact(client, people):
    response = client.get(f"/stats/export/regions.csv?region=530000&{YEAR}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][:4] == ["地区", "登记件数", "合同成交额（元）", "技术交易额（元）"]
    kunming = next(r for r in rows if r[0] == "昆明市")
    assert kunming[1:4] == ["1", "3501000000.01", "2501000000.00"] and kunming[6:8] == ["1", "1"]
    assert rows[-1][:4] == ["合计", "1", "3501000000.01", "2501000000.00"]


def test_xlsx_export_is_exact(client, people):
    response = client.get(f"/stats/export/type.xlsx?region=530100&{YEAR}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["技术开发"][1] == 1 and round(values["技术开发"][2] * 100) == 3_501_000_000_01
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>3501000000.01</v>" in xml  # the exact decimal, not a rounded binary float


@pytest.mark.parametrize("url", [
    "/stats/?region=999999", "/stats/?kind=range&from=2025-02-30", "/stats/?kind=month&year=2025&month=13",
    "/stats/?by=nobody", "/stats/?kind=year&year=99999", "/stats/?from=2025-05-01&to=2025-01-01&kind=range",
])
def test_bad_selector_input_shows_a_message(client, people, url):
    response = client.get(url)
    assert response.status_code == 400 and "已改为显示默认统计口径" in response.get_data(as_text=True)


@pytest.mark.parametrize("url, status", [("/stats/export/regions.pdf", 404), ("/stats/export/secret.csv", 404),
                                         ("/stats/export/regions.csv?region=1", 400)])
def test_bad_export_requests(client, url, status):
    assert client.get(url).status_code == status


def test_bad_input_on_the_dashboard_falls_back_to_the_officials_own_region(client, auth, people):
    auth.login("km_official")
    response = client.get("/stats/dashboard?region=999999&kind=year&year=2025")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未知地区代码" in page
    assert "成都某研究院" not in page and 'value="000000"' not in page  # never the whole country
    assert 'value="530100"' in page and 'value="510100"' not in page  # only the bureau's own region offered
