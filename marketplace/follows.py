"""Following listings and saving searches: what people subscribe to, and who hears of what appears.

A saved search is the browse page's own arguments; a new listing matches it when the browse page's
search code (the index for the words, the database for the filters) would list it. Functions flush,
never commit.
"""
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

import search_index
from marketplace.errors import DomainError
from marketplace.jobs import enqueue, handler
from marketplace.listings.browse_params import parse_params
from models import Follow, ListingStatus, SavedSearch, TechNeed, TechResult, User, db
from models.listing import KIND_LABELS

MODELS = {"result": TechResult, "need": TechNeed}
MAX_SAVED_SEARCHES = 20
MAX_FOLLOWS = 500
FREQUENCIES = {"instant": "有新结果立即通知", "daily": "每日汇总一次"}


class FollowError(DomainError):
    status, code = 409, "follow_refused"


# Following a listing

def is_following(user, listing) -> bool:
    return user.is_authenticated and db.session.scalar(select(Follow.id).where(
        Follow.user_id == user.id, Follow.kind == listing.kind, Follow.listing_id == listing.id)) is not None


def follow(user: User, listing) -> bool:
    """Follow a published listing; False if already followed."""
    if listing.status != ListingStatus.PUBLISHED:
        raise FollowError("只能关注已发布的成果或需求。")
    if is_following(user, listing):
        return False
    if db.session.scalar(select(func.count()).select_from(Follow).where(Follow.user_id == user.id)) >= MAX_FOLLOWS:
        raise FollowError(f"最多关注 {MAX_FOLLOWS} 条，请先取消一些关注。")
    db.session.add(Follow(user_id=user.id, kind=listing.kind, listing_id=listing.id))
    db.session.flush()
    return True


def unfollow(user: User, kind: str, listing_id: int) -> bool:
    follow_row = db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.kind == kind,
                                                        Follow.listing_id == listing_id))
    if follow_row is None:
        return False
    db.session.delete(follow_row)
    db.session.flush()
    return True


def followers(listing) -> list[User]:
    return list(db.session.scalars(select(User).join(Follow, Follow.user_id == User.id).where(
        Follow.kind == listing.kind, Follow.listing_id == listing.id).order_by(User.id)))


def my_follows(user: User) -> list[tuple[Follow, object]]:
    """(follow, listing or None if gone) newest first."""
    rows = db.session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.id.desc())).all()
    return [(row, db.session.get(MODELS[row.kind], row.listing_id)) for row in rows]


def tell_followers(step) -> None:
    """A followed listing was revised, withdrawn or taken down: its followers hear of it."""
    from marketplace import notify
    from marketplace.notify_events import listing_link

    listing, name = step.obj, step.action.name
    what = {"revise": "已修改，正在重新审核", "withdraw": "已下架", "take_down": "已被强制下架",
            "approve": "已重新发布"}.get(name)
    if what is None:
        return
    people = followers(listing)  # only a published listing can be followed: a first approval has none
    if people:
        notify.notify(people, "saved_search", f"您关注的{KIND_LABELS[listing.kind]}“{listing.title}”{what}",
                      link=listing_link(listing), sender=step.actor)


# Saved searches

def canonical_query(kind: str, args) -> str:
    """The browse arguments that select listings (q and filters), in a stable order; '' when there are none."""
    params = parse_params(kind, args)
    raw = {key: value for key, value in params.raw.items() if key not in ("sort", "page")}
    return urlencode(sorted(raw.items()), doseq=True)


def newest_published_id(kind: str) -> int:
    model = MODELS[kind]
    return db.session.scalar(select(func.max(model.id)).where(model.status == ListingStatus.PUBLISHED)) or 0


