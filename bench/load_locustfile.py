"""Locust users of the load test; started by bench/load_test.py, which reads what this file writes.

Three kinds of visitor, all through the real site (cookies, CSRF tokens, redirects):

* Visitor (anonymous): browse pages, site and API search, statistics pages and API, /healthz;
* Publisher (institute or enterprise account): creates results or needs through the
  site form and files contracts through the contract form, sometimes sending the same
  POST twice (a retry after the answer, or two at once like a double click);
* Reviewer (the provincial official): approves the pending listings the publishers
  submitted, which makes the workers write the search index.

Every write carries a marker in its title and is logged to LOAD_OUT_DIR/writes.jsonl
with whether the server acknowledged it; per-kind response times go to
LOAD_OUT_DIR/requests.json when the run stops. Environment: LOAD_RUN_ID,
LOAD_OUT_DIR, LOAD_PASSWORD, LOAD_THINK (max seconds between tasks),
LOAD_RESUBMIT (share of contract filings sent twice).
"""
import collections
import itertools
import json
import os
import random
import sys
import time
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_support import detail_id, marker, parse_form  # noqa: E402
from load_traffic import browse_url, contract_fields, listing_fields, search_url, stats_url  # noqa: E402

RUN_ID = os.environ.get("LOAD_RUN_ID", "local")
OUT_DIR = os.environ.get("LOAD_OUT_DIR", ".")
PASSWORD = os.environ.get("LOAD_PASSWORD", "Demo-market-2026")
THINK = float(os.environ.get("LOAD_THINK", "0.1"))
RESUBMIT = float(os.environ.get("LOAD_RESUBMIT", "0.25"))
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

# Demo accounts (README): Yunnan institutes publish results, Yunnan enterprises post needs,
# so the Yunnan provincial official may review every listing the run submits.
PUBLISHERS = [("inst_kust", "result"), ("ent_baiyao", "need"), ("inst_ynu", "result"), ("ent_qujing", "need"),
              ("inst_kib", "result"), ("ent_yuxi", "need"), ("inst_ipm", "result"), ("ent_dali", "need")]
REVIEWER = "official_yn"
KIND_PATHS = {"result": "results", "need": "needs"}

_user_numbers = itertools.count(1)
_publisher_accounts = itertools.cycle(PUBLISHERS)
_pending = collections.deque()  # (kind, id, marker) submitted for review, for the Reviewer
_writes = None
_stats: dict[str, dict] = {}
_clock = {}


def record_write(**entry) -> None:
    """Append one write to writes.jsonl (one line per POST; a greenlet never yields inside write)."""
    global _writes
    if _writes is None:
        _writes = open(os.path.join(OUT_DIR, "writes.jsonl"), "a", encoding="utf-8")
    _writes.write(json.dumps(entry, ensure_ascii=False) + "\n")
    _writes.flush()


@events.request.add_listener
def on_request(name, response_time, response, exception, **_kwargs):
    """Keep every response time per kind (the request `name`), failures and 5xx answers."""
    entry = _stats.setdefault(name, {"times": [], "failures": 0, "5xx": 0, "statuses": {}, "errors": []})
    entry["times"].append(response_time)
    status = getattr(response, "status_code", 0) or 0
    entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + 1
    if status >= 500:
        entry["5xx"] += 1
    if exception is not None:
        entry["failures"] += 1
        if len(entry["errors"]) < 5:
            entry["errors"].append(f"{status} {str(exception)[:200]}")


@events.test_start.add_listener
def on_test_start(**_kwargs):
    _clock["start"] = time.time()


@events.test_stop.add_listener
def on_test_stop(**_kwargs):
    """Write the per-kind figures for load_test.py."""
    _clock["stop"] = time.time()
    with open(os.path.join(OUT_DIR, "requests.json"), "w", encoding="utf-8") as handle:
        json.dump({"start": _clock.get("start"), "stop": _clock["stop"], "kinds": _stats}, handle, ensure_ascii=False)


class MarketUser(FastHttpUser):
    abstract = True
    wait_time = between(0, THINK)
    network_timeout = 40.0  # above gunicorn's 30 s worker timeout
    connection_timeout = 10.0

    def get_page(self, path: str, name: str):
        return self.client.get(path, name=name, allow_redirects=False)

    def login(self, username: str) -> None:
        """Log in through the login form; a user that cannot log in stops (and shows as a failure)."""
        page = self.get_page("/auth/login", "login")
        token = parse_form(page.text or "").hidden.get("csrf_token", "")
        body = urlencode({"csrf_token": token, "username": username, "password": PASSWORD})
        with self.client.post("/auth/login", data=body, headers=FORM_HEADERS, name="login", allow_redirects=False,
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"login of {username} answered {answer.status_code}")
                raise StopUser()

    def follow(self, path: str, expected: str) -> bool:
        """Open the page a write redirected to; the write must be visible there."""
        with self.client.get(path, name="write pages", allow_redirects=False, catch_response=True) as page:
            if page.status_code != 200 or expected not in (page.text or ""):
                page.failure(f"{path}: {page.status_code}, {expected!r} not on the page")
                return False
        return True

    @task(2)
    def healthz(self):
        self.get_page("/healthz", "healthz")


