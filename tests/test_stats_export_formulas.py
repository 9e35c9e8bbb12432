"""Exports never hand a spreadsheet a formula: party names like `=HYPERLINK(…)` arrive as text."""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from marketplace.stats.exports import spreadsheet_text
from models import db
from tests.factories import make_org, make_user
from tests.test_stats_data import add_contract

YEAR = "kind=year&year=2025"
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def hostile_parties(app):
    """Kunming contracts whose parties are named like formulas; a Kunming official to download them."""
    with app.app_context():
        add_contract("530100", "530100", date(2025, 3, 1), 3_00, seller_name=HYPERLINK, buyer_name="@SUM(1)")
        add_contract("530100", "530100", date(2025, 4, 1), 2_00, seller_name="-2+3+cmd|' /C calc'!A0",
                     buyer_name="\tTab公司")
        add_contract("530100", "530100", date(2024, 4, 1), 9_00)  # last year: a negative 同比 this year
        make_user("km_official", "official", make_org("昆明市科技局", "机关", "530100"))
        db.session.commit()


def csv_rows(client, key):
    response = client.get(f"/stats/export/{key}.csv?region=530100&{YEAR}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def xlsx_sheet(client, key):
    response = client.get(f"/stats/export/{key}.xlsx?region=530100&{YEAR}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data)).active


def test_csv_party_names_start_with_an_apostrophe(client, auth, hostile_parties):
    auth.login("km_official")
    sellers = {row[0]: row[1:] for row in csv_rows(client, "top_sellers")[2:]}
    assert sellers[f"'{HYPERLINK}"] == ["1", "3.00", "3.00"]
    assert sellers["'-2+3+cmd|' /C calc'!A0"] == ["1", "2.00", "2.00"]
    buyers = {row[0]: row[1:] for row in csv_rows(client, "top_buyers")[2:]}
    assert "'@SUM(1)" in buyers and "'\tTab公司" in buyers
    assert not any(name.startswith(("=", "@", "+", "-", "\t")) for name in [*sellers, *buyers])


def test_xlsx_party_names_are_text_cells_and_amounts_stay_numbers(client, auth, hostile_parties):
    auth.login("km_official")
    sheet = xlsx_sheet(client, "top_sellers")
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    name, count, amount, _ = cells[f"'{HYPERLINK}"]
    assert name.data_type == "s"  # a string, not a formula ('f')
    assert count.data_type == "n" and count.value == 1
    assert amount.data_type == "n" and round(amount.value * 100) == 3_00
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    buyers = [row[0] for row in xlsx_sheet(client, "top_buyers").iter_rows(min_row=3, values_only=True)]
    assert "'@SUM(1)" in buyers and "'\tTab公司" in buyers


def test_a_negative_change_stays_a_plain_value(client, hostile_parties):
    regions = csv_rows(client, "regions")
    kunming = next(r for r in regions if r[0] == "昆明市")
    assert kunming[1] == "2" and kunming[5] == "-44.4%"  # 成交额同比: 5.00 元 against 9.00 元


@pytest.mark.parametrize("text, exported", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-cmd", "'-cmd"), ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-1+1", "'-1+1"), ("+1-cmd|x", "'+1-cmd|x"),
    ("昆明理工大学", "昆明理工大学"), ("a=1", "a=1"), ("", ""), ("—", "—"),
    ("+12.3%", "+12.3%"), ("-44.4%", "-44.4%"), ("-5", "-5"), ("+0.5", "+0.5"),
])
def test_spreadsheet_text(text, exported):
    assert spreadsheet_text(text) == exported
