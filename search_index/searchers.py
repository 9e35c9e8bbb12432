"""One searcher per process and index folder, refreshed cheaply, plus its facet table."""
import threading
from collections import OrderedDict

from whoosh import index

from search_index.schema import unpack_facets

MAX_OPEN = 4  # tests open many index folders in one process; close the oldest

_lock = threading.RLock()
_searchers: "OrderedDict[str, object]" = OrderedDict()
_segment_tables: dict[tuple, list] = {}


def lock():
    """Whoosh searchers are not safe to refresh while another thread reads them."""
    return _lock


def current(path: str):
    """The up-to-date searcher for `path`, or None when no index exists yet."""
    searcher = _searchers.get(path)
    if searcher is None:
        if not index.exists_in(path):
            return None
        searcher = index.open_dir(path).searcher()
    else:
        searcher = searcher.refresh()
    _searchers[path] = searcher
    _searchers.move_to_end(path)
    while len(_searchers) > MAX_OPEN:
        _old_path, old = _searchers.popitem(last=False)
        old.close()
    return searcher


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
