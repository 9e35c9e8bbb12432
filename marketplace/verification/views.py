"""Public verification pages: a form, and the answer for one number (what a certificate's QR code opens)."""
from flask import render_template, request

from marketplace.verification import bp
from marketplace.verification.services import candidates, normalise, shown_input, verify

NOT_FOUND = "未找到该登记号"


def answer_page(raw: str):
    """The answer for a typed or scanned number: 200 with the registration, or 404 when there is none."""
    found = verify(candidates(raw))
    return render_template("verification/verify.html", found=found, asked=shown_input(raw),
                           malformed=normalise(raw) is None, not_found=NOT_FOUND), 200 if found else 404


@bp.route("/verify")
def form():
    """Anyone enters a registration number (GET ?no=…) and learns whether it is registered."""
    raw = request.args.get("no")
    if raw is None or not raw.strip():
        return render_template("verification/verify.html", found=None, asked=None, blank=raw is not None)
    return answer_page(raw)


@bp.route("/verify/<registration_no>")
def number(registration_no):
    """The answer for one registration number."""
    return answer_page(registration_no)
