"""JSON shapes of listings and contracts (money as decimal strings in yuan, never floats)."""
from marketplace.contracts.workflow import EVENT_LABELS
from marketplace.money import yuan_str
from models.contract import DEDUCTION_KINDS
from models.vocab import split_list


def utc(moment) -> str | None:
    """A stored (naive UTC) datetime as ISO 8601 with Z."""
    return moment.isoformat() + "Z" if moment else None


def day(value) -> str | None:
    return value.isoformat() if value else None


def _common(listing) -> dict:
    return {
        "id": listing.id, "kind": listing.kind, "title": listing.title, "org": listing.organisation.name,
        "org_type": listing.organisation.org_type, "region_code": listing.region_code,
        "region": listing.region.full_name, "field": listing.field, "keywords": listing.keyword_list,
        "status": listing.display_status, "status_label": listing.status_label,
        "contact_name": listing.contact_name, "contact_phone": listing.contact_phone,
        "published_at": utc(listing.published_at),
    }


def result_json(result) -> dict:
    return {
        **_common(result), "summary": result.summary, "maturity": result.maturity, "trl": result.trl,
        "ip_types": result.ip_type_list, "ip_numbers": result.ip_numbers,
        "transfer_modes": result.transfer_mode_list, "price": yuan_str(result.price_fen),
        "price_negotiable": result.price_fen is None,
    }


def need_json(need) -> dict:
    data = {
        **_common(need), "description": need.description, "budget": yuan_str(need.budget_fen),
        "budget_negotiable": need.budget_fen is None, "deadline": day(need.deadline),
        "cooperation_modes": need.cooperation_mode_list, "bounty": need.is_bounty,
    }
    if need.is_bounty:
        data.update(bounty_amount=yuan_str(need.bounty_fen), bounty_goals=need.bounty_goals,
                    bounty_conditions=need.bounty_conditions)
    return data


def listing_json(listing) -> dict:
    return result_json(listing) if listing.kind == "result" else need_json(listing)


def _party(contract, side: str) -> dict:
    return {"name": getattr(contract, f"{side}_name"), "type": getattr(contract, f"{side}_type"),
            "region_code": getattr(contract, f"{side}_region"),
            "registered": getattr(contract, f"{side}_org_id") is not None}


def contract_json(contract, with_events: bool = False) -> dict:
    """A contract as its seller side, buyer and registrar see it on the site."""
    data = {
        "id": contract.id, "status": contract.status, "status_label": contract.status_label,
        "registration_no": contract.registration_no, "contract_no": contract.contract_no,
        "contract_type": contract.contract_type, "subtype": contract.subtype, "title": contract.title,
        "tech_field": contract.tech_field, "ip_types": split_list(contract.ip_types),
        "seller": _party(contract, "seller"), "buyer": _party(contract, "buyer"),
        "broker": contract.broker.username if contract.broker else None,
        "signed_on": day(contract.signed_on), "valid_from": day(contract.valid_from),
        "valid_until": day(contract.valid_until),
        "contract_amount": yuan_str(contract.contract_amount_fen), "tech_amount": yuan_str(contract.tech_amount_fen),
        "deductions": {kind: yuan_str(getattr(contract, f"deduct_{kind}_fen")) for kind, _ in DEDUCTION_KINDS},
        "submitted_at": utc(contract.submitted_at), "due_on": day(contract.due_on),
        "registered_on": day(contract.registered_on), "refusal_reason": contract.refusal_reason,
        "created_at": utc(contract.created_at), "updated_at": utc(contract.updated_at),
        "paid_amount": yuan_str(contract.paid_fen or 0),
    }
    if with_events:
        data["amendments"] = [amendment_json(a) for a in contract.amendments]
        data["events"] = [{
            "action": e.action, "label": EVENT_LABELS.get(e.action, e.action), "from_status": e.from_status,
            "to_status": e.to_status, "actor": (e.actor.display_name or e.actor.username) if e.actor else None,
            "comment": e.comment, "at": utc(e.at),
        } for e in contract.events]
    return data


def amendment_json(amendment) -> dict:
    """An application for 变更登记: what changes (before → after, amounts in 元) and its review."""
    def shown(name, value):
        return yuan_str(value) if name.endswith("_fen") and value is not None else value

    return {
        "id": amendment.id, "contract_id": amendment.contract_id, "status": amendment.status,
        "status_label": amendment.status_label, "reason": amendment.reason,
        "changes": [{"field": name.removesuffix("_fen"), "before": shown(name, amendment.before.get(name)),
                     "after": shown(name, value)}
                    for name, value in amendment.after.items() if amendment.before.get(name) != value],
        "proposed_at": utc(amendment.proposed_at), "decided_at": utc(amendment.decided_at),
        "decision_comment": amendment.decision_comment or "",
    }
