"""Demo payments on record (a `flask seed-demo` step): plans and payments for some of the demo contracts.

Every fifth demo contract registered in the last year gets a plan of two instalments (30 % ten days after
signing, the rest half a year later) and a payment for each instalment already due, recorded by the broker who
filed it, through the same service as the page. Safe to run twice: a contract with a plan is left alone.
"""
from datetime import timedelta

from sqlalchemy import select

from marketplace import files
from marketplace.payments import services
from models import Contract, ContractStatus, db

# A one-page PDF with the words "Demo receipt" (the demo's receipts are all this file, stored once).
RECEIPT = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 200]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
           b"endobj\n4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 40 100 Td (Demo receipt) Tj ET\nendstream\nendobj\n"
           b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def seed_payments(context) -> None:
    broker = context.users.get("broker_li")
    if broker is None:
        return
    today = services.site_today()
    contracts = db.session.scalars(
        select(Contract).where(Contract.status == ContractStatus.REGISTERED, Contract.broker_id == broker.id,
                               Contract.idempotency_key.like("demo-contract-%"),
                               Contract.registered_on >= today - timedelta(days=365))
        .order_by(Contract.id)).all()
    created = 0
    for contract in contracts[::5]:
        if contract.milestones:
            continue
        first = contract.contract_amount_fen * 3 // 10
        plan = [services.MilestoneInput("首付款（合同生效后10日内）", contract.signed_on + timedelta(days=10), first),
                services.MilestoneInput("验收款", contract.signed_on + timedelta(days=180),
                                        contract.contract_amount_fen - first)]
        milestones = services.set_plan(broker, contract.id, [m for m in plan if m.amount_fen > 0])
        for milestone in milestones:
            if milestone.due_on <= today:
                services.record_payment(broker, contract.id, milestone.amount_fen, milestone.due_on,
                                        files.Upload("付款回单.pdf", RECEIPT), f"DEMO-{contract.id}-{milestone.seq}",
                                        milestone.id)
                created += 1
    db.session.flush()
    context.count("payments", created)
    context.echo(f"资金结算登记：本次新增 {created} 笔到账")
