"""Synonyms and lay terms at query time: a query word also matches the words that name the same thing.

The application installs a provider (`set_provider`) returning the current thesaurus
as {word: all words of its group} plus a version that changes whenever it does; the
search package knows nothing of where the thesaurus lives. Documents are indexed as
written: 洋芋 in a query finds 马铃薯 in a listing because the query expands, so a
changed thesaurus needs no reindex.
"""
from search_index import analysis

MAX_ALTERNATIVES = 8  # words tried per query word: a huge group cannot blow up a query
MAX_JOINED_UNITS = 3  # a thesaurus term split by the segmenter (七叶 + 一枝花) is joined again

_state = {"provider": None}


def set_provider(provider) -> None:
    """`provider()` → (version, {word: (word, synonym, …)}); None switches expansion off."""
    _state["provider"] = provider


def _current() -> tuple[object, dict]:
    provider = _state["provider"]
    return provider() if provider is not None else (None, {})


def version():
    """Changes whenever the thesaurus does (remembered rankings are keyed by it)."""
    return _current()[0]


def join_terms(units: list[str]) -> list[str]:
    """Join runs of consecutive query units that together spell one thesaurus term."""
    groups = _current()[1]
    if not groups:
        return units
    joined, i = [], 0
    while i < len(units):
        for width in range(min(MAX_JOINED_UNITS, len(units) - i), 1, -1):
            word = "".join(units[i:i + width])
            if word in groups:
                joined.append(word)
                i += width
                break
        else:
            joined.append(units[i])
            i += 1
    return joined


def alternatives(unit: str) -> tuple[str, ...]:
    """The unit first, then the other words of its thesaurus group (bounded)."""
    group = _current()[1].get(unit)
    if not group:
        return (unit,)
    return (unit, *[word for word in group if word != unit][:MAX_ALTERNATIVES - 1])


def parts(word: str) -> list[str]:
    """The index words a thesaurus word must all match (it may be segmented into several)."""
    found = analysis.query_units(analysis.normalise(word))
    return found or [word]
