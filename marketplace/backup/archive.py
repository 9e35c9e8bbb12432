"""The backup file: a .tar.gz whose first member is manifest.json, every other member listed there
with its size and SHA-256. Reading checks all of it before anything is restored."""
import hashlib
import io
import json
import os
import tarfile
import time
import zlib

FORMAT = "technology-market-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ROLES = ("database", "attachment", "dictionary")
DATABASES = ("sqlite", "postgresql")
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


def file_digest(path: str) -> tuple[int, str]:
    """(size, SHA-256 hex) of a file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def write(target: str, manifest: dict, members: list[tuple[str, str, str]], progress=None) -> int:
    """Write the archive at `target` (atomically, mode 0600); members are (name, role, source file).

    Returns the archive's size in bytes.
    """
    say = progress or (lambda _message: None)
    entries = []
    for name, role, source in members:
        size, digest = file_digest(source)
        entries.append({"name": name, "role": role, "size": size, "sha256": digest})
    body = json.dumps({**manifest, "files": entries}, ensure_ascii=False, indent=1).encode("utf-8")
    partial = target + ".partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                _add_bytes(tar, MANIFEST, body)
                for number, ((name, _role, source), entry) in enumerate(zip(members, entries), 1):
                    with open(source, "rb") as handle:
                        tar.addfile(_info(name, entry["size"]), _Progress(handle, name, entry["size"], say))
                    if number % 500 == 0 or number == len(members):
                        say(f"已打包 {number} / {len(members)} 个文件…")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return os.path.getsize(target)


class _Progress:
    """A file being read that reports every few seconds (a big database takes a while)."""

    def __init__(self, handle, name: str, size: int, say, every: float = 5.0, verb: str = "压缩"):
        self.handle, self.name, self.size, self.say, self.every, self.verb = handle, name, size, say, every, verb
        self.done, self.next_report = 0, time.monotonic() + every

    def read(self, count=-1) -> bytes:
        chunk = self.handle.read(count)
        self.done += len(chunk)
        if time.monotonic() >= self.next_report:
            self.say(f"正在{self.verb} {self.name}：{self.done / 1e6:,.0f} / {self.size / 1e6:,.0f} MB…")
            self.next_report = time.monotonic() + self.every
        return chunk


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


def _add_bytes(tar, name: str, payload: bytes) -> None:
    tar.addfile(_info(name, len(payload)), io.BytesIO(payload))


def read_manifest(path: str) -> dict:
    """The manifest alone (the first member), checked for shape but not against the files."""
    try:
        with tarfile.open(path, "r|gz") as tar:
            return _manifest(tar)
    except (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"无法读取备份文件 {path}：文件已损坏、不完整或不是本系统的备份（{exc}）。") from None


def read(path: str, folder: str, progress=None) -> tuple[dict, dict[str, str]]:
    """Unpack and check every member into `folder`; returns the manifest and {member name: local file}.

    Member names never become paths: files land as numbered names inside `folder`.
    """
    say = progress or (lambda _message: None)
    local = {}
    try:
        with tarfile.open(path, "r|gz") as tar:
            manifest = _manifest(tar)
            expected = {entry["name"]: entry for entry in manifest["files"]}
            while (member := tar.next()) is not None:
                entry = expected.get(member.name)
                if entry is None or not member.isfile() or member.name in local:
                    raise BackupError(f"备份文件中有清单之外或重复的成员：{member.name}")
                target = os.path.join(folder, f"{len(local):06d}")
                size, digest = _copy(_Progress(tar.extractfile(member), member.name, entry["size"], say,
                                               verb="解压校验"), target)
                if size != entry["size"] or digest != entry["sha256"]:
                    raise BackupError(f"备份文件已损坏：{member.name} 的校验和与清单不符。")
                local[member.name] = target
                if len(local) % 500 == 0:
                    say(f"已校验 {len(local)} / {len(expected)} 个文件…")
    except (tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"备份文件已损坏或不完整（{exc}）。") from None
    except OSError as exc:
        raise BackupError(f"无法读取备份文件 {path}：已损坏或不完整（{exc}）。") from None
    missing = sorted(set(expected) - set(local))
    if missing:
        raise BackupError(f"备份文件不完整：缺少 {len(missing)} 个文件（如 {missing[0]}）。")
    return manifest, local


def database_member(manifest: dict) -> str:
    """The name of the archive member holding the database."""
    return next(entry["name"] for entry in manifest["files"] if entry["role"] == "database")


def _copy(source, target: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def _manifest(tar) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile() or first.size > MAX_MANIFEST_BYTES:
        raise BackupError("这不是本系统的备份文件：第一个成员不是 manifest.json。")
    manifest = json.loads(tar.extractfile(first).read().decode("utf-8"))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("这不是本系统的备份文件：清单格式不符。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持（本程序支持 {FORMAT_VERSION}）。")
    files = manifest.get("files")
    if (not isinstance(files, list) or not all(_entry_ok(entry) for entry in files)
            or [entry["role"] for entry in files].count("database") != 1
            or manifest.get("database") not in DATABASES or not isinstance(manifest.get("tables"), dict)):
        raise BackupError("备份清单内容不完整或已损坏。")
    return manifest


def _entry_ok(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry.get("role") in ROLES
            and isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str)
            and len(entry["sha256"]) == 64 and all(c in "0123456789abcdef" for c in entry["sha256"]))
