"""The access table: every endpoint × object relation × role, with the world it is checked against.

The role part comes from `permissions.ROUTES`/`PERMISSIONS`; the object part (who may open
whose object) is stated here per endpoint family. Actors are the Kunming "home" users; the
world holds the same objects for a second Kunming pair of organisations (another
organisation, same region) and for a Chengdu pair (another region).
"""
import base64
import io
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from marketplace import files, follows, jobs
from marketplace.api.tokens import create_token
from marketplace.brokers.services import save_profile
from marketplace.contracts import amendments
from marketplace.contracts import services as contracts
from marketplace.listings import services as listings
from marketplace.matching import inbox
from marketplace.matching import services as matching
from marketplace.payments import services as payments
from marketplace.permissions import LOGGED_IN, PERMISSIONS, PUBLIC, ROUTES
from marketplace.stats import events
from marketplace.threads import services as threads
from marketplace.tenders import services as tenders
from marketplace.trading import services as trading
from models import (
    ApiToken, BountyApplication, BrokerProfile, Contract, ContractAmendment, ContractAttachment, Job, ListingStatus, Match,
    MatchEvent, Message, SavedSearch, TechNeed, TechResult, Thread, ThreadAttachment, ThreadBlock, ThreadPost,
    ThreadReport, Objection, Payment, Tender, TenderFile, TenderProposal, Trade, TradeParty, User, db,
)
from models.base import utcnow
from models.user import ROLES
from tests.contract_helpers import amendment_data, draft
from tests.factories import make_need, make_org, make_result, make_user

ANONYMOUS = "anonymous"
WHO = (ANONYMOUS,) + ROLES
REGIONS = {"km": "530100", "cd": "510100"}
PAIRS = ("home", "stranger")
# relation → (region, pair) of the object; the actors are the ("km", "home") users
RELATIONS = {"own": ("km", "home"), "other_org": ("km", "stranger"), "other_region": ("cd", "home")}
GUESSES = {"missing": None, "zero": 0, "huge": 2**31 - 1}
PDF = b"%PDF-1.4\n% access table\n"
RECEIPT = PDF + b"%%EOF\n"

# URL argument → the kind of object it names (listing ids depend on the endpoint)
ARG_KINDS = {
    "contract_id": "contract", "attachment_id": "attachment", "match_id": "match", "message_id": "message",
    "event_id": "event", "profile_id": "profile", "token_id": "token", "user_id": "user",
    "application_id": "application", "result_id": "result", "need_id": "need", "amendment_id": "amendment",
    "job_id": "job", "search_id": "saved_search", "thread_id": "thread", "post_id": "post", "file_id": "thread_file",
    "block_id": "block", "report_id": "report", "trade_id": "trade", "party_id": "party",
    "objection_id": "objection", "tender_id": "tender", "proposal_id": "proposal", "document_id": "tender_file",
    "payment_id": "payment",
}
MODELS = {
    "result": TechResult, "need": TechNeed, "contract": Contract, "attachment": ContractAttachment, "match": Match,
    "message": Message, "event": MatchEvent, "profile": BrokerProfile, "token": ApiToken, "user": User,
    "application": BountyApplication, "amendment": ContractAmendment, "job": Job,
    "saved_search": SavedSearch, "thread": Thread, "post": ThreadPost, "thread_file": ThreadAttachment,
    "block": ThreadBlock, "report": ThreadReport, "trade": Trade, "party": TradeParty, "objection": Objection,
    "tender": Tender, "proposal": TenderProposal, "tender_file": TenderFile, "payment": Payment,
}
FIXED_ARGS = {"action": "deactivate", "decision": "approve", "key": "regions", "fmt": "csv",
              "filename": "css/site.css", "token": "not-a-signed-token"}
# URL arguments read from the world: a public page about an object found by something other than its id
WORLD_ARGS = {"registration_no": "registration_no"}
# the first id of a two-id route (a child must belong to it)
PARENTS = {"contract", "need", "thread", "trade", "tender"}
# the trade an endpoint names when it is not the world's auction
TRADE_OF = {"trading.resolve": "agreed_trade", "trading.object_to": "agreed_trade", "api.object_to_trade": "agreed_trade",
            "api.answer_objection": "agreed_trade"}
