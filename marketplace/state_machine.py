"""State machines as data, shared by listings, contracts and matches.

A workflow is a table (state, action) → next state plus, per action, the parties
that may take it and whether a reason is required. Services check the table and
store one history row per step; views offer the actions the table allows.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """One step as offered to a user."""

    name: str
    label: str
    parties: tuple[str, ...]
    reason_required: bool = False
    style: str = "primary"


class Workflow:
    """The transition table of one kind of object."""

    def __init__(self, actions: dict[str, Action], transitions: dict[tuple, str]):
        unknown = {action for _state, action in transitions} - set(actions)
        if unknown:
            raise ValueError(f"transitions name unknown actions: {sorted(unknown)}")
        self.actions = actions
        self.transitions = transitions

    def next_state(self, state, action: str):
        """The state after `action`, or None when the table does not allow it from `state`."""
        return self.transitions.get((state, action))

    def allowed_parties(self, state, action: str) -> tuple[str, ...]:
        """Who may take `action` from `state` (empty when nobody may)."""
        return self.actions[action].parties if self.next_state(state, action) is not None else ()

    def available(self, state, parties) -> list[Action]:
        """The actions someone acting as any of `parties` may take from `state`, in table order."""
        parties = {parties} if isinstance(parties, str) else set(parties)
        return [self.actions[a] for (s, a) in self.transitions if s == state and parties & set(self.actions[a].parties)]
