"""IP types as the registration forms list them: import spellings, numbers, forms, API, statistics."""
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.contracts.importer import CONTRACT_COLUMNS, ContractImportFailed, import_contracts_file
from marketplace.ip_rights import patent_check_digit
from marketplace.listings.importer import RESULT_COLUMNS, ImportFailed, import_listings_file
from marketplace.stats import rollup
from models import Contract, TechResult, db
from models.vocab import IP_TYPES
from tests import factories as f
from tests.api_helpers import CONTRACT_BODY, RESULT_BODY, auth_for, build_world
from tests.test_contracts_import import GOOD as GOOD_CONTRACT, write_csv as write_contract_csv
from tests.test_contracts_views import FORM as CONTRACT_FORM
from tests.test_import_errors import GOOD_RESULT, write_csv
from tests.test_listings_lifecycle import RESULT_FORM
from tests.test_stats_data import add_contract

# Real granted Chinese patent numbers (12-digit applications since 2003, one 8-digit of 1997): the check digit.
REAL_PATENTS = ["ZL201710601862.3", "ZL202010566088.9", "ZL201510958772.0", "ZL200510096239.4",
                "ZL202510942578.7", "ZL202322865413.3", "ZL201811564288.X"]
INVENTION, UTILITY = "ZL201710601862.3", "ZL202322865413.3"


@pytest.mark.parametrize("number", REAL_PATENTS)
def test_check_digit_of_real_patent_numbers(number):
    digits, check = number[2:].split(".")
    assert patent_check_digit(digits) == check


# --- listing import ---------------------------------------------------------------------------------------

GOOD_SPELLINGS = [
    (f"发明专利 {INVENTION}", "发明专利", INVENTION),
    (f"实用新型 {UTILITY}", "实用新型专利", UTILITY),
    (f"实用新型专利：{UTILITY}", "实用新型专利", UTILITY),
    ("外观设计 ZL202330000001.6", "外观设计专利", "ZL202330000001.6"),
    ("外观 ZL 2023 3 0000001.6", "外观设计专利", "ZL202330000001.6"),
    ("软件著作权 2022SR0123456", "计算机软件著作权", "2022SR0123456"),
    ("软著 2022sr0123456", "计算机软件著作权", "2022SR0123456"),
    ("计算机软件著作权 软著登字第1234567号", "计算机软件著作权", "软著登字第1234567号"),
    ("植物新品种权 CNA20201234.5", "植物新品种权", "CNA20201234.5"),
    ("植物新品种 CNA20201234.5", "植物新品种权", "CNA20201234.5"),
    ("集成电路布图设计 BS.205512345", "集成电路布图设计专有权", "BS.205512345"),
    ("布图设计 BS205512345", "集成电路布图设计专有权", "BS.205512345"),
    ("技术秘密", "技术秘密", ""),
    ("生物医药新品种 国药证字H20190001", "生物医药新品种", "国药证字H20190001"),
    ("其他", "其他", ""),
    ("无", "无", ""),
    (f"专利 {UTILITY}", "实用新型专利", UTILITY),  # the kind read from the number
    (f"专利:{INVENTION}", "发明专利", INVENTION),
    ("发明专利 ＺＬ２０１７１０６０１８６２．３", "发明专利", INVENTION),  # typed with a full-width input method
    ("专利 ZL97101765.4", "发明专利", "ZL97101765.4"),  # before 2003: 8 digits
    (UTILITY, "实用新型专利", UTILITY),  # a bare number
    (f"发明专利 {INVENTION}；技术秘密、软著 2021SR0444555", "发明专利;计算机软件著作权;技术秘密",
     f"{INVENTION};2021SR0444555"),
    (f"技术秘密;实用新型 {UTILITY};发明 {INVENTION}", "发明专利;实用新型专利;技术秘密", f"{UTILITY};{INVENTION}"),
]


