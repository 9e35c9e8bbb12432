"""QR codes for printed and on-screen certificates (segno: pure Python, no image library)."""
import segno
from markupsafe import Markup

QUIET_ZONE = 4  # modules of white border the QR specification asks for


def qr_code(text: str) -> segno.QRCode:
    """A QR code (error correction M, enough for a printed page that gets creased)."""
    return segno.make(text, error="m", micro=False)


def qr_svg(text: str, title: str) -> Markup:
    """An inline SVG (no script, no style attribute: fits the site's CSP) that scales with its box."""
    svg = qr_code(text).svg_inline(scale=1, border=QUIET_ZONE, omitsize=True, title=title, svgclass="qr-code",
                                   lineclass=None, dark="#000", light="#fff")
    return Markup(svg)  # nosec B704 — segno writes the markup; the title is escaped by segno


def dark_runs(text: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The code's size in modules (without border) and its dark modules as (row, first column, length) runs."""
    matrix = qr_code(text).matrix
    runs = []
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if cells[column]:
                start = column
                while column < len(cells) and cells[column]:
                    column += 1
                runs.append((row, start, column - start))
            else:
                column += 1
    return len(matrix), runs
