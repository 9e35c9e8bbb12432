"""The listing life cycle as data: (state, action) → (next state, who may act)."""
from marketplace.errors import DomainError
from marketplace.state_machine import Action, Workflow
from models import ListingStatus as S

OWNER = "owner"  # a publishing member of the listing's organisation
REVIEWER = "reviewer"  # an official whose region covers the listing, or an admin


class WorkflowError(DomainError):
    """An action that is not allowed; the message is shown to the user."""


ACTIONS = {
    "submit": Action("submit", "提交审核", (OWNER,)),
    "recall": Action("recall", "撤回审核", (OWNER,)),
    "approve": Action("approve", "审核通过", (REVIEWER,)),
    "return": Action("return", "退回修改", (REVIEWER,), reason_required=True),
    "withdraw": Action("withdraw", "下架", (OWNER,)),
    "take_down": Action("take_down", "强制下架", (REVIEWER,), reason_required=True),
    "revise": Action("revise", "修改后重新提交", (OWNER,)),
}

TRANSITIONS = {
    (S.DRAFT, "submit"): S.PENDING,
    (S.RETURNED, "submit"): S.PENDING,
    (S.WITHDRAWN, "submit"): S.PENDING,
    (S.PENDING, "recall"): S.DRAFT,
    (S.PENDING, "approve"): S.PUBLISHED,
    (S.PENDING, "return"): S.RETURNED,
    (S.PUBLISHED, "withdraw"): S.WITHDRAWN,
    (S.PUBLISHED, "take_down"): S.WITHDRAWN,
    # Editing a published listing sends it back to review.
    (S.PUBLISHED, "revise"): S.PENDING,
}

# Guards, side effects and the history row are registered in services.py.
WORKFLOW = Workflow(ACTIONS, TRANSITIONS, error=WorkflowError)
next_state = WORKFLOW.next_state


def available_actions(state: str, party: str) -> list[Action]:
    """Buttons to show: actions allowed from `state` for `party` (edits excluded)."""
    return [a for a in WORKFLOW.available(state, party) if a.name != "revise"]
