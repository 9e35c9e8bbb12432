"""Imports through the site: an official uploads a file, a job runs the command line's importer with
progress, the report lists every problem by line, and each import is on record."""
import io
import os

from sqlalchemy import func, select

from models import Contract, ContractImport, Job, TechResult, db
from tests import factories
from tests.test_contracts_import import row, write_csv
from tests.test_import_listings import data_file


def official_and_admin(app):
    with app.app_context():
        bureau = factories.make_org(name="昆明市科学技术局（导入）", org_type="机关")
        factories.make_user("importer", role="official", org=bureau)
        factories.make_user("colleague", role="official", org=bureau)
        factories.make_user("boss", role="admin")
        factories.make_user("inst", role="institute")
        db.session.commit()


def upload(client, kind, path, name=None):
    with open(path, "rb") as handle:
        return client.post("/office/imports/", data={"kind": kind, "file": (io.BytesIO(handle.read()), name or path)},
                           content_type="multipart/form-data")


def test_a_contract_file_is_imported_by_a_job_and_put_on_record(app, client, auth, tmp_path):
    official_and_admin(app)
    auth.login("importer", factories.PASSWORD)
    path = write_csv(tmp_path / "合同2026.csv", [row(n) for n in range(1, 6)])
    answer = upload(client, "contract", path)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/office/imports/")
    page = client.get(answer.headers["Location"])
    assert "导入完成：共 5 行，新增 5 条" in page.text and "合同2026.csv" in page.text
    progress = client.get(answer.headers["Location"] + "/progress").get_json()
    assert progress == {"state": "done", "done": 5, "total": 5, "percent": 100, "note": "导入完成"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 5
        record = db.session.scalar(select(ContractImport))
        assert record.imported_by == "importer" and record.rows_added == 5 and len(record.sha256) == 64
        job = db.session.scalar(select(Job).where(Job.kind == "import.file"))
        assert job.created_by.username == "importer"
    listing = client.get("/office/imports/")
    assert "合同2026.csv" in listing.text and "新增 5" in listing.text
    # The uploaded file is not kept once imported.
    assert not any((tmp_path / "instance" / "imports").iterdir())


def test_a_file_with_a_bad_row_imports_nothing_and_reports_the_line(app, client, auth, tmp_path):
    official_and_admin(app)
    auth.login("importer", factories.PASSWORD)
    path = write_csv(tmp_path / "bad.csv", [row(1), row(2, contract_amount="abc"), row(3, seller_region="999999")])
    page = client.get(upload(client, "contract", path).headers["Location"])
    assert "未导入任何记录" in page.text and "第 3 行" in page.text and "第 4 行" in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 0


def test_results_are_imported_through_the_site_too(app, client, auth):
    official_and_admin(app)
    auth.login("importer", factories.PASSWORD)
    page = client.get(upload(client, "result", data_file("import_results.csv")).headers["Location"])
    assert "新增 3 条" in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TechResult)) == 3


def test_uploads_that_are_not_csv_or_xlsx_are_refused_before_any_job(app, client, auth, tmp_path):
    official_and_admin(app)
    auth.login("importer", factories.PASSWORD)
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    refused = upload(client, "contract", str(tmp_path / "x.pdf"))
    assert refused.status_code == 422 and "只能导入 .csv 或 .xlsx 文件" in refused.text
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "文件是空的" in upload(client, "contract", str(tmp_path / "empty.csv")).text
    assert upload(client, "contract-x", data_file("import_results.csv")).status_code == 422
    missing = client.post("/office/imports/", data={"kind": "contract"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "请选择要导入的文件" in missing.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_who_may_import_and_see_an_import(app, client, auth, tmp_path):
    official_and_admin(app)
    auth.login("importer", factories.PASSWORD)
    location = upload(client, "contract", write_csv(tmp_path / "c.csv", [row(1)])).headers["Location"]
    auth.logout()
    auth.login("colleague", factories.PASSWORD)  # another official: not theirs
    assert client.get(location).status_code == 404 and client.get(location + "/progress").status_code == 404
    assert "c.csv" not in client.get("/office/imports/").text
    auth.logout()
    auth.login("boss", factories.PASSWORD)  # an admin sees every import
    assert client.get(location).status_code == 200
    auth.logout()
    auth.login("inst", factories.PASSWORD)
    assert client.get("/office/imports/").status_code == 403


def test_the_register_is_exported_by_a_job_and_downloaded_by_its_official(app, client, auth, tmp_path):
    from openpyxl import load_workbook

    from tests.contract_helpers import draft, officials, parties, register_path

    with app.app_context():
        seller, buyer = parties()
        filer = factories.make_user("filer", org=seller)
        official, colleague, _chengdu = officials()
        for n in range(3):
            register_path(draft(seller, buyer, filer, title=f"导出合同{n}"), filer, official)
        db.session.commit()
    auth.login("official_a", factories.PASSWORD)
    answer = client.post("/office/imports/exports?fmt=xlsx&status=registered")
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"])
    assert "导出完成：3 份合同" in page.text
    download = client.get(answer.headers["Location"] + "/download")
    assert download.status_code == 200 and download.headers["Content-Disposition"].endswith(".xlsx")
    (tmp_path / "r.xlsx").write_bytes(download.data)
    download.close()
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    titles = {row[2] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    book.close()
    assert titles == {"导出合同0", "导出合同1", "导出合同2"}
    assert "登记台账" in client.get("/office/imports/").text  # listed under 我的导出
    assert client.post("/office/imports/exports?fmt=pdf").status_code == 400
    auth.logout()
    auth.login("official_b", factories.PASSWORD)  # a colleague: not theirs
    assert client.get(answer.headers["Location"] + "/download").status_code == 404


def test_pruning_old_jobs_removes_their_export_files(app, client, auth):
    from datetime import timedelta

    from marketplace import jobs
    from marketplace.imports.exports import file_path
    from models.base import utcnow

    official_and_admin(app)
    auth.login("importer", factories.PASSWORD)
    location = client.post("/office/imports/exports?fmt=csv").headers["Location"]
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "export.register"))
        path = file_path(job)
        with open(path, "rb") as written:
            assert written.read(3) == b"\xef\xbb\xbf"  # the CSV's byte-order mark
        job.finished_at = utcnow() - timedelta(days=91)
        db.session.commit()
        prune = jobs.enqueue("jobs.prune", {"day": "2026-12-02"})
        db.session.commit()
        assert db.session.get(Job, prune.id).state == "done"
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "export.register")) == 0
    assert not os.path.exists(path)
    assert client.get(location).status_code == 404
