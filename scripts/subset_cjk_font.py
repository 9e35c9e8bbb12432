"""Cut the certificate font from Noto Sans CJK SC: GB2312 plus Latin and the punctuation a certificate uses.

Usage: python scripts/subset_cjk_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
(face 2 of the collection is Simplified Chinese). Writes static/fonts/NotoSansSC-GB2312.otf.
"""
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "static", "fonts", "NotoSansSC-GB2312.otf")
SC_FACE = 2


def gb2312_characters() -> set[int]:
    """Every character GB2312 encodes (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.update(ord(ch) for ch in bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def wanted() -> set[int]:
    ranges = [(0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x20A0, 0x20BF), (0x2100, 0x214F),
              (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
    codes = gb2312_characters()
    for first, last in ranges:
        codes.update(range(first, last + 1))
    return codes


def main(source: str) -> None:
    font = TTCollection(source).fonts[SC_FACE] if source.endswith((".ttc", ".otc")) else TTFont(source)
    options = subset.Options()
    options.layout_features = []  # fpdf2 sets text without shaping
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.notdef_outline = True
    options.hinting = False  # a printed certificate needs no hints (halves the file)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    font.save(OUTPUT)
    print(f"{OUTPUT}: {os.path.getsize(OUTPUT)} bytes, {len(font.getBestCmap())} characters")


if __name__ == "__main__":
    main(sys.argv[1])