# kinds whose object belongs to one user: "own" is the actor's, the others the same role's counterpart
PERSONAL = {"message", "token", "user", "saved_search"}

ALL = set(ROLES)
OFFICIALS = {"official", "admin"}
SUGGESTERS = {"broker", "official", "admin"}

# The object part, per endpoint: relation → the roles (of those the route lets in) that reach the object.
# Results belong to the institute's organisation, needs to the enterprise's; contracts have the
# institute as seller and the enterprise as buyer; matches pair both, brokered by the region's broker.
# Listings are pending (drafts and published ones are covered by the id guessing); contracts are filed.
OBJECT_RULES: dict[str, dict[str, set]] = {
    "listings.result_detail": {"own": {"institute", "official", "admin"}, "other_org": OFFICIALS,
                               "other_region": {"admin"}},
    "listings.need_detail": {"own": {"enterprise", "official", "admin"}, "other_org": OFFICIALS,
                             "other_region": {"admin"}},
    "listings.result_edit": {"own": {"institute"}},
    "listings.need_edit": {"own": {"enterprise"}},
    "listings.result_action": {"own": {"institute", "official", "admin"}, "other_org": OFFICIALS,
                               "other_region": {"admin"}},
    "listings.need_action": {"own": {"enterprise", "official", "admin"}, "other_org": OFFICIALS,
                             "other_region": {"admin"}},
    "listings.apply": {"own": {"institute"}, "other_org": {"institute"}, "other_region": {"institute"}},
    "listings.select_application": {"own": {"enterprise"}},
    "listings.withdraw_application": {"own": {"institute"}},
    # suggestions on a published listing: its organisation, and brokers, officials and admins anywhere
    "matching.need_suggestions": {"own": {"enterprise"} | SUGGESTERS, "other_org": SUGGESTERS,
                                  "other_region": SUGGESTERS},
    "matching.result_suggestions": {"own": {"institute"} | SUGGESTERS, "other_org": SUGGESTERS,
                                    "other_region": SUGGESTERS},
    "matching.detail": {"own": ALL, "other_org": OFFICIALS, "other_region": {"admin"}},
    "matching.act": {"own": {"institute", "enterprise", "broker"}},
    "matching.save_notes": {"own": {"broker"}},
    "matching.open_contract": {"own": {"institute", "enterprise", "broker"}},
    "inbox.show": {"own": ALL},
    "contracts.detail": {"own": {"institute", "enterprise", "official"}, "other_org": {"official"}},
    "contracts.edit": {"own": {"institute"}},
    "contracts.action": {"own": {"institute", "official"}, "other_org": {"official"}},  # the buyer only reads
    "contracts.upload": {"own": {"institute"}},
    "contracts.remove_attachment": {"own": {"institute"}},
    "contracts.download": {"own": {"institute", "enterprise"}},
    "contracts.certificate": {"own": {"institute", "enterprise", "official"}, "other_org": {"official"}},
    # 变更登记: the seller side and the registrar apply; they and the registrar act on the application
    "contracts.amend": {"own": {"institute", "official"}, "other_org": {"official"}},
    "contracts.amendment_action": {"own": {"institute", "official"}, "other_org": {"official"}},
    "contracts.certificate_pdf": {"own": {"institute", "enterprise", "official"}, "other_org": {"official"}},
    "stats.event_detail": {"own": ALL | {ANONYMOUS}, "other_org": ALL | {ANONYMOUS},
                           "other_region": ALL | {ANONYMOUS}},
    "stats.event_attach_needs": {"own": OFFICIALS, "other_org": OFFICIALS, "other_region": {"admin"}},
    "stats.event_add_deal": {"own": OFFICIALS, "other_org": OFFICIALS, "other_region": {"admin"}},
    "brokers.profile": {"own": ALL | {ANONYMOUS}, "other_org": ALL | {ANONYMOUS}, "other_region": ALL | {ANONYMOUS}},
    "brokers.contact": {"own": ALL, "other_org": ALL, "other_region": ALL},
    "auth.revoke_token": {"own": ALL},
    "auth.decide_member": {"own": {"institute", "admin"}, "other_org": {"admin"}, "other_region": {"admin"}},
    "admin.set_active": {"own": {"admin"}, "other_org": {"admin"}, "other_region": {"admin"}},
    "api.result": {"own": {"institute", "official", "admin"}, "other_org": OFFICIALS, "other_region": {"admin"}},
    "api.need": {"own": {"enterprise", "official", "admin"}, "other_org": OFFICIALS, "other_region": {"admin"}},
    "api.result_update": {"own": {"institute"}},
    "api.need_update": {"own": {"enterprise"}},
    "api.result_action": {"own": {"institute", "official", "admin"}, "other_org": OFFICIALS,
                          "other_region": {"admin"}},
    "api.need_action": {"own": {"enterprise", "official", "admin"}, "other_org": OFFICIALS,
                        "other_region": {"admin"}},
    "api.need_matches": {"own": {"enterprise"} | SUGGESTERS, "other_org": SUGGESTERS, "other_region": SUGGESTERS},
    "api.contract": {"own": {"institute", "enterprise", "official"}, "other_org": {"official"}},
    "api.update_contract": {"own": {"institute"}},
    "api.contract_action": {"own": {"institute", "official"}, "other_org": {"official"}},
    "api.contract_amend": {"own": {"institute", "official"}, "other_org": {"official"}},
    "api.amendment_action": {"own": {"institute", "official"}, "other_org": {"official"}},
    # background jobs belong to the platform: admins see and retry any
    "admin.job_page": {"own": {"admin"}, "other_org": {"admin"}, "other_region": {"admin"}},
    "admin.retry_job": {"own": {"admin"}, "other_org": {"admin"}, "other_region": {"admin"}},
    # anyone signed in follows any published listing; a saved search is its owner's alone
    "subscriptions.follow_result": {"own": ALL, "other_org": ALL, "other_region": ALL},
    "subscriptions.follow_need": {"own": ALL, "other_org": ALL, "other_region": ALL},
    "subscriptions.unfollow_result": {"own": ALL, "other_org": ALL, "other_region": ALL},
    "subscriptions.unfollow_need": {"own": ALL, "other_org": ALL, "other_region": ALL},
    "subscriptions.delete_search": {"own": ALL},
    # the world's jobs are not imports: the import pages answer 404 for them (tests/test_imports.py has the rest)
    "imports.show": {}, "imports.progress": {}, "imports.export_show": {}, "imports.export_progress": {},
    "imports.export_download": {},
    # threads: the enterprise asked about the institute's published result, the region's broker brokers the pair,
    # the institute reported the enterprise's first post (so admins may read the thread) and blocked a stranger
    "threads.ask_result": {"own": {"enterprise"}, "other_org": {"institute", "enterprise"},
                           "other_region": {"institute", "enterprise"}},
    "threads.ask_need": {"own": {"institute"}, "other_org": {"institute", "enterprise"},
                         "other_region": {"institute", "enterprise"}},
    "threads.show": {"own": {"institute", "enterprise", "broker", "admin"}, "other_org": {"admin"},
                     "other_region": {"admin"}},
    "threads.download": {"own": {"institute", "enterprise", "broker", "admin"}, "other_org": {"admin"},
                         "other_region": {"admin"}},
    "threads.reply": {"own": {"institute", "enterprise", "broker"}},
    "threads.report": {"own": {"institute", "enterprise", "broker"}},
    "threads.block": {"own": {"institute", "enterprise"}},
    "threads.unblock": {"own": {"institute"}},
    "threads.decide": {"own": {"admin"}, "other_org": {"admin"}, "other_region": {"admin"}},
    # trades: the institute's auction of its published result (the enterprise registered, not yet approved: it may
    # not bid) and its agreed price of a second result (the enterprise objected); trade pages are public
    "trading.show": {"own": ALL | {ANONYMOUS}, "other_org": ALL | {ANONYMOUS}, "other_region": ALL | {ANONYMOUS}},
    "trading.publish": {"own": {"institute"}},
    "trading.register": {"own": {"enterprise"}, "other_org": {"institute", "enterprise"},
                         "other_region": {"institute", "enterprise"}},
    "trading.bid": {},
    "trading.object_to": {"own": ALL, "other_org": ALL, "other_region": ALL},
    "trading.manage": {"own": {"institute"}},
    "trading.decide_party": {"own": {"institute"}},
    "trading.resolve": {"own": {"institute"}},
    "trading.withdraw": {"own": {"institute"}},
    "trading.open_contract": {"own": {"institute"}},
    # tenders: the enterprise's tender on its published need, open (deadline in three days, so still sealed),
    # with the institute's proposal and its file
    "tenders.show": {"own": ALL | {ANONYMOUS}, "other_org": ALL | {ANONYMOUS}, "other_region": ALL | {ANONYMOUS}},
    "tenders.publish": {"own": {"enterprise"}},
    "tenders.submit": {"own": {"institute"}, "other_org": {"institute"}, "other_region": {"institute"}},
    "tenders.download": {"own": {"institute"}},
    "tenders.score": {"own": {"enterprise"}},
    "tenders.award": {"own": {"enterprise"}},
    "tenders.fail": {"own": {"enterprise"}},
    "tenders.open_contract": {"own": {"institute", "enterprise"}},
    # payments on record: the registered contract's parties keep them (the institute recorded the world's payment,
    # so only it may void it); the registrar of the seller's region reads them
    "payments.show": {"own": {"institute", "enterprise", "official"}, "other_org": {"official"}},
    "payments.receipt": {"own": {"institute", "enterprise", "official"}, "other_org": {"official"}},
    "payments.record": {"own": {"institute", "enterprise"}},
    "payments.plan": {"own": {"institute", "enterprise"}},
    "payments.void": {"own": {"institute"}},
    "api.contract_payments": {"own": {"institute", "enterprise", "official"}, "other_org": {"official"}},
    "api.record_payment": {"own": {"institute", "enterprise"}},
    "api.get_trade": {"own": ALL | {ANONYMOUS}, "other_org": ALL | {ANONYMOUS}, "other_region": ALL | {ANONYMOUS}},
    "api.place_bid": {},  # the enterprise registered for the world's auction but is not approved
    "api.get_tender": {"own": ALL | {ANONYMOUS}, "other_org": ALL | {ANONYMOUS}, "other_region": ALL | {ANONYMOUS}},
    "api.register_for_trade": {"own": {"enterprise"}, "other_org": {"institute", "enterprise"},
                               "other_region": {"institute", "enterprise"}},
    "api.object_to_trade": {"own": ALL, "other_org": ALL, "other_region": ALL},
    "api.submit_proposal": {"own": {"institute"}, "other_org": {"institute"}, "other_region": {"institute"}},
    "api.set_payment_plan": {"own": {"institute", "enterprise"}},
    "api.void_payment": {"own": {"institute"}},
    "api.decide_registration": {"own": {"institute"}},
    "api.answer_objection": {"own": {"institute"}},
    "api.withdraw_trade": {"own": {"institute"}},
    "api.award_tender": {"own": {"enterprise"}},
    "api.fail_tender": {"own": {"enterprise"}},
    # api/deal_making.py: as the pages (trading.publish, tenders.publish, tenders.score, the contract drafts)
    "api.publish_trade": {"own": {"institute"}},
    "api.publish_tender": {"own": {"enterprise"}},
    "api.score_proposal": {"own": {"enterprise"}},
    "api.trade_contract": {"own": {"institute"}},
    "api.tender_contract": {"own": {"institute", "enterprise"}},  # its parties (the open tender refuses both: 409)
}
# Site writes without a CSRF token: the one-click unsubscribe of RFC 8058 (a mail client posts it; the signed
# link is the proof, and a forged one changes nothing: tests/test_access_table.py, tests/test_mail.py)
CSRF_EXEMPT = {"account.unsubscribe"}
# Views that answer a refused write with a message and a redirect back (the service refuses it)
REDIRECT_REFUSALS = {"tenders.open_contract", "payments.void", "subscriptions.unfollow_result", "subscriptions.unfollow_need", "contracts.action", "contracts.amendment_action", "contracts.upload", "contracts.remove_attachment", "matching.act",
                     "matching.open_contract"}
