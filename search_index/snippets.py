"""Highlighted snippets: the query words marked in a window of the listing text (HTML-safe)."""
from markupsafe import Markup, escape

from search_index.analysis import normalise

SNIPPET_CHARS = 90
LEAD_CHARS = 20


def _hits(text: str, terms) -> list[tuple[int, int]]:
    spans = []
    for term in sorted(set(terms), key=len, reverse=True):
        start = text.find(term)
        while start != -1 and len(spans) < 200:
            spans.append((start, start + len(term)))
            start = text.find(term, start + 1)
    spans.sort()
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str | None, terms, width: int = SNIPPET_CHARS) -> Markup:
    """A window of `text` around the first query word, each word wrapped in <mark>."""
    text = " ".join((text or "").split())
    folded = normalise(text)
    # Folding keeps the length almost always; show the original text when it did.
    shown = text if len(folded) == len(text) else folded
    spans = _hits(folded, [t for t in terms if t])
    begin = max(0, spans[0][0] - LEAD_CHARS) if spans else 0
    end = min(len(shown), begin + width)
    parts = [Markup("…")] if begin > 0 else []
    cursor = begin
    for start, stop in spans:
        if stop <= begin or start >= end:
            continue
        start, stop = max(start, begin), min(stop, end)
        parts.append(escape(shown[cursor:start]))
        parts.append(Markup("<mark>") + escape(shown[start:stop]) + Markup("</mark>"))
        cursor = stop
    parts.append(escape(shown[cursor:end]))
    if end < len(shown):
        parts.append(Markup("…"))
    return Markup("").join(parts)
