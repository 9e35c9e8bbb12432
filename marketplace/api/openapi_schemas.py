"""OpenAPI 3.1 component schemas of the JSON API's answers (built from the same vocabularies as the forms).

Request bodies are not here: api/inputs.py reads them off the forms that validate them.
"""
from models import AMENDMENT_STATUS_LABELS, CONTRACT_STATUS_LABELS, STATUS_LABELS, TENDER_STATUS_LABELS, TRADE_STATUS_LABELS
from models.trade import ROUTE_LABELS
from models.contract import CONTRACT_SUBTYPES, CONTRACT_TYPES, DEDUCTION_KINDS
from models.user import ROLES
from models.vocab import MATURITY_LEVELS, ORG_TYPES, TECH_FIELDS


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def string(**extra) -> dict:
    return {"type": "string", **extra}


def nullable(schema: dict) -> dict:
    """The schema, or null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    result = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        result["enum"] = [*schema["enum"], None]
    return result


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(properties: dict, required=(), **extra) -> dict:
    """A closed object: a field added to a response without documenting it fails the contract test."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        schema["required"] = list(required)
    return schema


MONEY = string(pattern=r"^[0-9]+\.[0-9]{2}$", description="元，两位小数的十进制字符串（不是浮点数）", examples=["3501.50"])
DATE = string(format="date")
DATETIME = string(format="date-time")
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
TEXT_LIST = array(string())

LISTING_COMMON = {
    "id": INTEGER, "kind": string(enum=["result", "need"]), "title": string(), "org": string(),
    "org_type": string(), "region_code": string(pattern=r"^[0-9]{6}$"), "region": string(),
    "field": string(enum=list(TECH_FIELDS)), "keywords": TEXT_LIST, "status": string(enum=list(STATUS_LABELS)),
    "status_label": string(), "contact_name": string(), "contact_phone": string(), "published_at": nullable(DATETIME),
}
RESULT_FIELDS = {
    "summary": string(), "maturity": string(enum=list(MATURITY_LEVELS)), "trl": nullable({"type": "integer"}),
    "ip_types": TEXT_LIST, "ip_numbers": string(), "transfer_modes": TEXT_LIST, "price": nullable(MONEY),
    "price_negotiable": BOOLEAN,
}
NEED_FIELDS = {
    "description": string(), "budget": nullable(MONEY), "budget_negotiable": BOOLEAN, "deadline": nullable(DATE),
    "cooperation_modes": TEXT_LIST, "bounty": BOOLEAN,
}
BOUNTY_FIELDS = {"bounty_amount": MONEY, "bounty_goals": string(), "bounty_conditions": string()}

PARTY = obj({"name": string(), "type": string(enum=list(ORG_TYPES)), "region_code": string(),
             "registered": {"type": "boolean", "description": "是否为平台注册单位"}},
            ["name", "type", "region_code", "registered"])
DEDUCTIONS = obj({kind: MONEY for kind, _ in DEDUCTION_KINDS}, [kind for kind, _ in DEDUCTION_KINDS])
CONTRACT_EVENT = obj({"action": string(), "label": string(), "from_status": nullable(string()),
                      "to_status": string(enum=list(CONTRACT_STATUS_LABELS)), "actor": nullable(string()),
                      "comment": string(), "at": DATETIME}, ["action", "label", "to_status", "at"])