class Visitor(MarketUser):
    """An anonymous visitor: browse, search and statistics."""

    weight = 13

    @task(4)
    def browse(self):
        self.get_page(browse_url(), "browse")

    @task(3)
    def search(self):
        self.get_page(search_url(), "search")

    @task(2)
    def stats(self):
        self.get_page(stats_url(), "stats")


class Publisher(MarketUser):
    """An institute or enterprise member: new listings and contract filings through the site forms."""

    weight = 6

    def on_start(self):
        self.number = next(_user_numbers)
        self.seq = itertools.count(1)
        self.username, self.kind = next(_publisher_accounts)
        self.login(self.username)

    def next_marker(self) -> str:
        return marker(RUN_ID, self.number, next(self.seq))

    @task(1)
    def browse(self):
        self.get_page(browse_url(), "browse")

    @task(4)
    def create_listing(self):
        path = f"/{KIND_PATHS[self.kind]}/new"
        form = parse_form(self.get_page(path, "write pages").text or "")
        mark, submit = self.next_marker(), random.random() < 0.6
        pairs = listing_fields(self.kind, form, mark) + [("submit_review" if submit else "save_draft", "1")]
        with self.client.post(path, data=urlencode(pairs), headers=FORM_HEADERS, name="create listing",
                              allow_redirects=False, catch_response=True) as answer:
            listing_id = detail_id(answer.headers.get("Location") if answer.headers else None, KIND_PATHS[self.kind])
            if answer.status_code != 302 or listing_id is None:
                answer.failure(f"listing not saved: {answer.status_code}")
        record_write(kind=self.kind, marker=mark, status=answer.status_code, acked=listing_id is not None,
                     id=listing_id, mode="single")
        if listing_id is not None and self.follow(f"/{KIND_PATHS[self.kind]}/{listing_id}", mark) and submit:
            _pending.append((self.kind, listing_id, mark))

    @task(3)
    def file_contract(self):
        form = parse_form(self.get_page("/contracts/new", "write pages").text or "")
        mark = self.next_marker()
        body = urlencode(contract_fields(form, mark))
        roll = random.random()
        if roll < RESUBMIT / 2:  # two POSTs in flight at once, like a double click
            twin = FastHttpSession(base_url=self.host, request_event=self.environment.events.request, user=self)
            for cookie in self.client.cookiejar:
                twin.cookiejar.set_cookie(cookie)
            jobs = [gevent.spawn(self.post_contract, session, body, mark, "double") for session in (self.client, twin)]
            gevent.joinall(jobs)
            ids = [job.value for job in jobs]
        elif roll < RESUBMIT:  # the same form again after the answer, like a retry
            ids = [self.post_contract(self.client, body, mark, "retry") for _ in range(2)]
        else:
            ids = [self.post_contract(self.client, body, mark, "single")]
        acked = [contract_id for contract_id in ids if contract_id is not None]
        if acked:
            self.follow(f"/contracts/{acked[0]}", mark)

    def post_contract(self, session, body: str, mark: str, mode: str) -> int | None:
        """POST the contract form; acknowledged means redirected to the contract's page."""
        sent_at = time.time()
        with session.post("/contracts/new", data=body, headers=FORM_HEADERS, name="file contract",
                          allow_redirects=False, catch_response=True) as answer:
            contract_id = detail_id(answer.headers.get("Location") if answer.headers else None, "contracts")
            if answer.status_code != 302 or contract_id is None:
                answer.failure(f"contract not filed: {answer.status_code}")
        record_write(kind="contract", marker=mark, status=answer.status_code, acked=contract_id is not None,
                     id=contract_id, mode=mode, sent_at=sent_at, answered_at=time.time())
        return contract_id


class Reviewer(MarketUser):
    """The provincial official approving what the publishers submitted (search index writes)."""

    fixed_count = 1

    def on_start(self):
        self.login(REVIEWER)

    @task(6)
    def approve(self):
        if not _pending:
            self.get_page(stats_url(), "stats")
            return
        kind, listing_id, mark = _pending.popleft()
        path = f"/{KIND_PATHS[kind]}/{listing_id}"
        token = parse_form(self.get_page(path, "write pages").text or "").hidden.get("csrf_token", "")
        body = urlencode({"csrf_token": token, "action": "approve", "comment": ""})
        with self.client.post(f"{path}/action", data=body, headers=FORM_HEADERS, name="approve listing",
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"approval answered {answer.status_code}")
        # The action view redirects either way; the flash message on the next page says whether it worked.
        acked = answer.status_code == 302 and self.follow(path, "操作成功")
        record_write(kind="approve", listing_kind=kind, marker=mark, status=answer.status_code, acked=acked,
                     id=listing_id, mode="single")
