"""The registration workflow as data: (state, action) → (next state, who may act)."""
from marketplace.errors import DomainError
from marketplace.state_machine import Action, Workflow
from models import ContractStatus as S

SELLER = "seller"  # a member of the seller organisation, or the contract's broker
SELLER_MEMBER = "seller_member"  # a member of the seller organisation itself (not its broker)
REGISTRAR = "registrar"  # an official whose region covers the seller's region
ADMIN = "admin"  # applies the approved amendments of a closed year, and cancels its registrations


class ContractError(DomainError):
    """A refused contract operation; the message is shown to the user."""


ACTIONS = {
    "confirm": Action("confirm", "卖方确认草稿", (SELLER_MEMBER,)),
    "file": Action("file", "提交申报", (SELLER,)),
    "withdraw": Action("withdraw", "撤回申报", (SELLER,)),
    "accept": Action("accept", "受理", (REGISTRAR,)),
    "return": Action("return", "退回补正", (REGISTRAR,), reason_required=True),
    "first_review": Action("first_review", "初审通过（提交复核）", (REGISTRAR,)),
    "register": Action("register", "准予登记", (REGISTRAR,)),
    "refuse": Action("refuse", "不予登记", (REGISTRAR,), reason_required=True),
    # Applied only by an approved amendment application (marketplace.contracts.amendments).
    "amend": Action("amend", "变更登记", (REGISTRAR, ADMIN), reason_required=True),
    # In a closed year (year-end close) an admin cancels instead of the registrar.
    "cancel": Action("cancel", "撤销登记", (REGISTRAR, ADMIN), reason_required=True),
}

TRANSITIONS = {
    # A broker's draft without the seller's mandate is filed only once the seller confirms it.
    (S.DRAFT, "confirm"): S.DRAFT,
    (S.CORRECTION, "confirm"): S.CORRECTION,
    (S.DRAFT, "file"): S.FILED,
    (S.CORRECTION, "file"): S.FILED,
    (S.FILED, "withdraw"): S.DRAFT,
    (S.FILED, "accept"): S.ACCEPTED,
    (S.FILED, "return"): S.CORRECTION,
    (S.ACCEPTED, "return"): S.CORRECTION,
    (S.ACCEPTED, "register"): S.REGISTERED,  # only below the large-contract threshold
    (S.ACCEPTED, "first_review"): S.SECOND_REVIEW,  # only for large contracts
    (S.ACCEPTED, "refuse"): S.REFUSED,
    (S.SECOND_REVIEW, "register"): S.REGISTERED,  # by a different official
    (S.SECOND_REVIEW, "return"): S.CORRECTION,
    (S.SECOND_REVIEW, "refuse"): S.REFUSED,
    (S.REGISTERED, "amend"): S.REGISTERED,
    (S.REGISTERED, "cancel"): S.CANCELLED,
}

# States in which the office's review clock runs.
UNDER_REVIEW = (S.FILED, S.ACCEPTED, S.SECOND_REVIEW)
# States in which the seller side may still edit the contract.
EDITABLE = (S.DRAFT, S.CORRECTION)

# Guards, side effects and the history row are registered in services.py.
WORKFLOW = Workflow(ACTIONS, TRANSITIONS, error=ContractError)
next_state = WORKFLOW.next_state


def actions_from(state: str, parties) -> list[Action]:
    """Buttons for someone acting as `parties` (one or several) on a contract in `state`."""
    return WORKFLOW.available(state, parties)


EVENT_LABELS = {"create": "创建草稿", "edit": "修改", "attach": "上传附件", "detach": "删除附件",
                "deadline": "办结期限调整", "amend_apply": "申请变更登记", "amend_review": "变更初审通过",
                "amend_refuse": "不予变更", "amend_withdraw": "撤回变更申请",
                "payment_plan": "付款计划", "payment": "登记到账", "payment_void": "作废到账",
                **{name: a.label for name, a in ACTIONS.items()}}