CONTRACT_FIELDS = {
    "id": INTEGER, "status": string(enum=list(CONTRACT_STATUS_LABELS)), "status_label": string(),
    "registration_no": nullable(string()), "contract_no": nullable(string()),
    "contract_type": string(enum=list(CONTRACT_TYPES)),
    "subtype": nullable(string(enum=[s for subs in CONTRACT_SUBTYPES.values() for s in subs])),
    "title": string(), "tech_field": string(enum=list(TECH_FIELDS)), "ip_types": TEXT_LIST,
    "seller": ref("Party"), "buyer": ref("Party"), "broker": nullable(string()), "signed_on": DATE,
    "valid_from": nullable(DATE), "valid_until": nullable(DATE), "contract_amount": MONEY, "tech_amount": MONEY,
    "deductions": ref("Deductions"), "submitted_at": nullable(DATETIME), "due_on": nullable(DATE),
    "registered_on": nullable(DATE), "refusal_reason": nullable(string()), "created_at": DATETIME,
    "updated_at": DATETIME, "paid_amount": {**MONEY, "description": "已登记到账金额（资金结算登记，元）"},
}
FIGURES = {"contracts": INTEGER, "contract_amount": MONEY, "tech_amount": MONEY}
YOY = {"previous": obj(FIGURES, list(FIGURES)), "yoy_contracts": string(), "yoy_contract_amount": string(),
       "yoy_tech_amount": string()}
PAID = {"payments": {**INTEGER, "description": "到账笔数"}, "paid_amount": {**MONEY, "description": "到账金额"}}
PERIOD = obj({"from": DATE, "to": DATE, "label": string()}, ["from", "to", "label"])
SEARCH_ITEM = obj({"id": INTEGER, "kind": string(enum=["result", "need"]), "title": string(), "org": string(),
                   "region_code": string(), "field": string(), "score": {"type": "number"}, "highlight": string()},
                  ["id", "kind", "title", "org", "region_code", "field", "score", "highlight"])