def save_search(user: User, kind: str, args, name: str, frequency: str) -> SavedSearch:
    query = canonical_query(kind, args)
    if not query:
        raise FollowError("请先输入检索词或选择筛选条件，再订阅。")
    if frequency not in FREQUENCIES:
        raise FollowError("请选择通知频率。")
    if db.session.scalar(select(func.count()).select_from(SavedSearch).where(
            SavedSearch.user_id == user.id)) >= MAX_SAVED_SEARCHES:
        raise FollowError(f"最多保存 {MAX_SAVED_SEARCHES} 个订阅，请先删除一些。")
    if db.session.scalar(select(SavedSearch.id).where(SavedSearch.user_id == user.id, SavedSearch.kind == kind,
                                                      SavedSearch.query_string == query)) is not None:
        raise FollowError("已订阅过相同的检索条件。")
    search = SavedSearch(user_id=user.id, kind=kind, name=(name or "").strip()[:60] or describe(kind, query),
                         query_string=query, frequency=frequency, seen_upto_id=newest_published_id(kind))
    db.session.add(search)
    db.session.flush()
    return search


def describe(kind: str, query: str) -> str:
    args = dict(parse_qsl(query))
    words = [args.get("q", "")] + [value for key, value in args.items() if key != "q"]
    return (f"{KIND_LABELS[kind]}：" + " · ".join(w for w in words if w))[:60]


def delete_search(user: User, search_id: int) -> bool:
    search = db.session.get(SavedSearch, search_id)
    if search is None or search.user_id != user.id:
        return False
    db.session.delete(search)
    db.session.flush()
    return True


def matches(search: SavedSearch, candidate_ids: list[int], ranked: dict | None = None) -> list:
    """The candidates the browse page would list for this search, newest first.

    `ranked` keeps the index's answer per query words, for searches that share them (one check job).
    """
    if not candidate_ids:
        return []
    params = parse_params(search.kind, MultiDict(parse_qsl(search.query_string)))
    ids = candidate_ids
    if params.q:
        ranked = {} if ranked is None else ranked
        if params.q not in ranked:
            try:
                ranked[params.q] = search_index.ranked_ids(search.kind, params.q)[0]
            except search_index.SearchError:
                ranked[params.q] = []
        wanted = set(candidate_ids)
        ids = [i for i in ranked[params.q] if i in wanted]
    if not ids:
        return []
    _total, _page, items = search_index.listing_page(params, ids, "newest", 1, 50, clamp=True)
    return items


def listing_published(listing) -> None:
    """Called when a listing is published: the saved searches (if there are any) are checked by a job after the commit."""
    if db.session.scalar(select(SavedSearch.id).where(SavedSearch.kind == listing.kind).limit(1)) is None:
        return
    enqueue("saved_search.check", {"kind": listing.kind, "upto": listing.id}, key=f"check:{listing.kind}:{listing.id}")


@handler("saved_search.check")
def check_saved_searches(job, payload: dict) -> None:
    """Each saved search of the kind hears of the listings published since it last looked that it matches."""
    from marketplace import notify
    from marketplace.notify_events import listing_link

    kind, upto = payload["kind"], int(payload["upto"])
    model = MODELS[kind]
    searches = db.session.scalars(select(SavedSearch).where(SavedSearch.kind == kind, SavedSearch.seen_upto_id < upto)
                                  .order_by(SavedSearch.id)).all()
    if not searches:
        return
    search_index.sync(current_app._get_current_object())  # the new listings are in the index first
    floor = min(s.seen_upto_id for s in searches)
    candidates = list(db.session.scalars(select(model.id).where(
        model.status == ListingStatus.PUBLISHED, model.id > floor, model.id <= upto)))
    ranked: dict = {}  # searches of this kind with the same words ask the index once
    for search in searches:
        fresh = [i for i in candidates if i > search.seen_upto_id]
        found = matches(search, fresh, ranked)
        search.seen_upto_id = max([upto, *fresh]) if fresh else upto
        user = db.session.get(User, search.user_id)
        for listing in found[:10]:
            notify.notify([user], "saved_search", f"订阅“{search.name}”有新的{KIND_LABELS[kind]}：{listing.title}",
                          link=listing_link(listing),
                          email="instant" if search.frequency == "instant" else "daily")
    db.session.commit()
