"""Index schema and the document built for one published listing.

Facet and sort values travel in one packed column (`facets`), read once per
searcher into a per-document table, so ranking ties and matching candidates never
touch stored fields (the facet counts themselves come from the database).
"""
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from whoosh import columns, fields
from whoosh.system import pack_uint

from models import Organisation, TechNeed, TechResult
from models.vocab import split_list
from search_index.analysis import ChineseTokenizer, GramTokenizer, normalise

SCHEMA_VERSION = 2
SEP = "\x1f"
LIST_SEP = ";"
NO_PRICE = -1


class TermsText(fields.TEXT):
    """A text field indexed straight from the tokenizer's term list.

    Same postings as TEXT(phrase=False), without Whoosh's per-token objects,
    which cost more than the segmentation itself during a full reindex.
    """

    def index(self, value, **kwargs):
        counts = Counter(self.analyzer.terms(normalise(value)))
        boost = self.format.field_boost
        for word, freq in counts.items():
            yield word.encode("utf-8"), freq, freq * boost, pack_uint(freq)


def build_schema() -> fields.Schema:
    """The Whoosh schema (text fields carry no positions: queries are bags of words)."""
    words = ChineseTokenizer()
    return fields.Schema(
        key=fields.ID(unique=True),
        kind=fields.ID(),
        title=TermsText(analyzer=words, phrase=False),
        title_grams=TermsText(analyzer=GramTokenizer(), phrase=False),
        keywords=TermsText(analyzer=words, phrase=False),
        body=TermsText(analyzer=words, phrase=False),
        org=TermsText(analyzer=words, phrase=False),
        facets=fields.COLUMN(columns.VarBytesColumn()),
    )


@dataclass(frozen=True, slots=True)
class FacetRow:
    """What the search needs to know about one indexed document without the database."""

    kind: str
    listing_id: int
    field: str
    province: str
    city: str
    maturity: str
    modes: tuple
    bounty: str
    price: int
    published: int


def pack_facets(row: dict) -> bytes:
    """Encode the facet and sort values of one listing row for the `facets` column."""
    values = [row["kind"], str(row["id"]), row["field"], row["region_code"][:2] + "0000", row["region_code"],
              row.get("maturity") or "", LIST_SEP.join(row["modes"]), "yes" if row.get("is_bounty") else "no",
              str(NO_PRICE if row["price_fen"] is None else row["price_fen"]), str(row["published"])]
    return SEP.join(values).encode("utf-8")


def unpack_facets(raw: bytes) -> FacetRow | None:
    """Decode a `facets` column value (None for a document without one)."""
    if not raw:
        return None
    kind, lid, field, province, city, maturity, modes, bounty, price, published = raw.decode("utf-8").split(SEP)
    return FacetRow(kind, int(lid), field, province, city, maturity, tuple(modes.split(LIST_SEP)) if modes else (),
                    bounty, int(price), int(published))


def listing_rows(kind: str, session, ids=None, after_id: int = 0, limit: int | None = None):
    """Plain dicts of the fields the index needs, for published listings only (optionally some ids)."""
    from models import ListingStatus

    model = TechResult if kind == "result" else TechNeed
    cols = [model.id, model.title, model.keywords, model.field, model.region_code, model.published_at,
            model.created_at, Organisation.name.label("org_name")]
    if kind == "result":
        cols += [model.summary.label("body"), model.maturity, model.transfer_modes.label("modes"),
                 model.price_fen]
    else:
        cols += [model.description.label("body"), model.bounty_goals, model.cooperation_modes.label("modes"),
                 model.budget_fen.label("price_fen"), model.is_bounty]
    stmt = (select(*cols).join(Organisation, Organisation.id == model.organisation_id)
            .where(model.status == ListingStatus.PUBLISHED).order_by(model.id))
    if ids is not None:
        stmt = stmt.where(model.id.in_(list(ids)))
    if after_id:
        stmt = stmt.where(model.id > after_id)
    if limit:
        stmt = stmt.limit(limit)
    for row in session.execute(stmt).mappings():
        data = dict(row)
        data["kind"] = kind
        data["modes"] = split_list(data["modes"])
        moment = data["published_at"] or data["created_at"]
        data["published"] = int(moment.timestamp()) if moment else 0
        yield data


def document_for(row: dict) -> dict:
    """The Whoosh document of one listing row."""
    keywords = " ".join(split_list(row["keywords"]))
    body = row["body"] or ""
    if row.get("bounty_goals"):
        body = body + "\n" + row["bounty_goals"]
    return {
        "key": f"{row['kind']}:{row['id']}",
        "kind": row["kind"],
        "title": row["title"],
        "title_grams": row["title"] + " " + keywords,
        "keywords": keywords,
        "body": body,
        "org": row["org_name"] or "",
        "facets": pack_facets(row),
    }