def write_results(tmp_path, rows):
    return write_csv(tmp_path / "r.csv", RESULT_COLUMNS, [[row[c] for c in RESULT_COLUMNS] for row in rows])


def test_listing_import_reads_the_usual_spellings(ctx, tmp_path):
    rows = [{**GOOD_RESULT, "title": f"成果{n}", "ip": cell} for n, (cell, _t, _n) in enumerate(GOOD_SPELLINGS)]
    assert import_listings_file(write_results(tmp_path, rows), "result") == len(rows)
    db.session.commit()
    stored = {r.title: (r.ip_types, r.ip_numbers) for r in db.session.scalars(select(TechResult))}
    for n, (cell, types, numbers) in enumerate(GOOD_SPELLINGS):
        assert stored[f"成果{n}"] == (types, numbers), cell


BAD_SPELLINGS = [
    ("专利", "请注明类型（发明专利、实用新型专利或外观设计专利）"),
    ("发明专利 ZL201710601862.4", "校验位应为 3"),
    (f"实用新型 {INVENTION}", "类型位表示发明专利，与所填的实用新型专利不一致"),
    ("专利 ZL202350000001.1", "类型位 5 无效"),
    ("发明专利 ZL2017106018.3", "格式不正确"),
    ("发明专利 201710601862.3", "格式不正确"),
    ("软著 2022SR12", "软件著作权登记号“2022SR12”格式不正确"),
    ("植物新品种权 20201234.5", "植物新品种权号“20201234.5”格式不正确"),
    ("集成电路布图设计 BS.12", "集成电路布图设计登记号“BS.12”格式不正确"),
    ("技术秘密 JM-001", "“技术秘密”不填写编号"),
    ("商标 第123号", "无法识别知识产权类型“商标 第123号”"),
    ("无线通信", "无法识别知识产权类型“无线通信”"),
    ("无;技术秘密", "“无”不能与其他知识产权类型同时填写"),
]


def test_listing_import_refuses_bad_types_and_numbers_by_line(ctx, tmp_path):
    rows = [{**GOOD_RESULT, "title": "好的一行", "ip": f"发明 {INVENTION}"}]
    rows += [{**GOOD_RESULT, "title": f"坏{n}", "ip": cell} for n, (cell, _m) in enumerate(BAD_SPELLINGS)]
    with pytest.raises(ImportFailed) as failure:
        import_listings_file(write_results(tmp_path, rows), "result")
    problems = failure.value.problems
    for n, (_cell, message) in enumerate(BAD_SPELLINGS):
        line = n + 3  # header is line 1, the good row line 2
        assert any(p.startswith(f"第 {line} 行：列 ip：") and message in p for p in problems), (line, message, problems)
    assert len(problems) == len(BAD_SPELLINGS)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TechResult)) == 0


# --- contract import --------------------------------------------------------------------------------------

def contract_row(n, **changes):
    return {**GOOD_CONTRACT, "contract_no": f"2026530100{n:06d}", **changes}


def test_contract_import_takes_an_optional_ip_column(ctx, tmp_path):
    columns = (*CONTRACT_COLUMNS, "ip")
    rows = [contract_row(1, ip=f"专利 {UTILITY}；技术秘密"), contract_row(2, ip="软著"), contract_row(3, ip=""),
            contract_row(4, ip="发明、外观设计")]
    import_contracts_file(write_contract_csv(tmp_path / "c.csv", rows, columns))
    db.session.commit()
    stored = dict(db.session.execute(select(Contract.contract_no, Contract.ip_types)).all())
    assert stored == {"2026530100000001": "实用新型专利;技术秘密", "2026530100000002": "计算机软件著作权",
                      "2026530100000003": "", "2026530100000004": "发明专利;外观设计专利"}
    assert rollup.verify()
    # The documented columns alone still import (no ip: 未注明).
    import_contracts_file(write_contract_csv(tmp_path / "plain.csv", [contract_row(5)]))
    db.session.commit()
    assert db.session.scalar(select(Contract.ip_types).where(Contract.contract_no == "2026530100000005")) == ""


