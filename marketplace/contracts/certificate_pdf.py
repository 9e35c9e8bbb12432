"""The registration certificate as an A4 PDF: CJK font embedded (subset), QR code drawn as vector squares."""
import os
from functools import lru_cache

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from marketplace.contracts.certificate import Certificate
from marketplace.money import yuan_text
from marketplace.qr import dark_runs

FONT_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "static", "fonts", "NotoSansSC-GB2312.otf")
FONT = "cjk"
MISSING = "□"  # drawn for a character the shipped font lacks (the HTML certificate shows it as written)
LABEL_WIDTH, ROW_HEIGHT, QR_SIZE = 48, 8.5, 34  # millimetres


@lru_cache(maxsize=1)
def font_characters() -> frozenset[int]:
    """Code points the shipped font can draw (read once per process)."""
    font = TTFont(FONT_FILE, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def printable(text: str) -> str:
    """`text` with whitespace controls as spaces and characters outside the font as □."""
    characters = font_characters()
    return "".join(" " if ch.isspace() else ch if ord(ch) in characters else MISSING for ch in str(text))


def _rows(cert: Certificate) -> list[tuple[str, str]]:
    contract, standing = cert.contract, cert.standing
    state = standing.label + (f"（最近变更 {standing.amended_on:%Y-%m-%d}）" if standing.amended_on else "")
    kind = contract.contract_type + (f"（{contract.subtype}）" if contract.subtype else "")
    rows = [("登记号", contract.registration_no), ("登记日期", f"{contract.registered_on:%Y-%m-%d}"),
            ("登记状态", state), ("合同编号", contract.contract_no or "未填写"), ("项目名称", contract.title),
            ("合同类型", kind), ("技术领域", contract.tech_field)]
    if cert.route:
        rows.append(("定价方式", cert.route))
    for side, party in (("卖方（技术输出方）", cert.seller), ("买方（技术吸纳方）", cert.buyer)):
        rows.append((side, f"{party.name}（{party.org_type}，{party.region}）"))
    rows += [("签订日期", f"{contract.signed_on:%Y-%m-%d}"), ("合同成交额", yuan_text(contract.contract_amount_fen))]
    rows += [(f"扣除：{label}", yuan_text(fen)) for label, fen in cert.deductions]
    rows += [("技术交易额", yuan_text(contract.tech_amount_fen)), ("登记机构", cert.office)]
    return rows


def _draw_qr(pdf: FPDF, url: str, x: float, y: float) -> None:
    size, runs = dark_runs(url)
    module = QR_SIZE / size
    pdf.set_fill_color(0, 0, 0)
    for row, column, length in runs:
        pdf.rect(x + column * module, y + row * module, length * module, module, style="F")


def render_pdf(cert: Certificate) -> bytes:
    """The certificate as PDF bytes."""
    contract = cert.contract
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(printable(f"技术合同认定登记证明 {contract.registration_no}"))
    pdf.set_creator("技术市场")
    pdf.set_lang("zh-CN")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font(FONT, fname=FONT_FILE)
    pdf.add_page()
    pdf.set_margins(20, 18, 20)
    pdf.set_xy(20, 18)
    pdf.set_font(FONT, size=20)
    pdf.cell(0, 14, "技术合同认定登记证明", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_draw_color(120, 120, 120)
    value_width = pdf.epw - LABEL_WIDTH
    for label, value in _rows(cert):
        pdf.set_font(FONT, size=10.5)
        pdf.set_fill_color(242, 242, 242)
        lines = pdf.multi_cell(value_width, ROW_HEIGHT, printable(value), dry_run=True, output="LINES")
        height = ROW_HEIGHT * max(1, len(lines))
        if pdf.will_page_break(height):
            pdf.add_page()
        pdf.cell(LABEL_WIDTH, height, label, border=1, fill=True)
        pdf.multi_cell(value_width, ROW_HEIGHT, printable(value), border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    if pdf.will_page_break(QR_SIZE + 12):
        pdf.add_page()
    top = pdf.get_y()
    _draw_qr(pdf, cert.verify_url, pdf.w - pdf.r_margin - QR_SIZE, top)
    pdf.set_font(FONT, size=9.5)
    text_width = pdf.epw - QR_SIZE - 6
    pdf.multi_cell(text_width, 6, "本证明由技术合同登记机构依据《技术合同认定登记管理办法》出具。"
                   "扫描右侧二维码或访问以下地址，可核验本登记号的登记状态：", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(30, 60, 140)
    pdf.multi_cell(text_width, 6, printable(cert.verify_url), link=cert.verify_url,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(max(pdf.get_y(), top + QR_SIZE) + 4)
    pdf.cell(0, 7, printable(f"出具机构：{cert.office}"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
