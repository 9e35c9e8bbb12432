"""Whole public pages and API answers kept per process for visitors who are not logged in.

Most traffic is anonymous reading of the same pages (home, browse, statistics).
A decorated view's answer is kept, per URL, while the cache tokens of the data it
shows are unchanged (marketplace.cache): any commit that writes those tables makes
the next request build the page again. Pages with a text query also depend on this
node's search index, so its generation is part of the key.

A request is answered from the cache only when nothing in the answer can depend on
who asks: a GET with no logged-in user, no API token and no flash message waiting.
Only 200 answers are kept. Headers added after the view (security headers, ETags,
compression) are added to a kept answer exactly as to a fresh one.
"""
from datetime import date
from functools import wraps

from flask import Response, make_response, request

from marketplace.cache import Cache
from marketplace.http_cache import anonymous_reader, query_index_generation

MAX_PAGES = 64  # per view: the newest pages and the most asked queries


def public(*groups: str, searches: bool = False):
    """Keep the view's 200 answers per URL while `groups`' tokens (and, with `searches`, the index) stay."""

    def decorator(view):
        kept = Cache(f"pages of {view.__module__}.{view.__name__}", groups, max_entries=MAX_PAGES)

        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method != "GET" or not anonymous_reader():
                return view(*args, **kwargs)
            index = query_index_generation() if searches else None
            key = (request.full_path, date.today(), index)

            fresh = []

            def build():
                response = make_response(view(*args, **kwargs))
                fresh.append(response)
                headers = [(k, v) for k, v in response.headers if k.lower() != "set-cookie"]
                return response.status_code, response.get_data(), headers

            status, body, headers = kept.get(key, build, keep=lambda answer: answer[0] == 200)
            return fresh[0] if fresh else Response(body, status, headers)

        return wrapper

    return decorator