CONTRACT_FORM = {"contract_type": "技术转让", "title": "改过的合同", "tech_field": "生物医药和医疗器械",
                 "buyer_name": "某制药公司", "buyer_type": "企业", "buyer_region": "530300", "signed_on": "2026-03-02",
                 "contract_amount": "3501000.50"}
RESULT_FORM = {"title": "改过的成果", "field": "新能源与高效节能", "keywords": "钙钛矿", "region_code": "530100",
               "summary": "改过的摘要。", "maturity": "中试", "transfer_modes": ["转让"], "price": "350"}
NEED_FORM = {"title": "改过的需求", "field": "先进制造", "keywords": "检测", "region_code": "530100",
             "description": "改过的描述。", "cooperation_modes": ["合作开发"], "budget": "80"}


def body_for(endpoint: str, world: dict) -> dict:
    """A well-formed body, so that a refusal comes from the access rules and not from the form."""
    published_need = world["ids"]["km", "home", "need", "published"]
    bodies = {
        "listings.result_edit": RESULT_FORM, "listings.need_edit": NEED_FORM, "api.result_update": {"title": "改"},
        "api.need_update": {"title": "改"}, "listings.result_action": {"action": "approve"},
        "listings.need_action": {"action": "approve"}, "api.result_action": {"action": "approve"},
        "api.need_action": {"action": "approve"}, "listings.apply": {"proposal": "我们能做。"},
        "contracts.edit": CONTRACT_FORM, "api.update_contract": {"title": "改"},
        "contracts.action": {"action": "accept"}, "api.contract_action": {"action": "accept"},
        "contracts.amend": {**CONTRACT_FORM, "reason": "补充协议"}, "contracts.amendment_action": {"action": "approve"},
        "api.contract_amend": {"title": "改", "reason": "补充协议"}, "api.amendment_action": {"action": "approve"},
        "contracts.upload": {"document": (io.BytesIO(PDF), "合同.pdf")},
        "matching.act": {"action": "accept"}, "matching.save_notes": {"notes": "私下的备注"},
        "matching.open_contract": {"contract_type": "技术开发", "amount_wan": "10", "signed_on": "2026-03-02"},
        "stats.event_attach_needs": {"need_ids": str(published_need)},
        "stats.event_add_deal": {"title": "签约项目", "seller_name": "甲", "buyer_name": "乙", "amount_wan": "10"},
        "brokers.contact": {"subject": "你好", "body": "想请您对接。"},
        "threads.ask_result": {"body": "请问价格？"}, "threads.ask_need": {"body": "请问预算？"},
        "threads.reply": {"body": "回复"}, "threads.report": {"reason": "spam"}, "threads.decide": {"decision": "dismiss"},
        "trading.publish": {"transfer_mode": "转让", "price": "100", "counterpart_name": "某公司", "completers": "张三",
                            "days": "15"},
        "trading.register": {"terms": "一次付清"}, "trading.bid": {"amount": "1000000", "request_key": "k1"},
        "trading.object_to": {"body": "价格过低"}, "trading.decide_party": {"decision": "approve"},
        "trading.resolve": {"decision": "dismiss", "resolution": "异议不成立"}, "trading.withdraw": {"reason": "撤回"},
        "trading.open_contract": {"signed_on": "2026-12-01"},
        "tenders.publish": {"requirements": "要求", "deadline_at": "2099-01-01T10:00"},
        "tenders.submit": {"price": "80", "body": "方案"}, "tenders.score": {"score": "80"},
        "payments.record": {"amount": "1.00", "paid_on": "2026-04-02", "receipt": (io.BytesIO(RECEIPT), "回单.pdf")},
        "payments.plan": {"rows-0-title": "首付款", "rows-0-due_on": "2026-05-01", "rows-0-amount": "1.00"},
        "payments.void": {"reason": "录错了"},
        "api.record_payment": {"amount": "1.00", "paid_on": "2026-04-02",
                               "receipt_pdf": base64.b64encode(RECEIPT).decode()},
        "api.place_bid": {"amount": "1000000.00"},
        "api.register_for_trade": {"terms": "一次付清"}, "api.object_to_trade": {"body": "价格过低"},
        "api.submit_proposal": {"price": "800000.00", "body": "技术方案"},
        "api.set_payment_plan": {"milestones": [{"title": "首付款", "due_on": "2026-05-01", "amount": "1.00"}]},
        "api.void_payment": {"reason": "录错了"},
        "api.decide_registration": {"decision": "approve"}, "api.answer_objection": {
            "decision": "dismiss", "resolution": "异议不成立"}, "api.withdraw_trade": {"reason": "撤回"},
        "api.award_tender": {"note": ""}, "api.fail_tender": {"note": "流标"},
        "api.publish_trade": {"route": "agreed", "transfer_mode": "转让", "price": "1000000.00",
                              "counterpart_name": "某公司", "completers": "张三", "days": 15},
        "api.publish_tender": {"requirements": "要求", "deadline_at": "2099-01-01T10:00:00+08:00"},
        "api.score_proposal": {"score": 80}, "api.trade_contract": {"signed_on": "2026-11-30"},
        "api.tender_contract": {"signed_on": "2026-11-30"},
        "tenders.award": {"note": ""}, "tenders.fail": {"note": "流标"}, "tenders.open_contract": {"signed_on": "2026-12-01"},
    }
    return dict(bodies.get(endpoint, {}))


