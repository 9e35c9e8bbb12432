"""The deal pipeline as data: (state, action) → (next state, who may act).

已推荐 → 已对接 (both parties accepted) → 洽谈中 → 已签约 / 未成交. Either party may
decline at any open step; the broker may close a deal as 未成交. Both need a reason.
"""
from dataclasses import dataclass

from models import MatchStatus as S

BROKER = "broker"  # the match's own broker
NEED_SIDE = "need_side"  # a publishing member of the need's organisation
RESULT_SIDE = "result_side"  # a publishing member of the result's organisation
PARTIES = (NEED_SIDE, RESULT_SIDE)
EVERYONE = (BROKER,) + PARTIES


@dataclass(frozen=True)
class Action:
    """One pipeline step as offered to the user."""

    name: str
    label: str
    reason_required: bool = False
    style: str = "primary"


ACTIONS = {
    "propose": Action("propose", "推荐对接"),
    "answer": Action("answer", "直接响应需求"),
    "accept": Action("accept", "接受对接", style="success"),
    "decline": Action("decline", "拒绝/退出", reason_required=True, style="outline-danger"),
    "start_talks": Action("start_talks", "进入洽谈"),
    "sign": Action("sign", "确认已签约", style="success"),
    "close": Action("close", "标记未成交", reason_required=True, style="outline-secondary"),
}

# (state, action) → (next state, parties allowed). None is "no match yet".
TRANSITIONS = {
    (None, "propose"): (S.PROPOSED, (BROKER,)),
    (None, "answer"): (S.PROPOSED, (RESULT_SIDE,)),
    # Each side accepts once; the match becomes 已对接 when both have (see services.accept).
    (S.PROPOSED, "accept"): (S.INTRODUCED, PARTIES),
    (S.PROPOSED, "decline"): (S.FAILED, PARTIES),
    (S.PROPOSED, "close"): (S.FAILED, (BROKER,)),
    (S.INTRODUCED, "start_talks"): (S.NEGOTIATING, EVERYONE),
    (S.INTRODUCED, "decline"): (S.FAILED, PARTIES),
    (S.INTRODUCED, "close"): (S.FAILED, (BROKER,)),
    (S.NEGOTIATING, "sign"): (S.SIGNED, EVERYONE),
    (S.NEGOTIATING, "decline"): (S.FAILED, PARTIES),
    (S.NEGOTIATING, "close"): (S.FAILED, (BROKER,)),
}


def next_state(state: str | None, action: str) -> str | None:
    """The state after `action`, or None when the action is not allowed from `state`."""
    entry = TRANSITIONS.get((state, action))
    return entry[0] if entry else None


def allowed_parties(state: str | None, action: str) -> tuple:
    """Who may take `action` from `state` (empty when nobody may)."""
    entry = TRANSITIONS.get((state, action))
    return entry[1] if entry else ()


def available_actions(state: str, parties: set) -> list[Action]:
    """Buttons for a user acting as `parties` on a match in `state`."""
    return [ACTIONS[a] for (s, a), (_next, who) in TRANSITIONS.items() if s == state and parties & set(who)]