def test_contract_import_refuses_bad_ip_with_line_numbers(ctx, tmp_path):
    columns = (*CONTRACT_COLUMNS, "ip")
    rows = [contract_row(1, ip="发明"), contract_row(2, ip="专利"), contract_row(3, ip="发明专利 ZL201710601862.9")]
    with pytest.raises(ContractImportFailed) as failure:
        import_contracts_file(write_contract_csv(tmp_path / "c.csv", rows, columns))
    assert failure.value.bad_rows == 2
    assert any(p.startswith("第 3 行：列 ip：") and "请注明类型" in p for p in failure.value.problems)
    assert any(p.startswith("第 4 行：列 ip：") and "校验位应为 3" in p for p in failure.value.problems)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0


def test_contract_import_still_refuses_unknown_columns(ctx, tmp_path):
    with pytest.raises(ContractImportFailed) as failure:
        import_contracts_file(write_contract_csv(tmp_path / "c.csv", [contract_row(1)], (*CONTRACT_COLUMNS, "colour")))
    assert "多余的列：colour" in failure.value.problems[0] and "可选：ip" in failure.value.problems[0]


# --- forms ------------------------------------------------------------------------------------------------

@pytest.fixture
def institute(app):
    with app.app_context():
        org = f.make_org("昆明理工大学（测试）", "高等院校", "530100")
        f.make_user("owner", "institute", org)
        buyer = f.make_org("某制药公司", "企业", "530300")
        db.session.commit()
        return buyer.id


def test_result_form_offers_the_nine_types_and_stores_them(app, client, auth, institute):
    auth.login("owner")
    page = client.get("/results/new").get_data(as_text=True)
    for name in (*IP_TYPES, "无"):
        assert f'value="{name}"' in page, name
    data = {**RESULT_FORM, "title": "新类型成果", "ip_types": ["技术秘密", "实用新型专利", "发明专利"],
            "ip_numbers": f"ZL 2023 2 2865413.3；{INVENTION}", "save_draft": "1"}
    assert client.post("/results/new", data=data).status_code == 302
    with app.app_context():
        result = db.session.scalar(select(TechResult).where(TechResult.title == "新类型成果"))
        assert result.ip_types == "发明专利;实用新型专利;技术秘密"
        assert result.ip_numbers == f"{UTILITY};{INVENTION}"


@pytest.mark.parametrize("change, message", [
    ({"ip_types": ["专利"]}, "知识产权类型包含无效选项"),
    ({"ip_types": ["无", "技术秘密"]}, "“无”不能与其他知识产权类型同时选择"),
    ({"ip_types": ["发明专利"], "ip_numbers": UTILITY}, "属于实用新型专利，请同时选择该知识产权类型"),
    ({"ip_types": ["发明专利"], "ip_numbers": "ZL201710601862.4"}, "校验位应为 3"),
    ({"ip_types": ["发明专利"], "ip_numbers": "随便写的号码"}, "无法识别编号"),
])
def test_result_form_refuses_bad_types_and_numbers(app, client, auth, institute, change, message):
    auth.login("owner")
    response = client.post("/results/new", data={**RESULT_FORM, "title": "坏成果", **change, "save_draft": "1"})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TechResult)) == 0


def test_contract_form_stores_new_types_and_refuses_old_ones(app, client, auth, institute):
    auth.login("owner")
    page = client.get("/contracts/new").get_data(as_text=True)
    assert 'value="集成电路布图设计专有权"' in page and 'value="生物医药新品种"' in page
    bad = client.post("/contracts/new", data={**CONTRACT_FORM, "ip_types": ["软件著作权"]})
    assert bad.status_code == 200 and "知识产权类型包含无效选项" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 0
    good = client.post("/contracts/new", data={**CONTRACT_FORM, "ip_types": ["技术秘密", "植物新品种权"]})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Contract.ip_types)) == "植物新品种权;技术秘密"
    assert "植物新品种权、技术秘密" in client.get(good.headers["Location"]).get_data(as_text=True)


