"""State machines as data, shared by listings, contracts and matches.

A workflow is a table (state, action) → next state plus, per action, the parties
that may take it and whether a reason is required. `Workflow.apply` is the one
way to move an object along its table: every workflow supplies only its table,
which parties an actor plays on an object, its guards and side effects, and the
factory of its history rows (registered like Flask-Login's user_loader).
"""
from dataclasses import dataclass, field

from marketplace.errors import DomainError
from models import db


@dataclass(frozen=True)
class Action:
    """One step as offered to a user."""

    name: str
    label: str
    parties: tuple[str, ...]
    reason_required: bool = False
    style: str = "primary"


@dataclass
class Step:
    """One transition under way, as the hooks see it; `before` may change `target` and `reason`."""

    obj: object
    action: Action
    actor: object
    reason: str
    source: object
    target: object
    parties: set[str]
    options: dict = field(default_factory=dict)


def _nobody(actor, obj) -> set[str]:
    return set()


def _no_hook(step: Step) -> None:
    return None


class Workflow:
    """The transition table of one kind of object, and the one transition that follows it."""

    def __init__(self, actions: dict[str, Action], transitions: dict[tuple, str],
                 error: type[DomainError] = DomainError):
        unknown = {action for _state, action in transitions} - set(actions)
        if unknown:
            raise ValueError(f"transitions name unknown actions: {sorted(unknown)}")
        self.actions = actions
        self.transitions = transitions
        self.error = error
        self._parties, self._record = _nobody, None
        self._before, self._after = _no_hook, _no_hook

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

    # Hooks, registered by the services module of each workflow (each returns the function unchanged).
    def parties(self, func):
        """Register `func(actor, obj) -> set of parties` the actor plays on the object."""
        self._parties = func
        return func

    def history(self, func):
        """Register `func(obj, action, actor, from_status, comment)` that adds one history row."""
        self._record = func
        return func

    def before(self, func):
        """Register `func(step)`: guards (raise `error`) and changes made before the state moves."""
        self._before = func
        return func

    def after(self, func):
        """Register `func(step)`: what follows a stored step (search index, messages)."""
        self._after = func
        return func

    def apply(self, obj, action_name: str, actor, reason: str = "", **options):
        """Move `obj` by `action_name` for `actor`, recording who, when and why; flushes, never commits."""
        if self._record is None:
            raise RuntimeError("no history row registered for this workflow (import its services module)")
        action = self.actions.get(action_name)
        target = self.next_state(obj.status, action_name)
        if action is None or target is None:
            raise self.error("当前状态下不能执行该操作。")
        parties = self._parties(actor, obj) & set(action.parties)
        if not parties:
            raise self.error("您无权执行该操作。")
        reason = (reason or "").strip()
        if action.reason_required and not reason:
            raise self.error(f"{action.label}必须填写原因。")
        step = Step(obj, action, actor, reason, obj.status, target, parties, options)
        self._before(step)
        obj.status = step.target
        self._record(obj, action.name, actor, step.source, step.reason)
        self._after(step)
        db.session.flush()
        return obj