# Where the endpoint reads a state other than the family default
STATE = {"listings.apply": "bounty", "listings.select_application": "bounty", "contracts.edit": "draft",
         "contracts.upload": "draft", "contracts.remove_attachment": "draft", "contracts.download": "draft",
         "contracts.certificate": "registered", "contracts.certificate_pdf": "registered", "contracts.amend": "registered",
         "contracts.amendment_action": "registered", "api.contract_amend": "registered",
         "api.amendment_action": "registered", "api.update_contract": "draft", "listings.result_edit": "draft",
         "listings.need_edit": "draft", "api.result_update": "draft", "api.need_update": "draft",
         "matching.need_suggestions": "published", "matching.result_suggestions": "published",
         "api.need_matches": "published", "subscriptions.follow_result": "published",
         "subscriptions.follow_need": "published", "subscriptions.unfollow_result": "published",
         "subscriptions.unfollow_need": "published", "threads.ask_result": "published",
         "threads.ask_need": "published", "trading.publish": "published", "tenders.publish": "published",
         "api.publish_trade": "published", "api.publish_tender": "published",
         **{f"payments.{name}": "registered" for name in ("show", "receipt", "record", "plan", "void")},
         "api.contract_payments": "registered", "api.record_payment": "registered",
         "api.set_payment_plan": "registered", "api.void_payment": "registered"}


