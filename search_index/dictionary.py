"""The domain dictionary: technology terms, organisations and places for jieba.

Two files: `data/search_dict.txt` shipped with the code, and
`<instance>/search_dict.txt` that admins extend (`add_words`). Lines are
jieba user-dictionary lines: `word [frequency] [tag]`; `#` starts a comment.
After adding words run `flask search reindex` so existing listings are
segmented with them too (queries use them at once).
"""
import os
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED_DICT = os.path.join(ROOT, "data", "search_dict.txt")

_state = {"cache_dir": None, "dict_file": None, "loaded_mtime": None}
_lock = threading.Lock()


def configure(cache_dir: str, dict_file: str) -> None:
    """Remember where jieba's model cache and the admins' dictionary live (the instance folder)."""
    _state["cache_dir"], _state["dict_file"] = cache_dir, dict_file


def cache_dir() -> str:
    """A folder the application owns for jieba's model cache."""
    path = _state["cache_dir"]
    if path is None:
        return tempfile.gettempdir()
    os.makedirs(path, exist_ok=True)
    return path


def instance_dict_path() -> str | None:
    return _state["dict_file"]


def read_entries(path: str) -> list[tuple[str, int | None]]:
    """(word, frequency) pairs of one dictionary file; a missing file has none."""
    if not path or not os.path.exists(path):
        return []
    entries = []
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            entries.append((parts[0], freq))
    return entries


def _mtime(path: str | None) -> float | None:
    try:
        return os.path.getmtime(path) if path else None
    except OSError:
        return None


def _add_entries(jieba, entries) -> None:
    from search_index.analysis import normalise

    for word, freq in entries:
        word = normalise(word)
        if word:
            jieba.add_word(word, freq=freq)


def load_into(jieba) -> None:
    """Add the shipped and the instance dictionary to an initialised jieba."""
    with _lock:
        _add_entries(jieba, read_entries(SHIPPED_DICT))
        path = instance_dict_path()
        _add_entries(jieba, read_entries(path))
        _state["loaded_mtime"] = _mtime(path)


def reload_if_changed(jieba) -> None:
    """Pick up words another process added to the instance dictionary (checked at most once a second)."""
    now = time.monotonic()
    if now - _state.get("checked", -1e9) < 1.0:
        return
    _state["checked"] = now
    path = instance_dict_path()
    mtime = _mtime(path)
    if mtime is not None and mtime != _state["loaded_mtime"]:
        with _lock:
            _add_entries(jieba, read_entries(path))
            _state["loaded_mtime"] = mtime


def add_words(words) -> list[str]:
    """Append new words to the admins' dictionary and use them in this process at once."""
    from search_index.analysis import jieba_module, normalise

    path = instance_dict_path()
    if path is None:
        raise RuntimeError("instance folder not configured")
    known = {w for w, _ in read_entries(SHIPPED_DICT) + read_entries(path)}
    added = []
    for word in words:
        word = (word or "").strip()
        if not word or any(ch.isspace() for ch in word) or word in known or len(word) > 30:
            continue
        known.add(word)
        added.append(word)
    if added:
        _state["checked"] = -1e9  # re-read at the next use (other processes within a second)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.writelines(word + "\n" for word in added)
        jieba = jieba_module()
        for word in added:
            jieba.add_word(normalise(word))
    return added
