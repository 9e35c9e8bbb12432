"""One searcher per process and index folder, refreshed cheaply, plus its facet table."""
import threading
import time
from collections import OrderedDict

from whoosh import index
from whoosh.reading import ReaderClosed

from search_index.schema import unpack_facets

MAX_OPEN = 4  # tests open many index folders in one process; close the oldest
MAX_ANSWERS = 256  # queries remembered per searcher
OPEN_RETRIES = 10

_lock = threading.RLock()
_searchers: "OrderedDict[str, object]" = OrderedDict()
_indexes: dict[str, object] = {}
_segment_tables: dict[tuple, list] = {}


def lock():
    """Whoosh searchers are not safe to refresh while another thread reads them."""
    return _lock


def current(path: str):
    """The up-to-date searcher for `path`, or None when no index exists yet.

    A changed index gets a new searcher from the same FileIndex, not Whoosh's
    `Searcher.refresh()`: in Whoosh 2.7.4 a refresh that meets a segment file
    another process's merge just deleted closes the old readers twice
    (ReaderClosed), and every later refresh of that searcher fails the same way.
    `FileIndex.searcher()` retries such a file itself. (Refresh reuses no reader.)
    """
    searcher = _searchers.get(path)
    if searcher is not None and searcher.up_to_date():
        _searchers.move_to_end(path)
        return searcher
    if searcher is not None:
        _close(_searchers.pop(path))
    ix = _indexes.get(path) or _open(path)
    if ix is None:
        return None
    searcher = ix.searcher()
    _indexes[path], _searchers[path] = ix, searcher
    while len(_searchers) > MAX_OPEN:
        old_path, old = _searchers.popitem(last=False)
        _indexes.pop(old_path, None)
        _close(old)
    return searcher


def index_generation(path: str) -> int:
    """The generation of the index's newest table of contents, read from the folder."""
    return (_indexes.get(path) or _open(path)).latest_generation()


def remembered(searcher, key, compute):
    """`compute()` for `key` once per searcher: a searcher reads one fixed state of the index.

    A changed index gets a new searcher (`current`), which starts with no answers.
    Call with `lock()` held; the answer is shared and must not be changed.
    """
    answers = getattr(searcher, "_answers", None)
    if answers is None:
        answers = searcher._answers = OrderedDict()
    if key in answers:
        answers.move_to_end(key)
        return answers[key]
    answer = answers[key] = compute()
    while len(answers) > MAX_ANSWERS:
        answers.popitem(last=False)
    return answer


def _open(path: str):
    """The index in `path` (None if there is none); retried when a commit replaces the TOC being read."""
    for _attempt in range(OPEN_RETRIES):
        try:
            return index.open_dir(path) if index.exists_in(path) else None
        except FileNotFoundError:
            time.sleep(0.05)
    return index.open_dir(path) if index.exists_in(path) else None


def _close(searcher) -> None:
    try:
        searcher.close()
    except ReaderClosed:  # already closed by a failed open; nothing left to release
        pass


class FacetTable:
    """Facet rows by global document number, with per-value columns built on first use.

    Counting over a column (`Counter(map(column.__getitem__, docs))`) runs at C
    speed, unlike attribute access per row.
    """

    def __init__(self, rows: list):
        self.rows = rows
        self._columns = {}

    def __getitem__(self, docnum: int):
        return self.rows[docnum]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list:
        """One value per document (None where a document has no facet row)."""
        values = self._columns.get(name)
        if values is None:
            values = [getattr(row, name) if row is not None else None for row in self.rows]
            self._columns[name] = values
        return values


def facet_table(searcher, path: str) -> FacetTable:
    """Per global document number: its FacetRow (None for a document without one).

    Decoded rows are cached per segment, so a refresh after one change only
    decodes the new small segment.
    """
    table = getattr(searcher, "_facet_table", None)
    if table is not None:
        return table
    table = []
    live = set()
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        segment = reader.segment()
        if segment is None:  # an empty index
            table.extend([None] * reader.doc_count_all())
            continue
        key = (path, segment.segment_id())
        live.add(key)
        rows = _segment_tables.get(key)
        if rows is None:
            if reader.has_column("facets"):
                column = reader.column_reader("facets", translate=False)
                rows = [unpack_facets(column[d]) for d in range(reader.doc_count_all())]
            else:
                rows = [None] * reader.doc_count_all()
            _segment_tables[key] = rows
        table.extend(rows)
    for key in [k for k in _segment_tables if k[0] == path and k not in live]:
        del _segment_tables[key]
    searcher._facet_table = FacetTable(table)
    return searcher._facet_table
