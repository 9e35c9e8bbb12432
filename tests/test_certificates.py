"""Registration certificates: the HTML page and the PDF download (itemised amounts, region names, QR, access)."""
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from marketplace.contracts import services
from marketplace.qr import qr_code, qr_svg
from models import Contract, User, db
from tests.contract_helpers import amend, draft, officials, parties, register_path
from tests.factories import make_org, make_user

DEDUCTIONS = {"equipment": 12_345_67, "instruments": 1, "parts": 50_00, "materials": 99_999_99, "other": 10}
AMOUNT = 3_501_000_50  # 3,501,000.50 元
TECH = AMOUNT - sum(DEDUCTIONS.values())
YUAN = ["3,501,000.50元", "12,345.67元", "0.01元", "50.00元", "99,999.99元", "0.10元", f"{TECH // 100:,}.{TECH % 100:02d}元"]
ODD_NAME = "𠮷野家😀\u200b测试公司"  # a CJK Extension B character, an emoji and a zero-width space


@pytest.fixture
def world(app):
    with app.app_context():
        seller, buyer = parties()
        seller_user = make_user("seller_user", "institute", seller)
        make_user("buyer_user", "enterprise", buyer)
        make_user("outsider", "institute", make_org("别家研究院", "科研机构", "530100"))
        official, _, _ = officials()
        contract = draft(seller, buyer, seller_user, amount_fen=AMOUNT, deductions=DEDUCTIONS,
                         contract_no="HT-2026-007")
        register_path(contract, seller_user, official, on=date(2026, 4, 1))
        odd = draft(seller, make_org(ODD_NAME, "企业", "510100"), seller_user, title="生僻字合同")
        register_path(odd, seller_user, official, on=date(2026, 4, 2))
        cancelled = draft(seller, buyer, seller_user, title="已撤销合同")
        register_path(cancelled, seller_user, official, on=date(2026, 4, 3))
        services.transition(cancelled, "cancel", official, "合同解除")
        pending = draft(seller, buyer, seller_user, title="草稿合同")
        db.session.commit()
        return {"id": contract.id, "no": contract.registration_no, "odd": odd.id, "cancelled": cancelled.id,
                "draft": pending.id, "official": official.username}


def to_unicode(font) -> dict[int, str]:
    """A Type0 font's ToUnicode map: two-byte code → text."""
    cmap = font["/ToUnicode"].get_object().get_data().decode("ascii")
    return {int(code, 16): bytes.fromhex(text).decode("utf-16-be")
            for code, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap.split("beginbfchar", 1)[1])}


def pdf_text(body: bytes) -> tuple[PdfReader, str]:
    """The text shown on every page, decoded through each font's ToUnicode map (whitespace dropped).

    (pypdf's own extract_text misreads the embedded Identity CMap of CFF-based CID fonts; poppler reads it right.)
    """
    reader = PdfReader(io.BytesIO(body))
    shown = []
    for page in reader.pages:
        fonts = {name: to_unicode(font.get_object()) for name, font in page["/Resources"]["/Font"].items()}
        current = {}
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = fonts[operands[0]]
            elif operator == b"Tj":
                raw = bytes(operands[0].original_bytes if hasattr(operands[0], "original_bytes") else operands[0])
                shown.append("".join(current[int.from_bytes(raw[i:i + 2], "big")] for i in range(0, len(raw), 2)))
    return reader, re.sub(r"\s+", "", "".join(shown))


def test_html_certificate_itemises_deductions_in_yuan_and_names_regions(client, auth, world):
    auth.login("seller_user")
    page = client.get(f"/contracts/{world['id']}/certificate").get_data(as_text=True)
    for label in ("设备", "仪器", "零部件", "原材料", "其他"):
        assert f"扣除：{label}" in page
    for amount in YUAN:
        assert amount in page
    assert "云南省昆明市" in page and "云南省曲靖市" in page
    assert "，530100）" not in page and "，530300）" not in page
    assert "HT-2026-007" in page and "昆明市科学技术局（测试）" in page and "已登记，有效" in page


