"""Uploaded files: what they are is read from their bytes, never from their name; stored once under their SHA-256.

PDFs must look like whole PDF documents and carry no active content (scripts, launch actions, embedded
files); images must decode with Pillow as PNG, JPEG, GIF or WebP within a pixel budget. The bytes live in
the instance folder, `attachments/<2 hex>/<sha256>.<ext>`, written atomically and shared between rows.
"""
import hashlib
import io
import os
import re
import warnings
from dataclasses import dataclass

from flask import current_app

from marketplace.errors import DomainError
from marketplace.form_fields import clean_line

IMAGE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "GIF": ("image/gif", "gif"),
                 "WEBP": ("image/webp", "webp")}
EXTENSIONS = {"application/pdf": "pdf", **dict(IMAGE_FORMATS.values())}
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb, not a scan
# PDF names that make a reader run or open something (matched as whole names: /JS, not /JSONData).
# Names may be spelt with #xx escapes (/J#61vaScript), so escapes are decoded before matching. Names inside
# compressed object streams are not seen: downloads are served as attachments, never opened in the page.
ACTIVE_PDF = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])")
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class FileRefused(DomainError):
    status = 400
    code = "bad_file"


def sniff(payload: bytes) -> tuple[str, str]:
    """(content type, extension) of an accepted PDF or image; FileRefused otherwise."""
    if payload.startswith(b"%PDF-"):
        check_pdf(payload)
        return "application/pdf", "pdf"
    return check_image(payload)


def check_pdf(payload: bytes) -> None:
    if not re.match(rb"%PDF-[12]\.\d", payload) or b"%%EOF" not in payload[-2048:]:
        raise FileRefused("PDF 文件不完整或已损坏。")
    if ACTIVE_PDF.search(NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), payload)):
        raise FileRefused("PDF 含有脚本、启动命令或内嵌文件，出于安全原因不予接收。")


def check_image(payload: bytes) -> tuple[str, str]:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(payload)) as image:
                kind = image.format
                width, height = image.size
                if kind not in IMAGE_FORMATS:
                    raise FileRefused("只接受 PDF 或 PNG、JPEG、GIF、WebP 图片。")
                if width * height > MAX_IMAGE_PIXELS:
                    raise FileRefused("图片像素过多（不超过 4000 万像素）。")
                image.verify()
    except FileRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused("只接受 PDF 或 PNG、JPEG、GIF、WebP 图片。") from None
    except Exception:  # Pillow raises many kinds for a damaged file (SyntaxError, OSError, struct.error …)
        raise FileRefused("图片文件已损坏，无法读取。") from None
    return IMAGE_FORMATS[kind]


def stored_path(digest: str, ext: str) -> str:
    return os.path.join(current_app.instance_path, "attachments", digest[:2], f"{digest}.{ext}")


def store(payload: bytes, ext: str) -> str:
    """Keep the bytes (once per content) and return their SHA-256."""
    digest = hashlib.sha256(payload).hexdigest()
    path = stored_path(digest, ext)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, path)
    return digest


@dataclass(frozen=True)
class Upload:
    filename: str
    payload: bytes


@dataclass(frozen=True)
class Accepted:
    filename: str  # cleaned: no folders, no control characters
    payload: bytes
    content_type: str
    ext: str


def accept(uploads, max_files: int = 3, max_bytes: int = 10 * 1024 * 1024) -> list[Accepted]:
    """Every upload accepted by its content, or FileRefused (field "files") naming the first refused one."""
    uploads = [upload for upload in uploads if upload.filename or upload.payload]
    if len(uploads) > max_files:
        raise FileRefused(f"最多 {max_files} 个附件。", field="files")
    accepted = []
    for upload in uploads:
        name = clean_line(os.path.basename(upload.filename.replace("\\", "/")))[:200] or "附件"
        if not upload.payload:
            raise FileRefused(f"附件“{name}”是空文件。", field="files")
        if len(upload.payload) > max_bytes:
            raise FileRefused(f"附件“{name}”超过 {max_bytes // (1024 * 1024)} MB。", field="files")
        try:
            content_type, ext = sniff(upload.payload)
        except FileRefused as exc:
            raise FileRefused(f"附件“{name}”：{exc.message}", field="files") from None
        accepted.append(Accepted(name, upload.payload, content_type, ext))
    return accepted


def read_uploads(storages, max_total: int = 15 * 1024 * 1024) -> list[Upload]:
    """The files of a multiple-file form field, read once (an empty input sends one nameless empty part)."""
    found, total = [], 0
    for storage in storages or []:
        if storage is None or not getattr(storage, "filename", ""):
            continue
        payload = storage.read(max_total + 1)
        total += len(payload)
        if total > max_total:
            raise FileRefused(f"附件合计不能超过 {max_total // (1024 * 1024)} MB。", field="files")
        found.append(Upload(storage.filename, payload))
    return found
