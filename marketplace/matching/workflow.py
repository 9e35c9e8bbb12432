"""The deal pipeline as data: (state, action) → (next state, who may act).

已推荐 → 已对接 (both parties accepted) → 洽谈中 → 已签约 / 未成交. Either party may
decline at any open step; the broker may close a deal as 未成交. Both need a reason.
"""
from marketplace.errors import DomainError
from marketplace.state_machine import Action, Workflow
from models import MatchStatus as S

BROKER = "broker"  # the match's own broker
NEED_SIDE = "need_side"  # a publishing member of the need's organisation
RESULT_SIDE = "result_side"  # a publishing member of the result's organisation
PARTIES = (NEED_SIDE, RESULT_SIDE)
EVERYONE = (BROKER,) + PARTIES


class MatchError(DomainError):
    """A refused pipeline operation; the message is shown to the user."""


ACTIONS = {
    "propose": Action("propose", "推荐对接", (BROKER,)),
    "answer": Action("answer", "直接响应需求", (RESULT_SIDE,)),
    "accept": Action("accept", "接受对接", PARTIES, style="success"),
    "decline": Action("decline", "拒绝/退出", PARTIES, reason_required=True, style="outline-danger"),
    "start_talks": Action("start_talks", "进入洽谈", EVERYONE),
    "sign": Action("sign", "确认已签约", EVERYONE, style="success"),
    "close": Action("close", "标记未成交", (BROKER,), reason_required=True, style="outline-secondary"),
}

# (state, action) → next state; who may act is on the action. None is "no match yet".
TRANSITIONS = {
    (None, "propose"): S.PROPOSED,
    (None, "answer"): S.PROPOSED,
    # Each side accepts once; the match becomes 已对接 when both have (see services.accept).
    (S.PROPOSED, "accept"): S.INTRODUCED,
    (S.PROPOSED, "decline"): S.FAILED,
    (S.PROPOSED, "close"): S.FAILED,
    (S.INTRODUCED, "start_talks"): S.NEGOTIATING,
    (S.INTRODUCED, "decline"): S.FAILED,
    (S.INTRODUCED, "close"): S.FAILED,
    (S.NEGOTIATING, "sign"): S.SIGNED,
    (S.NEGOTIATING, "decline"): S.FAILED,
    (S.NEGOTIATING, "close"): S.FAILED,
}

# Guards, side effects and the history row are registered in services.py.
WORKFLOW = Workflow(ACTIONS, TRANSITIONS, error=MatchError)
next_state = WORKFLOW.next_state
allowed_parties = WORKFLOW.allowed_parties


def available_actions(state: str, parties: set) -> list[Action]:
    """Buttons for a user acting as `parties` on a match in `state`."""
    return WORKFLOW.available(state, parties)
