"""Template filters and globals (display only: templates never query)."""
from urllib.parse import urlencode

from flask import Flask, request
from flask_login import current_user

from marketplace import money
from marketplace.regions import region_full_name
from models import STATUS_LABELS
from models.contract import DEDUCTION_KINDS
from models.vocab import COOPERATION_MODES, IP_TYPES, MATURITY_LEVELS, ORG_TYPES, TECH_FIELDS, TRANSFER_MODES


def page_url(page: int) -> str:
    """The current URL with `page` replaced (keeps every filter)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return request.path + "?" + urlencode(args, doseq=True)


def site_datetime(moment) -> str:
    """A stored (UTC) time in the site's time (Beijing), to the minute."""
    from marketplace.jobs.schedule import site_time

    return site_time(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def register(app: Flask) -> None:
    app.add_template_filter(money.wan_str, "wan")
    app.add_template_filter(money.yi_str, "yi")
    app.add_template_filter(money.yuan_text, "yuan")
    app.add_template_filter(money.yuan_grouped, "yuan_plain")
    app.add_template_filter(money.wan_input, "wan_input")
    app.add_template_filter(lambda s: STATUS_LABELS.get(s, s), "status_label")
    app.add_template_filter(lambda d: d.strftime("%Y-%m-%d %H:%M") if d else "", "datetime")
    app.add_template_filter(lambda d: d.strftime("%Y-%m-%d") if d else "", "date")
    app.add_template_filter(site_datetime, "site_datetime")
    app.add_template_global(page_url)
    app.add_template_filter(region_full_name, "region")

    @app.context_processor
    def vocabularies():
        return {
            "TECH_FIELDS": TECH_FIELDS, "ORG_TYPES": ORG_TYPES, "MATURITY_LEVELS": MATURITY_LEVELS,
            "TRANSFER_MODES": TRANSFER_MODES, "COOPERATION_MODES": COOPERATION_MODES, "IP_TYPES": IP_TYPES,
            "deduction_kinds": DEDUCTION_KINDS,
        }

    @app.context_processor
    def navigation():
        from marketplace.listings.services import pending_count

        count = pending_count(current_user) if current_user.is_authenticated and current_user.is_reviewer else 0
        return {"review_pending_count": count}
