"""Every endpoint of the app (site and API) → the permission its view requires.

PUBLIC routes may still hide objects; LOGGED_IN routes leave the rest to object checks.
A test keeps this table equal to `app.url_map` and to each view's decorator.
"""
from marketplace.permissions.table import LOGGED_IN, PUBLIC

ROUTES: dict[str, str] = {
    "static": PUBLIC,
    # main
    "main.index": PUBLIC,
    "main.favicon": PUBLIC,
    "main.healthz": PUBLIC,
    "main.readyz": PUBLIC,
    # auth
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.change_password": LOGGED_IN,
    "auth.members": LOGGED_IN,
    "auth.decide_member": LOGGED_IN,
    "auth.tokens": LOGGED_IN,
    "auth.revoke_token": LOGGED_IN,
    "auth.end_all": LOGGED_IN,
    "account.settings": LOGGED_IN,
    "account.change_email": LOGGED_IN,
    "account.resend_confirmation": LOGGED_IN,
    "account.notifications": LOGGED_IN,
    "account.confirm_email": PUBLIC,  # the signed link is the proof
    "account.forgot_password": PUBLIC,
    "account.reset_password": PUBLIC,  # the signed, single-use link is the proof
    "account.unsubscribe": PUBLIC,  # the signed link is the proof
    "account.display_settings": PUBLIC,  # 大字版 / 高对比度: this browser, and the account when signed in
    # listings
    "listings.browse_results": PUBLIC,
    "listings.browse_needs": PUBLIC,
    "listings.result_new": "listing.create",
    "listings.need_new": "listing.create",
    "listings.result_detail": PUBLIC,
    "listings.need_detail": PUBLIC,
    "listings.result_edit": LOGGED_IN,
    "listings.need_edit": LOGGED_IN,
    "listings.result_action": LOGGED_IN,
    "listings.need_action": LOGGED_IN,
    "listings.apply": LOGGED_IN,
    "listings.select_application": LOGGED_IN,
    "listings.withdraw_application": LOGGED_IN,
    "listings.dashboard": LOGGED_IN,
    "listings.review_queue": "listing.review",
    # matching and the message centre
    "matching.need_suggestions": LOGGED_IN,
    "matching.result_suggestions": LOGGED_IN,
    "matching.propose": "match.propose",
    "matching.answer": "match.answer",
    "matching.detail": LOGGED_IN,
    "matching.act": LOGGED_IN,
    "matching.save_notes": "match.propose",
    "matching.open_contract": LOGGED_IN,
    "matching.board": "match.propose",
    "matching.mine": "match.party",
    "inbox.index": LOGGED_IN,
    "subscriptions.index": LOGGED_IN,
    "subscriptions.follow_result": LOGGED_IN,  # a listing the user may see (the view loads it as the detail page does)
    "subscriptions.follow_need": LOGGED_IN,
    "subscriptions.unfollow_result": LOGGED_IN,  # only the user's own follow row
    "subscriptions.unfollow_need": LOGGED_IN,
    "subscriptions.save_search": LOGGED_IN,
    "subscriptions.delete_search": LOGGED_IN,  # only the user's own saved search
    "inbox.show": LOGGED_IN,
    # threads (咨询留言): the views answer 404 to anyone who is not a party of the thread
    "threads.index": LOGGED_IN,  # the threads of one's organisation or one's brokered deals
    "threads.ask_result": "thread.take_part",  # a published listing of another organisation
    "threads.ask_need": "thread.take_part",
    "threads.show": LOGGED_IN,  # both organisations and the broker; admins once a post is reported
    "threads.reply": LOGGED_IN,  # both organisations and the broker, unless blocked
    "threads.download": LOGGED_IN,  # as threads.show; not the files of a hidden post
    "threads.report": LOGGED_IN,  # a party, someone else's post
    "threads.block": "thread.take_part",  # a member of either organisation, the other side's author
    "threads.blocks": "thread.take_part",
    "threads.unblock": "thread.take_part",  # only one's own organisation's block
    "threads.reports": "thread.moderate",
    "threads.decide": "thread.moderate",
    # trading a result: the notices, listings and auctions are public; writes check the trade's owner or party
    "trading.index": PUBLIC,
    "trading.show": PUBLIC,
    "trading.publish": "trade.manage",  # a published result of one's own organisation
    "trading.register": "trade.take_part",  # another organisation's open listing or auction
    "trading.bid": "trade.take_part",  # an auction one's organisation was approved for
    "trading.object_to": LOGGED_IN,  # an agreed price during its notice period
    "trading.manage": "trade.manage",  # one's own organisation's trade
    "trading.decide_party": "trade.manage",
    "trading.resolve": "trade.manage",
    "trading.withdraw": "trade.manage",
    "trading.open_contract": "trade.manage",
    # 招标: tenders are public; proposals are sealed until the opening (the views and services check it)
    "tenders.index": PUBLIC,
    "tenders.show": PUBLIC,  # a bidder sees its own proposal; the owner every proposal after the opening
    "tenders.publish": "tender.manage",  # a published need of one's own organisation
    "tenders.submit": "tender.bid",  # another organisation's open tender, before its deadline
    "tenders.download": LOGGED_IN,  # a file of one's own proposal, or of any once opened for the owner
    "tenders.score": "tender.manage",  # the owner, after the opening
    "tenders.award": "tender.manage",
    "tenders.fail": "tender.manage",
    "tenders.open_contract": "contract.party",  # the winning institute (the seller files the contract)
    "inbox.read_all": LOGGED_IN,
    # payments on record: a registered contract's parties write; they and its registrar read (object checks)
    "payments.show": LOGGED_IN,
    "payments.record": "payment.record",
    "payments.plan": "payment.record",
    "payments.void": "payment.record",  # the recording organisation's own entries
    "payments.receipt": LOGGED_IN,
    # contracts
    "contracts.index": LOGGED_IN,
    "contracts.create": "contract.file",
    "contracts.edit": LOGGED_IN,
    "contracts.detail": LOGGED_IN,
    "contracts.action": LOGGED_IN,
    "contracts.upload": LOGGED_IN,
    "contracts.remove_attachment": LOGGED_IN,
    "contracts.download": LOGGED_IN,
    "contracts.certificate": LOGGED_IN,
    "contracts.amend": LOGGED_IN,
    # trades, tenders and payments on record (api/deals.py): the same rules as their pages
    "api.list_trades": PUBLIC,
    "api.get_trade": PUBLIC,  # a bidder's own bids before the close (the token is optional)
    "api.place_bid": "trade.take_part",  # an auction one's organisation was approved for
    "api.list_tenders": PUBLIC,
    "api.get_tender": PUBLIC,
    "api.contract_payments": LOGGED_IN,  # the contract's parties and the registrar of its region
    "api.record_payment": "payment.record",  # a registered contract of one's own
    "api.register_for_trade": "trade.take_part",  # another organisation's open listing or auction
    "api.object_to_trade": LOGGED_IN,  # an agreed price during its notice period
    "api.submit_proposal": "tender.bid",  # another organisation's open tender, before its deadline
    "api.set_payment_plan": "payment.record",
    "api.void_payment": "payment.record",  # the recording organisation's own entries
    "api.decide_registration": "trade.manage",  # the trade's owner (404 for others)
    "api.answer_objection": "trade.manage",
    "api.withdraw_trade": "trade.manage",
    "api.award_tender": "tender.manage",  # the tender's owner, after the opening
    "api.fail_tender": "tender.manage",
    "api.publish_trade": "trade.manage",  # a published result of one's organisation (api/deal_making.py)
    "api.publish_tender": "tender.manage",  # a published need of one's organisation
    "api.score_proposal": "tender.manage",  # the tender's owner, after the opening (404 for others)
    "api.trade_contract": "trade.manage",  # the result's organisation, once the trade is concluded
    "api.tender_contract": "contract.party",  # the winning organisation, once the tender is awarded
    "api.contract_amend": LOGGED_IN,
    "api.amendment_action": LOGGED_IN,
    "contracts.amendment_action": LOGGED_IN,
    "contracts.calendar": "calendar.edit",
    "contracts.calendar_remove": "calendar.edit",
    "contracts.years": "year.close",
    "contracts.closed_amendments": "year.override",
    "contracts.certificate_pdf": LOGGED_IN,
    # public verification of registration numbers
    "verification.form": PUBLIC,
    "verification.number": PUBLIC,
    "contracts.ledger_page": "contract.register",
    "contracts.ledger_export": "contract.register",
    # statistics and matchmaking events
    "stats.public": PUBLIC,
    "stats.dashboard": "stats.dashboard",
    "stats.export": PUBLIC,
    "stats.events_list": PUBLIC,
    "stats.event_new": "event.manage",
    "stats.event_detail": PUBLIC,
    "stats.event_attach_needs": "event.manage",
    "stats.event_add_deal": "event.manage",
    # brokers
    "brokers.directory": PUBLIC,
    "brokers.profile": PUBLIC,
    "brokers.contact": "broker.contact",
    "brokers.edit_profile": "broker.profile",
    # administration
    "admin.users": "account.manage",
    "admin.new_user": "account.manage",
    "admin.set_active": "account.manage",
    "admin.organisations": "account.manage",
    "admin.security_log": "security_log.read",
    "admin.thesaurus_page": "thesaurus.edit",
    "admin.thesaurus_remove": "thesaurus.edit",
    "imports.index": "data.import",
    "imports.show": "data.import",  # the importer's own, or any for an admin
    "imports.progress": "data.import",
    "imports.start_export": "contract.register",
    "imports.export_show": "contract.register",  # the exporter's own, or any for an admin
    "imports.export_progress": "contract.register",
    "imports.export_download": "contract.register",
    "admin.jobs_page": "jobs.manage",
    "admin.job_page": "jobs.manage",
    "admin.retry_job": "jobs.manage",
    "admin.test_mail": "jobs.manage",
    # JSON API (401 instead of a login redirect)
    "api.root": PUBLIC,
    "api.openapi": PUBLIC,
    "api.me": LOGGED_IN,
    "api.search": PUBLIC,
    "api.stats_regions": PUBLIC,
    "api.stats_breakdown": PUBLIC,
    "api.stats_bulletin": PUBLIC,
    "api.stats_paid": PUBLIC,
    "api.verify": PUBLIC,
    "api.need_matches": LOGGED_IN,
    "api.result_list": PUBLIC,
    "api.need_list": PUBLIC,
    "api.result": PUBLIC,
    "api.need": PUBLIC,
    "api.result_create": "listing.create",
    "api.need_create": "listing.create",
    "api.result_update": LOGGED_IN,
    "api.need_update": LOGGED_IN,
    "api.result_action": LOGGED_IN,
    "api.need_action": LOGGED_IN,
    "api.file_contract": "contract.file",
    "api.contracts": LOGGED_IN,
    "api.contract": LOGGED_IN,
    "api.update_contract": LOGGED_IN,
    "api.contract_action": LOGGED_IN,
}
