"""The staff half of the axe sweep (tests/browser/test_accessibility.py): a broker, a registration official and
an admin walk the site; every template only staff reach must be among those checked.

Marked `postgres_run`: what it checks does not depend on the database, and `make test` runs it in the PostgreSQL
run, beside the public half in the SQLite run, so that the two runs take about as long.
"""
import pytest

from tests.browser.test_accessibility import (  # noqa: F401 (fixtures)
    STAFF_ONLY, STAFF_SIDE, app_config, axe_source, check_sweep, demo, rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres_run]


def test_every_staff_page_template_has_no_serious_violation(page, live_server, demo, rendered, axe_source,  # noqa: F811
                                                            browser_log):
    check_sweep(page, live_server, demo, rendered, axe_source, browser_log, STAFF_SIDE, STAFF_ONLY)
