"""Public verification of a registration number as JSON (the same answer and rate limit as /verify)."""
from flask import jsonify

from marketplace.api import bp
from marketplace.errors import error_response
from marketplace.verification.services import candidates, verify as verify_number


@bp.route("/verify/<registration_no>")
def verify(registration_no):
    """Whether a registration number is valid, amended or cancelled; nothing about amounts or regions."""
    found = verify_number(candidates(registration_no))
    if found is None:
        return error_response(404, "未找到该登记号", "not_found")
    standing = found.standing
    return jsonify({"registration_no": found.registration_no, "standing": standing.state,
                    "standing_label": standing.label, "registered_on": found.registered_on.isoformat(),
                    "amended_on": standing.amended_on.isoformat() if standing.amended_on else None,
                    "contract_type": found.contract_type, "seller_name": found.seller_name,
                    "buyer_name": found.buyer_name})