def test_html_certificate_links_the_pdf_and_shows_the_verification_qr(client, auth, world):
    auth.login("seller_user")
    page = client.get(f"/contracts/{world['id']}/certificate").get_data(as_text=True)
    url = f"http://localhost/verify/{world['no']}"
    assert url in page and f"/contracts/{world['id']}/certificate.pdf" in page
    assert str(qr_svg(url, "登记证明核验二维码")) in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    detail = client.get(f"/contracts/{world['id']}").get_data(as_text=True)
    assert f"/contracts/{world['id']}/certificate.pdf" in detail and "云南省曲靖市" in detail


def test_pdf_is_valid_embeds_the_font_and_says_everything(client, auth, world):
    auth.login("buyer_user")
    response = client.get(f"/contracts/{world['id']}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert world["no"] in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    body = response.data
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    reader, text = pdf_text(body)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile3" in descriptor or "/FontFile2" in descriptor  # embedded, not merely named
        assert re.match(r"/[A-Z]{6}\+", descriptor["/FontName"])  # a subset
    for expected in [world["no"], "昆明理工大学（测试）", "云南某能源公司（测试）", "云南省昆明市", "云南省曲靖市",
                     "HT-2026-007", "2026-04-01", "委托开发", "新材料及其应用", "技术交易额", "原材料",
                     "昆明市科学技术局（测试）", f"http://localhost/verify/{world['no']}", *YUAN]:
        assert expected in text, expected
    assert len(body) < 200_000


def qr_matrix_drawn(reader: PdfReader) -> list[list[int]]:
    """The filled squares of the page's QR code, read back from the content stream as a module grid."""
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    squares = [tuple(float(v) for v in m.groups()) for m in re.finditer(
        r"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f", content)]
    module = min(abs(h) for _, _, _, h in squares)
    left, top = min(x for x, *_ in squares), max(y for _, y, _, _ in squares)
    size = round((max(x + w for x, _, w, _ in squares) - left) / module)
    grid = [[0] * size for _ in range(size)]
    for x, y, w, _ in squares:
        row, column = round((top - y) / module), round((x - left) / module)
        for offset in range(round(w / module)):
            grid[row][column + offset] = 1
    return grid


def test_pdf_qr_code_encodes_the_verification_url(client, auth, world):
    auth.login("seller_user")
    reader, _ = pdf_text(client.get(f"/contracts/{world['id']}/certificate.pdf").data)
    expected = [list(row) for row in qr_code(f"http://localhost/verify/{world['no']}").matrix]
    assert qr_matrix_drawn(reader) == expected


def test_characters_outside_the_font_do_not_break_the_pdf(client, auth, world, caplog):
    auth.login("seller_user")
    response = client.get(f"/contracts/{world['odd']}/certificate.pdf")
    assert response.status_code == 200
    _, text = pdf_text(response.data)
    assert "野家" in text and "测试公司" in text and "□" in text and "四川省成都市" in text
    assert "missing the following glyphs" not in caplog.text
    page = client.get(f"/contracts/{world['odd']}/certificate").get_data(as_text=True)
    assert "𠮷野家😀" in page  # the HTML page shows the name exactly


def test_amended_certificate_says_amended_with_the_date(app, client, auth, world):
    with app.app_context():
        contract = db.session.get(Contract, world["id"])
        official = db.session.scalar(db.select(User).where(User.username == world["official"]))
        amend(contract, official, [official], "补充发票", AMOUNT, {**DEDUCTIONS, "other": 0})
        db.session.commit()
    auth.login("seller_user")
    page = client.get(f"/contracts/{world['id']}/certificate").get_data(as_text=True)
    assert "已变更登记，有效" in page and f"最近变更 {date.today():%Y-%m-%d}" in page and "0.00元" in page
    _, text = pdf_text(client.get(f"/contracts/{world['id']}/certificate.pdf").data)
    assert "已变更登记" in text


@pytest.mark.parametrize("who, key, status", [
    ("outsider", "id", 404), ("seller_user", "draft", 404), ("seller_user", "cancelled", 404),
    ("buyer_user", "id", 200), ("official_a", "id", 200), ("official_cd", "id", 404),
])
def test_pdf_access_follows_the_html_certificate(client, auth, world, who, key, status):
    auth.login(who)
    for suffix in ("certificate", "certificate.pdf"):
        assert client.get(f"/contracts/{world[key]}/{suffix}").status_code == status, suffix


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(f"/contracts/{world['id']}/certificate.pdf")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next=")
    assert client.get("/contracts/999999/certificate.pdf").status_code == 302
