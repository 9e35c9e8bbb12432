"""No N+1 queries: every page and API list issues as many SQL statements for 8 rows as for 2.

Each case adds rows of what the page lists (from different organisations, regions, brokers,
actors …), requests the page, adds more and requests it again. A second request of the same
page is counted, after one uncounted, so the index catching up and other first-request work
do not count. Lists are paged by 20 or show 6 (home), so both runs fit on one page.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Callable

import pytest
from sqlalchemy import event

from models import db
from tests import query_world as w
from tests.api_helpers import bearer

FEW, MORE = 2, 8
# Transaction control, should a driver or a nested transaction send it as a statement.
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")


@contextmanager
def counted_statements(engine):
    """The SQL statements `engine` sends while the block runs (transaction control left out)."""
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(CONTROL):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def request_statements(app, client, url: str, headers=None) -> tuple[list[str], bytes]:
    """The statements and the body of one GET of `url`, after an uncounted one."""
    client.get(url, headers=headers)
    with app.app_context():
        engine = db.engine
    with counted_statements(engine) as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return statements, response.data


@dataclass
class Page:
    """A page (or API call), who asks for it, and how to add n more rows of what it lists."""

    url: str | Callable[[w.World], str]
    add: Callable[[w.World, int], None]
    user: str | None = None  # logs in on the site, or sends its token to /api/
    grows: bool = True  # the body grows with the rows (not for statistics: the same regions, other figures)

    def path(self, world: w.World) -> str:
        return self.url(world) if callable(self.url) else self.url


def _target(name: str, prefix: str, suffix: str = "") -> Callable[[w.World], str]:
    return lambda world: f"{prefix}/{world.targets[name]}{suffix}"


# Rows that pass the filters of the filtered pages.
YUNNAN_RESULTS = partial(w.add_results, regions=w.YUNNAN, field="新材料及其应用", maturity="中试")
YUNNAN_BOUNTIES = partial(w.add_needs, regions=w.YUNNAN, is_bounty=True)
PAGES = {
    "home": Page("/", w.add_listings),
    "home_logged_in": Page("/", w.add_listings, "official"),
    "results": Page("/results", w.add_results),
    "results_filtered": Page("/results?field=新材料及其应用&region=530000&maturity=中试&sort=price_asc", YUNNAN_RESULTS),
    "results_query": Page("/results?q=燃料电池", w.add_results),
    "results_query_filtered": Page("/results?q=燃料电池&region=530000&sort=newest", YUNNAN_RESULTS),
    "needs": Page("/needs", w.add_needs),
    "needs_filtered": Page("/needs?bounty=1&region=530000&sort=deadline&expired=1", YUNNAN_BOUNTIES),
    "needs_query": Page("/needs?q=热管理", w.add_needs),
    "needs_query_filtered": Page("/needs?q=热管理&bounty=1&sort=budget_desc", YUNNAN_BOUNTIES),
    "result_detail_history": Page(_target("result", "/results"), w.add_result_history, "inst"),
    "need_detail_applications": Page(_target("bounty", "/needs"), w.add_applications, "ent"),
    "need_detail_reviewer": Page(_target("bounty", "/needs"), w.add_applications, "official"),
    "dashboard_applications_received": Page("/my", w.add_applications, "ent"),
    "dashboard_own_listings_and_sent": Page("/my", w.add_own_listings, "inst"),
    "review_queue": Page("/review", w.add_pending, "official"),
    "stats_public": Page("/stats/", w.add_registered, grows=False),
    "stats_public_province": Page("/stats/?region=530000&by=buyer", w.add_registered, grows=False),
    "stats_dashboard": Page("/stats/dashboard", w.add_registered, "official"),
    "stats_export_regions": Page("/stats/export/regions.csv", w.add_registered, grows=False),
    "stats_export_top_sellers": Page("/stats/export/top_sellers.xlsx", w.add_registered, "official"),
    "stats_events": Page("/stats/events", w.add_events),
    "stats_event_detail": Page(_target("event", "/stats/events"), w.add_event_rows),
    "contracts_seller": Page("/contracts/", w.add_contracts, "inst"),
    "contracts_official": Page("/contracts/", w.add_contracts, "official"),
    "contracts_broker": Page("/contracts/", w.add_contracts, "broker"),
    "contract_detail": Page(_target("contract", "/contracts"), w.add_contract_history, "inst"),
    "contract_detail_official": Page(_target("contract", "/contracts"), w.add_contract_history, "official"),
    "admin_users": Page("/admin/users", w.add_accounts, "admin"),
    "admin_organisations": Page("/admin/organisations", w.add_accounts, "admin"),
    "admin_security_log": Page("/admin/security-log", w.add_log_entries, "admin"),
    "brokers_directory": Page("/brokers/", w.add_brokers),
    "broker_profile": Page(_target("broker_profile", "/brokers"), w.add_service_regions),
    "matching_board": Page("/matching/board", w.add_matches, "broker"),
    "matching_mine": Page("/matching/mine", w.add_matches, "inst"),
    "match_detail": Page(_target("match", "/matching"), w.add_match_steps, "broker"),
    "need_suggestions": Page(_target("need", "/matching/needs", "/suggestions"), w.add_suggested_results, "broker"),
    "result_suggestions": Page(_target("result", "/matching/results", "/suggestions"), w.add_suggested_needs,
                               "inst"),
    "inbox": Page("/inbox/", w.add_messages, "inst"),
    "inbox_unread": Page("/inbox/?unread=1", w.add_messages, "inst"),
    "members": Page("/auth/org/members", w.add_members, "inst"),
    "tokens": Page("/auth/tokens", w.add_tokens, "inst"),
    "api_results": Page("/api/v1/results", w.add_results),
    "api_results_filtered": Page("/api/v1/results?field=新材料及其应用&region=530000&maturity=中试", YUNNAN_RESULTS),
    "api_needs": Page("/api/v1/needs", w.add_needs),
    "api_needs_filtered": Page("/api/v1/needs?bounty=1&region=530000", YUNNAN_BOUNTIES),
    "api_contracts": Page("/api/v1/contracts", w.add_contracts, "inst"),
    "api_contracts_official": Page("/api/v1/contracts", w.add_contracts, "official"),
    "api_contract": Page(_target("contract", "/api/v1/contracts"), w.add_contract_history, "inst"),
    "api_search_results": Page("/api/v1/search?q=燃料电池", w.add_results),
    "api_search_needs": Page("/api/v1/search?kind=need&q=热管理&region=530000", YUNNAN_BOUNTIES),
    "api_need_matches": Page(_target("need", "/api/v1/needs", "/matches?limit=20"), w.add_suggested_results,
                             "broker"),
    "api_stats_regions": Page("/api/v1/stats/regions", w.add_registered, grows=False),
    "api_stats_regions_province": Page("/api/v1/stats/regions?parent=530000", w.add_registered, grows=False),
    "api_stats_breakdown": Page("/api/v1/stats/breakdown?dim=field", w.add_registered, grows=False),
    "api_stats_bulletin": Page("/api/v1/stats/bulletin?region=530100", w.add_registered, grows=False),
}


@pytest.fixture
def world(app):
    with app.app_context():
        return w.World()


def _add(app, world, page: Page, count: int) -> None:
    with app.app_context():
        page.add(world, count)
        db.session.commit()


@pytest.mark.parametrize("name", PAGES)
def test_statements_do_not_grow_with_rows(app, client, auth, world, name):
    page = PAGES[name]
    _add(app, world, page, FEW)
    path = page.path(world)
    api = path.startswith("/api/")
    headers = bearer(world.tokens[page.user]) if api and page.user else None
    if page.user and not api:
        auth.login(page.user)
    few, small_body = request_statements(app, client, path, headers)
    _add(app, world, page, MORE - FEW)
    many, body = request_statements(app, client, path, headers)
    assert len(body) > len(small_body) or not page.grows, f"{path}: no more rows shown with {MORE} than with {FEW}"
    assert len(many) == len(few), (
        f"{path}: {len(few)} statements with {FEW} rows, {len(many)} with {MORE}:\n" + "\n---\n".join(many))
