"""Writers for a full rebuild: the same segments as Whoosh's, with less work per posting.

Whoosh's writer puts every posting in a pool that estimates its size, sorts all of
them (spilling sorted runs to disk past `limitmb` and merging them back), and then
reads each document's field length back from disk once per posting. A rebuild
adds documents in order, so grouping postings by term as they come keeps each
posting list sorted: only the terms need sorting at the end, and the lengths are
read once per document. The segment files written are Whoosh's own.

Memory: about 14 bytes per posting (about 200 MB per writer process for 100,000
listings) instead of `limitmb` per process.
"""
from array import array

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter


class TermGroupedPool:
    """Stands in for Whoosh's PostingPool when documents arrive in docnum order."""

    def __init__(self):
        self.fieldnames = set()
        self.runs = []  # nothing ever spills to disk
        self._postings = {}  # (fieldname, term bytes) -> (docnums, weights, value numbers)
        self._value_numbers = {}  # posting values repeat (the encoded frequency): each is kept once
        self._values = []

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        postings = self._postings.get((fieldname, tbytes))
        if postings is None:
            self.fieldnames.add(fieldname)
            postings = self._postings[fieldname, tbytes] = (array("I"), array("d"), array("I"))
        number = self._value_numbers.get(vbytes)
        if number is None:
            number = self._value_numbers[vbytes] = len(self._values)
            self._values.append(vbytes)
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(number)

    def iter_postings(self):
        """(fieldname, term, docnum, weight, value) in the order Whoosh's pool would give them."""
        values = self._values
        for key in sorted(self._postings):
            fieldname, tbytes = key
            docnums, weights, numbers = self._postings.pop(key)
            for docnum, weight, number in zip(docnums, weights, numbers):
                yield fieldname, tbytes, docnum, weight, values[number]

    def save(self):
        pass

    def cleanup(self):
        self._postings.clear()


class LengthTable:
    """Every document's field lengths, read once from the segment's per-document reader."""

    def __init__(self, reader, fieldnames, doc_count: int):
        self._lengths = {name: [reader.doc_field_length(docnum, name) for docnum in range(doc_count)]
                         for name in fieldnames}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        return self._lengths[fieldname][docnum]


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter for documents added in order, none updated or deleted (see the module docstring)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = TermGroupedPool()

    def _flush_segment(self):
        self.perdocwriter.close()
        reader = self.per_document_reader()
        try:
            lengths = LengthTable(reader, self.pool.fieldnames, self.docnum - self.docbase)
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        finally:
            reader.close()
        self.fieldwriter.close()


class BulkWriterTask(SubWriterTask):
    """A writer process of BulkWriter: indexes the job files it is given into a segment of its own."""

    def run(self):
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BulkSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        self.resultqueue.put((None, writer.pool.fieldnames, writer._finalize_segment()), timeout=5)


class BulkWriter(MpWriter):
    """Whoosh's multi-process writer (one new segment per process) with BulkSegmentWriter in each process."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):
        task = BulkWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                              self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


def bulk_writer(ix, procs: int, **kwargs):
    """A writer for a rebuild: `procs` writer processes, or this process alone when procs is 1."""
    if procs > 1:
        return BulkWriter(ix, procs, **kwargs)
    return BulkSegmentWriter(ix, **kwargs)