def page_of(item: dict) -> dict:
    """The envelope of every list call."""
    return obj({"items": array(item), "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                "pages": {"type": "integer", "minimum": 0}}, ["items", "total", "page", "per_page", "pages"])


FACETS_NOTE = ("[值, 条数]：field、province、city、maturity、mode、bounty（yes/no）；"
               "每个分面计数时不用它自己的筛选条件，其余条件照用（与浏览页相同）")

TRADE_FIELDS = {
    "id": INTEGER, "route": string(enum=list(ROUTE_LABELS)), "route_label": string(),
    "status": string(enum=list(TRADE_STATUS_LABELS)), "status_label": string(), "title": string(),
    "result_id": INTEGER, "organisation": string(), "transfer_mode": string(),
    "price": {**MONEY, "description": "协议定价的拟交易价、挂牌价，或竞价的起始价（元）"}, "increment": MONEY,
    "deposit": {**MONEY, "description": "保证金（线下缴纳，本站只作登记）"}, "has_reserve": BOOLEAN,
    "reserve": {**nullable(MONEY), "description": "保留价：结束后才公开"},
    "current_price": {**nullable(MONEY), "description": "增价竞价的当前最高价；密封竞价结束前不公开"},
    "bid_count": INTEGER, "starts_at": DATETIME, "ends_at": DATETIME, "final_price": nullable(MONEY),
    "closed_at": nullable(DATETIME),
}
BID = obj({"id": INTEGER, "trade_id": INTEGER, "seq": INTEGER, "amount": MONEY, "bidder": string(),
           "placed_at": DATETIME}, ["id", "trade_id", "seq", "amount", "bidder", "placed_at"])
TENDER_FIELDS = {
    "id": INTEGER, "need_id": INTEGER, "title": string(), "status": string(enum=list(TENDER_STATUS_LABELS)),
    "status_label": string(), "organisation": string(), "requirements": string(),
    "budget": {**nullable(MONEY), "description": "预算上限（元），未公开时为 null"}, "deadline_at": DATETIME,
    "opens_at": DATETIME, "proposals": {**INTEGER, "description": "已收到的投标数（开标前内容任何人不可见）"},
    "decided_at": nullable(DATETIME),
}
PAYMENT_FIELDS = {
    "id": INTEGER, "contract_id": INTEGER, "amount": MONEY, "paid_on": DATE, "reference": string(),
    "milestone_id": nullable(INTEGER), "receipt_name": string(), "recorded_by": nullable(string()),
    "recorded_at": DATETIME, "voided": BOOLEAN, "void_reason": nullable(string()),
}
MILESTONE = obj({"id": INTEGER, "seq": INTEGER, "title": string(), "due_on": DATE, "amount": MONEY,
                 "paid_amount": MONEY, "overdue": BOOLEAN},
                ["id", "seq", "title", "due_on", "amount", "paid_amount", "overdue"])

SCHEMAS = {
    "Error": obj({"error": obj({
        "code": string(description="机器可读的错误代码，如 not_found、validation_failed"),
        "message": string(description="中文说明"),
        "fields": {"type": "object", "description": "字段 → 问题（仅 422）", "additionalProperties": TEXT_LIST},
    }, ["code", "message"])}, ["error"]),
    "Result": obj({**LISTING_COMMON, **RESULT_FIELDS}, [*LISTING_COMMON, *RESULT_FIELDS]),
    "Need": obj({**LISTING_COMMON, **NEED_FIELDS, **BOUNTY_FIELDS}, [*LISTING_COMMON, *NEED_FIELDS]),
    "ResultPage": page_of(ref("Result")),
    "NeedPage": page_of(ref("Need")),
    "Party": PARTY,
    "Deductions": DEDUCTIONS,
    "ContractEvent": CONTRACT_EVENT,
    "Contract": obj(CONTRACT_FIELDS, list(CONTRACT_FIELDS)),
    "ContractDetail": obj({**CONTRACT_FIELDS, "amendments": array(ref("Amendment")), "events": array(ref("ContractEvent"))},
                          [*CONTRACT_FIELDS, "amendments", "events"]),
    "Amendment": obj({
        "id": INTEGER, "contract_id": INTEGER, "status": string(enum=list(AMENDMENT_STATUS_LABELS)),
        "status_label": string(), "reason": string(),
        "changes": array(obj({"field": string(), "before": {"type": ["string", "integer", "null"]},
                              "after": {"type": ["string", "integer", "null"]}}, ["field", "before", "after"])),
        "proposed_at": DATETIME, "decided_at": nullable(DATETIME), "decision_comment": string()},
        ["id", "contract_id", "status", "status_label", "reason", "changes", "proposed_at", "decided_at",
         "decision_comment"]),
    "ContractPage": page_of(ref("Contract")),
    "SearchPage": obj({"total": INTEGER, "page": INTEGER, "per_page": INTEGER, "pages": INTEGER,
                       "items": array(SEARCH_ITEM),
                       "facets": {"type": "object", "description": FACETS_NOTE, "additionalProperties": array(
                           {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 2, "maxItems": 2})},
                       "notice": string()}, ["total", "page", "per_page", "pages", "items", "facets", "notice"]),
    "Matches": obj({"items": array(obj({"result_id": INTEGER, "title": string(),
                                        "score": {"type": "number", "minimum": 0, "maximum": 100},
                                        "reasons": TEXT_LIST}, ["result_id", "title", "score", "reasons"]))},
                   ["items"]),
    "Period": PERIOD,
    "Figures": obj({**FIGURES, **YOY}, list(FIGURES)),
    "StatsRegions": obj({
        "parent": nullable(string()), "by": string(enum=["seller", "buyer"]), "period": ref("Period"),
        "items": array(obj({"code": string(), "name": string(), **FIGURES, **YOY,
                            "rank_contracts": nullable(INTEGER), "rank_contract_amount": nullable(INTEGER)},
                           ["code", "name", *FIGURES, "rank_contracts", "rank_contract_amount"])),
        "total": ref("Figures")}, ["parent", "by", "period", "items", "total"]),
    "StatsBreakdown": obj({
        "region": nullable(string()), "dim": string(enum=["type", "field", "seller_type", "buyer_type", "ip"]),
        "by": string(enum=["seller", "buyer"]), "period": ref("Period"),
        "items": array(obj({"category": string(), **FIGURES}, ["category", *FIGURES]))},
        ["region", "dim", "by", "period", "items"]),
    "StatsPaid": obj({
        "region": nullable(string()), "dim": string(enum=["region", "type", "field"]),
        "by": string(enum=["seller", "buyer"]), "period": ref("Period"),
        "items": array(obj({"name": string(), **PAID}, ["name", *PAID])),
        "total": obj({**PAID, "previous": obj(PAID, list(PAID)), "yoy_paid_amount": string()},
                     [*PAID, "previous", "yoy_paid_amount"])},
        ["region", "dim", "by", "period", "items", "total"],
        description="到账金额：已登记合同登记在案的到账（不含作废），按到账日期计入期间；合计与上年同期比较"),
    "StatsBulletin": obj({"region": nullable(string()), "period": ref("Period"), "text": string()},
                         ["region", "period", "text"]),
    "Trade": obj(TRADE_FIELDS, list(TRADE_FIELDS)),
    "TradeDetail": obj({**TRADE_FIELDS, "bids": array(ref("Bid"))}, [*TRADE_FIELDS, "bids"],
                       description="bids：结束后为全部出价；进行中仅为调用者本单位的出价"),
    "TradePage": page_of(ref("Trade")),
    "Bid": BID,
    "TradeParty": obj({"id": INTEGER, "trade_id": INTEGER, "organisation": string(), "status": string(
        enum=["pending", "approved", "rejected", "withdrawn"]), "status_label": string(), "terms": string(),
        "deposit": {**MONEY, "description": "发布单位登记的已收保证金"}, "created_at": DATETIME},
        ["id", "trade_id", "organisation", "status", "status_label", "terms", "deposit", "created_at"]),
    "Objection": obj({"id": INTEGER, "trade_id": INTEGER, "body": string(), "status": string(),
                      "resolution": nullable(string()), "created_at": DATETIME},
                     ["id", "trade_id", "body", "status", "resolution", "created_at"]),
    "Proposal": obj({"id": INTEGER, "tender_id": INTEGER, "price": MONEY, "status": string(),
                     "submitted_at": DATETIME, "score": nullable({**INTEGER, "minimum": 0, "maximum": 100}),
                     "score_note": nullable(string())},
                    ["id", "tender_id", "price", "status", "submitted_at", "score", "score_note"],
                    description="score、score_note：招标单位开标后的评分和评语（未评分为 null）"),
    "Tender": obj(TENDER_FIELDS, list(TENDER_FIELDS)),
    "TenderPage": page_of(ref("Tender")),
    "Payment": obj(PAYMENT_FIELDS, list(PAYMENT_FIELDS)),
    "PaymentRecord": obj({"contract_id": INTEGER, "contract_amount": MONEY, "paid_amount": MONEY,
                          "unpaid_amount": MONEY, "planned_amount": MONEY, "milestones": array(MILESTONE),
                          "payments": array(ref("Payment"))},
                         ["contract_id", "contract_amount", "paid_amount", "unpaid_amount", "planned_amount",
                          "milestones", "payments"]),
    "Me": obj({"username": string(), "role": string(enum=list(ROLES)), "organisation": nullable(string())},
              ["username", "role", "organisation"]),
    "Index": obj({"name": string(), "version": INTEGER, "openapi": string()}, ["name", "version"]),
    "Verification": obj({
        "registration_no": string(), "standing": string(enum=["valid", "amended", "cancelled"]),
        "standing_label": string(description="已登记，有效 / 已变更登记，有效 / 已撤销"),
        "registered_on": string(format="date"), "amended_on": nullable(string(format="date")),
        "contract_type": string(description="合同类型（及子类）"), "seller_name": string(), "buyer_name": string(),
    }, ["registration_no", "standing", "standing_label", "registered_on", "amended_on", "contract_type",
        "seller_name", "buyer_name"]),
}
