"""Home page, the icon browsers ask for by its old name, and the health probes."""
from flask import current_app, redirect, render_template, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from marketplace import page_cache
from marketplace.http_cache import browse_fingerprint, conditional
from marketplace.main import bp
from marketplace.main import services


@bp.route("/")
@conditional(browse_fingerprint)
@page_cache.public("listings")
def index():
    """Home: counts, newest results and needs, fields and open 揭榜挂帅 bounties."""
    return render_template(
        "main/index.html", counts=services.home_counts(), results=services.newest_results(),
        needs=services.newest_needs(), bounties=services.open_bounties(), fields=services.field_counts(),
    )


@bp.route("/favicon.ico")
def favicon():
    """Browsers (and feed readers, PDF viewers) that ask /favicon.ico get the site's icon, under its hashed name."""
    response = redirect(url_for("static", filename="favicon.svg"))  # 302: the name changes with the icon
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/healthz")
def healthz():
    """Liveness probe: the process answers (touches nothing else, so it stays cheap)."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Readiness probe: the database answers, its schema is at the newest migration, the index is current.

    503 while the database is unreachable or not yet migrated (`flask init-db`), so a load
    balancer sends no traffic to a node that would fail. A lagging index is reported, not fatal.
    """
    from marketplace.migrations import current_revision, head_revision
    from models import db
    import search_index

    try:
        db.session.execute(text("SELECT 1"))
        revision, head = current_revision(), head_revision()
        index_behind = search_index.behind(current_app)
    except SQLAlchemyError:
        current_app.logger.exception("readiness probe: database unavailable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    body = {"database": "ok", "schema": revision, "schema_head": head, "search_index_behind": index_behind}
    if revision != head:
        return {"status": "unavailable", **body}, 503
    return {"status": "ok", **body}
