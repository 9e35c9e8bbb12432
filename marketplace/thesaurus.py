"""The domain thesaurus: words that name the same thing, and the 技术领域 that neighbour each other.

Two sources: `data/thesaurus.txt`, shipped with the code (read once per process), and
the groups admins add (`synonym_groups`, shared by every node). Search expands a
query word with its group (search_index.synonyms); matching uses the same groups
to bridge a need's lay terms and a result's technical ones, and the neighbouring
fields to see that a result one field over may answer a need.
"""
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

import search_index
from marketplace.cache import Cache, tokens
from marketplace.errors import DomainError
from models import SynonymGroup, db
from models.vocab import TECH_FIELDS

SHIPPED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "thesaurus.txt")
NEIGHBOURS_PREFIX = "相邻 "
MAX_WORDS = 12
MAX_WORD_CHARS = 20
_ADDED = Cache("synonym groups", ("thesaurus",), max_entries=1)
_built: dict = {}
_lock = threading.Lock()


class ThesaurusError(DomainError):
    """A refused synonym group; the message is shown to the admin."""

    status = 422


@dataclass
class Thesaurus:
    """Synonym groups (each a tuple of normalised words, preferred first) and neighbouring fields."""

    groups: list[tuple[str, ...]] = field(default_factory=list)
    neighbours: dict[str, frozenset] = field(default_factory=dict)
    index: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, words) -> None:
        group = tuple(dict.fromkeys(search_index.normalise(w) for w in words if w.strip()))
        if len(group) < 2:
            return
        self.groups.append(group)
        for word in group:  # a word in two groups bridges to both
            self.index[word] = tuple(dict.fromkeys(self.index.get(word, ()) + group))

    def synonyms_of(self, word: str) -> tuple[str, ...]:
        """The other words of the groups `word` belongs to."""
        return tuple(w for w in self.index.get(word, ()) if w != word)

    def are_neighbours(self, field_a: str, field_b: str) -> bool:
        return field_b in self.neighbours.get(field_a, ()) or field_a in self.neighbours.get(field_b, ())


def parse(text: str) -> Thesaurus:
    """Read the shipped format: `[领域]` headers, a group per line, `相邻 A：B、C` lines, `#` comments."""
    thesaurus, neighbours = Thesaurus(), {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or (line.startswith("[") and line.endswith("]")):
            continue
        if line.startswith(NEIGHBOURS_PREFIX):
            name, _, others = line[len(NEIGHBOURS_PREFIX):].replace(":", "：").partition("：")
            others = {o.strip() for o in others.replace(",", "、").replace("，", "、").split("、") if o.strip()}
            neighbours.setdefault(name.strip(), set()).update(others & set(TECH_FIELDS))
            continue
        thesaurus.add(line.split())
    thesaurus.neighbours = {name: frozenset(others) for name, others in neighbours.items()}
    return thesaurus


@lru_cache(maxsize=1)
def shipped_text() -> str:
    with open(SHIPPED, encoding="utf-8") as handle:
        return handle.read()


def _added_groups() -> tuple[tuple[str, ...], ...]:
    return _ADDED.get("all", lambda: tuple(tuple(words.split()) for words in db.session.scalars(
        select(SynonymGroup.words).order_by(SynonymGroup.id))))


def current() -> tuple[object, Thesaurus]:
    """(version, thesaurus) as of this request: the shipped groups plus the admins'."""
    added = _added_groups()
    version = (tokens().get("thesaurus"), hash(added))
    with _lock:
        if _built.get("version") != version:
            thesaurus = parse(shipped_text())
            for words in added:
                thesaurus.add(words)
            _built.update(version=version, thesaurus=thesaurus)
        return version, _built["thesaurus"]


def search_provider():
    """What search_index.synonyms asks for: (version, {word: its group words})."""
    version, thesaurus = current()
    return version, thesaurus.index


def check_words(text: str) -> list[str]:
    """The words of a new group, or a ThesaurusError saying what is wrong with them."""
    words = list(dict.fromkeys(w for w in (text or "").replace("，", " ").replace(",", " ").split() if w))
    if len(words) < 2:
        raise ThesaurusError("一组同义词至少要有两个词（用空格分隔）。", field="words")
    if len(words) > MAX_WORDS:
        raise ThesaurusError(f"一组最多 {MAX_WORDS} 个词。", field="words")
    for word in words:
        if len(word) > MAX_WORD_CHARS or not any(ch.isalnum() for ch in word) or not word.isprintable():
            raise ThesaurusError(f"“{word[:MAX_WORD_CHARS]}”不是有效的词语（{MAX_WORD_CHARS} 字以内，不含控制字符）。",
                                 field="words")
    return words


def add_group(actor, text: str, tech_field: str = "") -> SynonymGroup:
    """An admin's new group of synonyms; search and matching use it from the next request on."""
    if tech_field and tech_field not in TECH_FIELDS:
        raise ThesaurusError("请选择有效的技术领域。", field="tech_field")
    group = SynonymGroup(words=" ".join(check_words(text)), tech_field=tech_field or "", added_by_id=actor.id)
    db.session.add(group)
    db.session.flush()
    return group


def remove_group(group_id: int) -> None:
    group = db.session.get(SynonymGroup, group_id)
    if group is None:
        raise ThesaurusError("未找到该组同义词。", status=404, code="not_found")
    db.session.delete(group)
    db.session.flush()
