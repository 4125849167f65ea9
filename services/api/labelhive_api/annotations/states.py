"""The review state machine: the one table that says which action moves an annotation from which state.

Pure logic (no database): the services ask `transition()` before they write, and the table is what
`services/api/README.md` documents. A draft lives in the `annotation_draft` table until its first submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from labelhive_api.errors import Conflict, Forbidden


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REWORK = "rework"


class Action(StrEnum):
    SUBMIT = "submit"  # the annotator's first submission (the draft becomes an annotation)
    SAVE = "save"  # a new version of the shapes
    ACCEPT = "accept"
    REJECT = "reject"
    REWORK = "rework"  # the annotator takes rejected work back
    RESUBMIT = "resubmit"  # reworked shapes go back to review
    REOPEN = "reopen"  # a reviewer or manager takes an accepted annotation back, saying why


class Actor(StrEnum):
    OWNER = "owner"  # the annotation's annotator
    REVIEWER = "reviewer"  # a reviewer or manager who is not its annotator


@dataclass(frozen=True)
class Rule:
    action: Action
    source: State
    target: State
    actors: frozenset[Actor]
    needs_reason: bool = False


_OWNER = frozenset({Actor.OWNER})
_REVIEWER = frozenset({Actor.REVIEWER})
_BOTH = frozenset({Actor.OWNER, Actor.REVIEWER})

# Writes to an accepted annotation are refused: a reviewer or manager reopens it first (who and why are
# recorded), which sends it to rework, and the annotator's next save puts it back in review.
RULES: tuple[Rule, ...] = (
    Rule(Action.SUBMIT, State.DRAFT, State.SUBMITTED, _OWNER),
    Rule(Action.SAVE, State.SUBMITTED, State.SUBMITTED, _BOTH),
    Rule(Action.ACCEPT, State.SUBMITTED, State.ACCEPTED, _REVIEWER),
    Rule(Action.REJECT, State.SUBMITTED, State.REJECTED, _REVIEWER, needs_reason=True),
    Rule(Action.SAVE, State.REJECTED, State.REJECTED, _REVIEWER),
    Rule(Action.REWORK, State.REJECTED, State.REWORK, _OWNER),
    Rule(Action.SAVE, State.REWORK, State.REWORK, _REVIEWER),
    Rule(Action.RESUBMIT, State.REWORK, State.SUBMITTED, _OWNER),
    Rule(Action.REOPEN, State.ACCEPTED, State.REWORK, _REVIEWER, needs_reason=True),
)

_BY_KEY = {(rule.source, rule.action): rule for rule in RULES}


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "This action is not allowed in the annotation's current state"


class OwnAnnotation(Forbidden):
    code = "own_annotation"
    title = "Nobody reviews their own annotation"


def allowed_actions(state: str, actor: Actor | None = None) -> list[str]:
    """The actions the table allows from `state` (for `actor` when given), in table order."""
    return [r.action.value for r in RULES if r.source == state and (actor is None or actor in r.actors)]


def transition(state: str, action: Action, actor: Actor) -> State:
    """The state `action` leads to from `state`, or 409 `invalid_transition` naming the current state.

    An action that exists for this state but not for this actor is a 403 (`own_annotation` for a
    reviewer's decision on their own work, else `forbidden`)."""
    rule = _BY_KEY.get((State(state), action))
    if rule is None:
        raise InvalidTransition(
            f"cannot {action.value} an annotation that is {state}",
            current_state=state,
            action=action.value,
            allowed_actions=allowed_actions(state, actor),
        )
    if actor not in rule.actors:
        if actor is Actor.OWNER and rule.actors == _REVIEWER:
            raise OwnAnnotation(f"you cannot {action.value} your own annotation", action=action.value)
        raise Forbidden(f"only the annotator may {action.value} this annotation", code="not_your_annotation")
    return rule.target


def save_path(state: str, actor: Actor) -> list[tuple[Action, State]]:
    """The transitions a write of new shapes makes: the annotator's save of rejected work takes it back
    (rework) and resubmits it in one request; every step is checked against the table."""
    if actor is Actor.OWNER and state == State.REJECTED:
        steps = [Action.REWORK, Action.RESUBMIT]
    elif actor is Actor.OWNER and state == State.REWORK:
        steps = [Action.RESUBMIT]
    else:
        steps = [Action.SAVE]
    path: list[tuple[Action, State]] = []
    for step in steps:
        state = transition(state, step, actor)
        path.append((step, state))
    return path
