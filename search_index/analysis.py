"""Chinese text analysis: normalisation, jieba segmentation and CJK n-grams.

The tokenizers are pickled into the index schema, so they must live in this
importable module and keep their class names.
"""
import logging
import re
import threading
import unicodedata

from whoosh.analysis import Token, Tokenizer

from search_index import dictionary

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
ASCII_RUN = re.compile(r"[a-z0-9]+(?:[-._/+][a-z0-9]+)*")
SPLIT_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[-._/+][a-z0-9]+)*)")
ASCII_PARTS = re.compile(r"[a-z0-9]+")

# Words that carry no meaning on their own in a query (never sent to the index).
QUERY_STOP_WORDS = frozenset(
    "的 了 和 与 及 或 等 在 是 对 之 其 以及 及其 and or not andnot the of a an".split()
)

# Segmentation of a CJK run depends on the run and the dictionary only: runs seen before
# (organisation names, keywords, stock phrases of descriptions) are not cut again.
MAX_MEMO_RUNS = 100_000
MAX_MEMO_RUN_CHARS = 40  # longer runs seldom repeat

_lock = threading.Lock()
_converter = None
_jieba = None
_segments: dict[str, tuple[str, ...]] = {}
_segments_key = [None]  # the dictionary state `_segments` was cut with


def _opencc():
    global _converter
    if _converter is None:
        import opencc

        # 'tw2sp' also maps Taiwan vocabulary (軟體 → 软件, 人工智慧 → 人工智能); 't2s' does not.
        _converter = opencc.OpenCC("tw2sp")
    return _converter


def normalise(text: str | None) -> str:
    """Fold full-width forms, traditional characters and case: the form both index and query use."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if CJK_RUN.search(text):
        text = _opencc().convert(text)
    return text.lower()


def jieba_module():
    """The jieba module, initialised once per process with the domain dictionary."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.dt.tmp_dir = dictionary.cache_dir()
                jieba.initialize()
                dictionary.load_into(jieba)
                _jieba = jieba
    dictionary.reload_if_changed(_jieba)
    return _jieba


def _check_segments(jieba) -> None:
    """Forget memoised cuts once words were added to the dictionary (add_word changes its total)."""
    key = (jieba.dt.total, len(jieba.dt.FREQ))
    if key != _segments_key[0]:
        _segments.clear()
        _segments_key[0] = key


def _cut_for_search(jieba, run: str) -> tuple[str, ...]:
    terms = _segments.get(run)
    if terms is None:
        terms = tuple(jieba.cut_for_search(run))
        if len(run) <= MAX_MEMO_RUN_CHARS:
            if len(_segments) >= MAX_MEMO_RUNS:
                _segments.clear()
            _segments[run] = terms
    return terms


def ascii_terms(word: str) -> list[str]:
    """A model number or English word: the joined form plus its parts (MX-500 → mx500, mx, 500)."""
    parts = ASCII_PARTS.findall(word)
    joined = "".join(parts)
    terms = [joined] if joined else []
    if len(parts) > 1:
        terms.extend(p for p in parts if p != joined)
    return terms


def segment_for_index(text: str) -> list[str]:
    """Terms of normalised text: jieba search mode for Chinese, ASCII words as above."""
    jieba = jieba_module()
    _check_segments(jieba)
    terms = []
    for run in SPLIT_RUNS.findall(text):
        if CJK_RUN.fullmatch(run):
            terms.extend(_cut_for_search(jieba, run))
        else:
            terms.extend(ascii_terms(run))
    return terms


def cjk_grams(text: str) -> list[str]:
    """Every single character and every bigram of each CJK run, plus ASCII terms."""
    terms = []
    for run in SPLIT_RUNS.findall(text):
        if CJK_RUN.fullmatch(run):
            terms.extend(run)
            terms.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:
            terms.extend(ascii_terms(run))
    return terms


def query_units(text: str) -> list[str]:
    """Split a normalised query into the words that must all match (precise mode, stop words dropped)."""
    jieba = jieba_module()
    units = []
    for run in SPLIT_RUNS.findall(text):
        if CJK_RUN.fullmatch(run):
            units.extend(w for w in jieba.cut(run) if w.strip())
        else:
            joined = "".join(ASCII_PARTS.findall(run))
            if joined:
                units.append(joined)
    kept = [u for u in units if u not in QUERY_STOP_WORDS] or units
    seen = set()
    return [u for u in kept if not (u in seen or seen.add(u))]


def query_grams(unit: str) -> list[str]:
    """The n-grams a title must contain for `unit` to be a substring of it."""
    if CJK_RUN.fullmatch(unit):
        if len(unit) == 1:
            return [unit]
        return [unit[i:i + 2] for i in range(len(unit) - 1)]
    return [unit]


class _TermTokenizer(Tokenizer):
    """Base: turn text into a flat list of terms (no positions or offsets needed)."""

    def terms(self, text: str) -> list[str]:
        raise NotImplementedError

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = normalise(value)
        if not tokenize:
            words = [text]
        else:
            words = self.terms(text)
        for pos, word in enumerate(words):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(word)
            yield token


class ChineseTokenizer(_TermTokenizer):
    """jieba search-mode words (燃料电池 and 燃料, 电池) plus ASCII words."""

    def terms(self, text: str) -> list[str]:
        return segment_for_index(text)


class GramTokenizer(_TermTokenizer):
    """CJK unigrams and bigrams: any substring of a title matches."""

    def terms(self, text: str) -> list[str]:
        return cjk_grams(text)
