"""JSON shapes of listings (money as decimal strings in yuan, never floats)."""
from marketplace.money import yuan_str


def _common(listing) -> dict:
    return {
        "id": listing.id, "kind": listing.kind, "title": listing.title, "org": listing.organisation.name,
        "org_type": listing.organisation.org_type, "region_code": listing.region_code,
        "region": listing.region.full_name, "field": listing.field, "keywords": listing.keyword_list,
        "status": listing.display_status,
        "published_at": listing.published_at.isoformat() + "Z" if listing.published_at else None,
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
        "budget_negotiable": need.budget_fen is None, "deadline": need.deadline.isoformat() if need.deadline else None,
        "cooperation_modes": need.cooperation_mode_list, "bounty": need.is_bounty,
    }
    if need.is_bounty:
        data.update(bounty_amount=yuan_str(need.bounty_fen), bounty_goals=need.bounty_goals,
                    bounty_conditions=need.bounty_conditions)
    return data