# --- API --------------------------------------------------------------------------------------------------

@pytest.fixture
def world(app):
    return build_world(app)


def test_api_takes_and_returns_type_lists(app, client, world):
    body = {**RESULT_BODY, "ip_types": ["计算机软件著作权", "发明专利"], "ip_numbers": f"{INVENTION};2022SR0123456"}
    response = client.post("/api/v1/results", json=body, headers=auth_for(world, "inst"))
    assert response.status_code == 201, response.json
    assert response.json["ip_types"] == ["发明专利", "计算机软件著作权"]
    assert response.json["ip_numbers"] == f"{INVENTION};2022SR0123456"
    contract = client.post("/api/v1/contracts", json={**CONTRACT_BODY, "ip_types": ["外观设计专利", "其他"]},
                           headers=auth_for(world, "inst"))
    assert contract.status_code == 201, contract.json
    assert contract.json["ip_types"] == ["外观设计专利", "其他"]


@pytest.mark.parametrize("url, body", [("/api/v1/results", RESULT_BODY), ("/api/v1/contracts", CONTRACT_BODY)])
def test_api_refuses_unknown_type_with_a_message(app, client, world, url, body):
    response = client.post(url, json={**body, "ip_types": ["专利"]}, headers=auth_for(world, "inst"))
    assert response.status_code == 422
    assert "知识产权类型包含无效选项" in " ".join(response.json["error"]["fields"]["ip_types"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TechResult)) == 0
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 0


def test_api_refuses_a_patent_number_of_another_kind(app, client, world):
    body = {**RESULT_BODY, "ip_types": ["发明专利"], "ip_numbers": UTILITY}
    response = client.post("/api/v1/results", json=body, headers=auth_for(world, "inst"))
    assert response.status_code == 409 and "属于实用新型专利" in " ".join(response.json["error"]["fields"]["ip_numbers"])


def test_openapi_lists_the_types(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    text = str(spec)
    assert "集成电路布图设计专有权" in text and "'专利'" not in text


# --- statistics -------------------------------------------------------------------------------------------

def test_breakdown_by_ip_separates_patent_kinds_with_exact_sums(app, client):
    with app.app_context():
        add_contract("530100", "530300", date(2025, 3, 1), 1_000_000_01, 900_000_00, ip_types="发明专利;技术秘密")
        add_contract("530100", "530300", date(2025, 3, 2), 250_000_00, 250_000_00, ip_types="发明专利")
        add_contract("530100", "530300", date(2025, 3, 3), 50_000_55, 40_000_00, ip_types="实用新型专利")
        add_contract("530100", "530300", date(2025, 3, 4), 7_00, 7_00, ip_types="无")
        add_contract("530100", "530300", date(2025, 3, 5), 3_00, 3_00, ip_types="")
        db.session.commit()
        assert rollup.verify()
    body = client.get("/api/v1/stats/breakdown?region=530100&from=2025-01-01&to=2025-12-31&dim=ip").get_json()
    items = {i["category"]: i for i in body["items"]}
    assert list(items) == [*IP_TYPES, "未涉及/未注明"]
    assert (items["发明专利"]["contracts"], items["发明专利"]["contract_amount"]) == (2, "1250000.01")
    assert items["发明专利"]["tech_amount"] == "1150000.00"
    assert (items["实用新型专利"]["contracts"], items["实用新型专利"]["contract_amount"]) == (1, "50000.55")
    assert (items["技术秘密"]["contracts"], items["技术秘密"]["tech_amount"]) == (1, "900000.00")
    assert (items["未涉及/未注明"]["contracts"], items["未涉及/未注明"]["contract_amount"]) == (2, "10.00")
    assert items["外观设计专利"]["contracts"] == 0
    page = client.get("/stats/?region=530100&from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    assert "实用新型专利" in page and "集成电路布图设计专有权" in page