def is_api(endpoint: str) -> bool:
    return endpoint.startswith("api.")


def role_allowed(endpoint: str, who: str) -> bool:
    """The route's own answer for a role: PUBLIC lets everyone in, LOGGED_IN every role, else the table."""
    name = ROUTES[endpoint]
    if name == PUBLIC:
        return True
    if who == ANONYMOUS:
        return False
    return name == LOGGED_IN or who in PERMISSIONS[name]


def rows(app):
    """(endpoint, method, rule, its URL arguments) for every rule of the app, HEAD and OPTIONS aside."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            in_path = tuple(sorted(arg for arg in rule.arguments if f"{arg}>" in rule.rule))
            found.append((rule.endpoint, method, rule.rule, in_path))
    return sorted(set(found))


def kind_of(endpoint: str, arg: str) -> str | None:
    if arg == "listing_id":
        return "result" if "result" in endpoint else "need"
    return ARG_KINDS.get(arg)


def relations_for(arguments) -> tuple:
    """'none' for a route without ids; "crossed" (own parent, another region's child) for two ids."""
    ids = [arg for arg in arguments if arg in ARG_KINDS or arg == "listing_id"]
    if not ids:
        return ("none",)
    return tuple(RELATIONS) + tuple(GUESSES) + (("crossed",) if len(ids) == 2 else ())


def expected(endpoint: str, who: str, relation: str) -> str:
    """'login', 'forbidden', 'ok' or 'refused' (another's or a missing object: 403 or 404)."""
    if not role_allowed(endpoint, who):
        return "login" if who == ANONYMOUS else "forbidden"
    if relation == "none":
        return "ok"
    if relation in GUESSES or relation == "crossed":
        return "refused"
    return "ok" if who in OBJECT_RULES[endpoint].get(relation, set()) else "refused"


# The world

def _pair(region: str, pair: str, broker_of_region, objects: dict, users: dict) -> None:
    code = REGIONS[region]
    inst_org = make_org(f"{region}{pair}研究院", "科研机构", code)
    ent_org = make_org(f"{region}{pair}企业", "企业", code)
    bureau = make_org(f"{region}{pair}科技局", "机关", code)
    people = {"institute": make_user(f"{region}_{pair}_inst", "institute", inst_org),
              "enterprise": make_user(f"{region}_{pair}_ent", "enterprise", ent_org),
              "broker": make_user(f"{region}_{pair}_broker", "broker",
                                  make_org(f"{region}{pair}转移中心", "企业", code)),
              "official": make_user(f"{region}_{pair}_official", "official", bureau),
              "admin": make_user(f"{region}_{pair}_admin", "admin")}
    users[region, pair] = people
    inst, ent = people["institute"], people["enterprise"]
    mine = objects[region, pair] = {"org": inst_org, ("org", "enterprise"): ent_org}
    for state in (ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.PUBLISHED):
        mine["result", state] = make_result(inst_org, inst, state, region_code=code, title=f"{region}{pair}{state}成果")
        mine["need", state] = make_need(ent_org, ent, state, region_code=code, title=f"{region}{pair}{state}需求")
    mine["need", "bounty"] = make_need(ent_org, ent, ListingStatus.PUBLISHED, region_code=code, is_bounty=True,
                                       title=f"{region}{pair}bounty需求")
    mine["application"] = listings.apply_to_bounty(mine["need", "bounty"], inst, "我们有基础。")
    # contracts: seller the institute, buyer the enterprise
    mine["contract", "draft"] = draft(inst_org, ent_org, inst, title=f"{region}{pair}草稿合同")
    mine["attachment"] = contracts.attach_pdf(mine["contract", "draft"], inst, "合同.pdf", PDF)
    mine["contract", "filed"] = draft(inst_org, ent_org, inst, title=f"{region}{pair}已报合同")
    contracts.transition(mine["contract", "filed"], "file", inst)
    registered = draft(inst_org, ent_org, inst, title=f"{region}{pair}已登记合同")
    contracts.transition(registered, "file", inst)
    contracts.transition(registered, "accept", broker_of_region)
    contracts.transition(registered, "register", broker_of_region)
    mine["contract", "registered"] = registered
    mine["payment"] = payments.record_payment(inst, registered.id, 100_00, date(2026, 4, 1),
                                              files.Upload("回单.pdf", RECEIPT))[0]
    change = amendment_data(registered, title=f"{region}{pair}变更后的合同")
    mine["amendment"] = amendments.apply_for(registered, inst, "补充协议更正名称", change["data"],
                                             registered.contract_amount_fen, registered.deductions, change["buyer"])
    mine["match"] = matching.propose(people["broker"], mine["need", "published"], mine["result", "published"], "推荐")
    matching.set_notes(mine["match"], people["broker"], f"{region}{pair}私密备注")
    thread = threads.start(ent, mine["result", "published"], "", "请问价格？",
                           [threads.Upload("报价.pdf", PDF + b"%%EOF\n")])
    mine["thread"], mine["post"] = thread, db.session.scalar(select(ThreadPost).where(ThreadPost.thread_id == thread.id))
    mine["thread_file"] = mine["post"].attachments[0]
    mine["report"] = threads.report(inst, thread, mine["post"], "spam")
    spammer = make_user(f"{region}_{pair}_spammer", "enterprise", make_org(f"{region}{pair}某公司", "企业", code))
    mine["block"] = ThreadBlock(organisation_id=inst_org.id, blocked_user_id=spammer.id, blocked_by_id=inst.id)
    db.session.add(mine["block"])
    mine["trade"] = trading.publish(inst, mine["result", "published"], "auction", {
        "transfer_mode": "转让", "price_fen": 100 * 10**6, "increment_fen": 10**6,
        "ends_at": utcnow() + timedelta(days=30)})
    mine["party"] = trading.register(ent, mine["trade"], "")
    second = make_result(inst_org, inst, ListingStatus.PUBLISHED, region_code=code, title=f"{region}{pair}协议定价成果")
    mine["agreed_trade"] = trading.publish(inst, second, "agreed", {
        "transfer_mode": "许可", "price_fen": 50 * 10**6, "counterpart_name": "某公司", "completers": "张三"})
    mine["objection"] = trading.object_to(ent, mine["agreed_trade"], "价格过低。")
    mine["tender"] = tenders.publish(ent, mine["need", "published"], {"deadline_at": utcnow() + timedelta(days=3)})
    mine["proposal"] = tenders.submit(inst, mine["tender"].id, 80 * 10**6, "技术方案", [files.Upload("方案.pdf", PDF + b"%%EOF\n")])
    mine["tender_file"] = mine["proposal"].files[0]
    mine["event"] = events.create_event(people["official"], {"name": f"{region}{pair}对接会", "region_code": code,
                                                             "held_on": date(2026, 5, 1)})
    mine["profile"] = save_profile(people["broker"], "junior", "", [], [], "简介", True)
    mine["pending_member"] = make_user(f"{region}_{pair}_newcomer", "institute", inst_org, is_active_account=False,
                                       awaiting_approval=True)
    for role, user in people.items():
        mine["message", role] = inbox.send(user, None, "欢迎", "欢迎使用。")
        mine["saved_search", role] = follows.save_search(user, "result", MultiDict({"q": f"{region}{pair}钙钛矿"}), "",
                                                         "instant")
    # a job not yet due (nothing runs it while the table is checked)
    mine["job"] = jobs.enqueue("jobs.prune", {"day": "2026-01-01"}, key=f"world:{region}:{pair}", actor=inst,
                               run_after=datetime(2999, 1, 1))


def build_world(app) -> dict:
    """Every object the table names, committed; returns ids, the actors' ids and their API tokens."""
    with app.app_context():
        users, objects, registrars = {}, {}, {}
        for region, code in REGIONS.items():
            registrars[region] = make_user(f"{region}_registrar", "official", make_org(f"{region}登记机关", "机关", code))
        for region in REGIONS:
            for pair in PAIRS:
                _pair(region, pair, registrars[region], objects, users)
        tokens, token_ids = {}, {}
        for (region, pair), people in users.items():
            for role, user in people.items():
                tokens[region, pair, role] = create_token(user, "测试")
                token_ids[region, pair, role] = db.session.scalar(
                    select(func.max(ApiToken.id)).where(ApiToken.user_id == user.id))
        db.session.commit()
        ids = {}
        for place, mine in objects.items():
            for key, obj in mine.items():
                ids[place + (key if isinstance(key, tuple) else (key,))] = obj.id
        for (region, pair, role), token_id in token_ids.items():
            ids[region, pair, "token", role] = token_id
        for (region, pair), people in users.items():
            for role, user in people.items():
                ids[region, pair, "user", role] = user.id
        return {"ids": ids, "tokens": tokens,
                "registration_no": objects["km", "home"]["contract", "registered"].registration_no,
                "actors": {role: users["km", "home"][role].id for role in ROLES}}


def object_id(world: dict, endpoint: str, kind: str, relation: str, who: str) -> int:
    """The id a request names for `kind` in `relation` to the actor `who`."""
    if relation == "crossed":
        relation = "own" if kind in PARENTS else "other_region"
    if relation in GUESSES:
        value = GUESSES[relation]
        if value is None:
            value = (db.session.scalar(select(func.max(MODELS[kind].id))) or 0) + 1
        return value
    region, pair = RELATIONS[relation]
    role = who if who != ANONYMOUS else "institute"
    ids = world["ids"]
    if kind in PERSONAL:
        if kind == "user":
            if endpoint == "auth.decide_member":
                return ids[region, pair, "pending_member"]
            return ids[region, pair, "user", "enterprise"]
        return ids[region, pair, kind, role]
    if kind == "trade":
        return ids[region, pair, TRADE_OF.get(endpoint, "trade")]
    if kind in ("result", "need", "contract"):
        state = STATE.get(endpoint, "filed" if kind == "contract" else "pending")
        if kind == "need" and state == "bounty":
            return ids[region, pair, "need", "bounty"]
        return ids[region, pair, kind, state]
    return ids[region, pair, kind]
