"""Benchmark: size and time of one PDF registration certificate, and the verification page.

    python -m bench.certificate_bench [--repeat 20]

Registers one contract (long names, every deduction) in a fresh SQLite file, then prints the
PDF's bytes and the median wall and CPU milliseconds to render it (font parse, subsetting, QR),
the same through the app's GET /contracts/<id>/certificate.pdf, and a verification answer.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from marketplace import create_app  # noqa: E402
from marketplace.auth.sessions import start_session  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.contracts import services  # noqa: E402
from marketplace.contracts.certificate import certificate_for  # noqa: E402
from marketplace.contracts.certificate_pdf import render_pdf  # noqa: E402
from marketplace.regions import load_shipped_regions  # noqa: E402
from models import Organisation, User, db  # noqa: E402

DEDUCTIONS = {"equipment": 12_345_67, "instruments": 2_000_00, "parts": 50_00, "materials": 99_999_99, "other": 10}


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `fn` over `repeat` runs, after one warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def build(app) -> tuple[int, str]:
    with app.app_context():
        init_db()
        load_shipped_regions()
        seller = Organisation(name="昆明理工大学材料科学与工程学院燃料电池研究中心", org_type="高等院校", region_code="530100")
        buyer = Organisation(name="云南某新能源汽车零部件股份有限公司", org_type="企业", region_code="530300")
        bureau = Organisation(name="昆明市科学技术局", org_type="机关", region_code="530100")
        db.session.add_all([seller, buyer, bureau])
        db.session.flush()
        inst = User(username="inst", password_hash="x", role="institute", organisation_id=seller.id, display_name="甲")
        official = User(username="official", password_hash="x", role="official", organisation_id=bureau.id,
                        display_name="乙")
        db.session.add_all([inst, official])
        db.session.flush()
        data = dict(contract_type="技术开发", subtype="委托开发", title="质子交换膜燃料电池低铂催化剂及膜电极委托开发",
                    tech_field="新能源与高效节能", signed_on=date(2026, 3, 2), contract_no="HT-2026-0007")
        contract = services.create_contract(seller, buyer, inst, data, 3_501_000_50, DEDUCTIONS)
        for action in ("file", "accept", "register"):
            services.transition(contract, action, inst if action == "file" else official)
        db.session.commit()
        return contract.id, contract.registration_no


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/market.db", "INSTANCE_PATH": folder,
                          "SEARCH_INDEX_DIR": f"{folder}/index", "VERIFY_RATE_LIMIT": "1000000 per minute"})
        contract_id, number = build(app)
        with app.test_request_context():
            cert = certificate_for(db.session.get(services.Contract, contract_id))
            body = render_pdf(cert)
            wall, cpu = timed(lambda: render_pdf(cert), args.repeat)
        print(f"PDF certificate: {len(body):,} bytes; render_pdf {wall:.1f} ms wall, {cpu:.1f} ms CPU "
              f"(median of {args.repeat})")
        client = app.test_client()
        with app.app_context():
            user = db.session.scalar(db.select(User).where(User.username == "inst"))
            start_session(user)  # a signed-in browser session, as the log-in page opens it
            db.session.commit()
            token = user.get_id()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = token, True
        for label, path in (("GET certificate.pdf", f"/contracts/{contract_id}/certificate.pdf"),
                            ("GET certificate (HTML)", f"/contracts/{contract_id}/certificate"),
                            ("GET /verify/<no>", f"/verify/{number}")):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            wall, cpu = timed(lambda: client.get(path).get_data(), args.repeat)
            print(f"{label}: {len(response.data):,} bytes; {wall:.1f} ms wall, {cpu:.1f} ms CPU")


if __name__ == "__main__":
    main()
