"""Workflows are data: an ordered list of step names, checked against the steps that exist.

Later the signed central config supplies these lists; the built-in ones are the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.steps import STEPS


class WorkflowError(ValueError):
    pass


@dataclass(frozen=True)
class Workflow:
    name: str
    steps: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise WorkflowError(f"workflow {self.name!r} has no steps")
        unknown = [s for s in self.steps if s not in STEPS]
        if unknown:
            raise WorkflowError(f"workflow {self.name!r}: unknown steps {unknown}")
        if len(set(self.steps)) != len(self.steps):
            raise WorkflowError(f"workflow {self.name!r}: a step appears twice")
        if self.steps[-1] != "done":
            raise WorkflowError(f"workflow {self.name!r} must end with 'done'")
        _check_second_visit(self)


# A second visit's steps need the registration found first, and it must be shown (proof or
# check: what the record's hash covers) before it is signed.
_NEEDS_CANDIDATE = ("proof", "pledge", "print_form")


def _check_second_visit(workflow: Workflow) -> None:
    steps = workflow.steps
    if "candidate" not in steps:
        needing = [s for s in _NEEDS_CANDIDATE if s in steps]
        if needing:
            raise WorkflowError(f"workflow {workflow.name!r}: {needing} need 'candidate' first")
        return
    after = steps[steps.index("candidate") + 1:]
    shown = [s for s in ("proof", "check") if s in after]
    if not shown or "sign" not in after or after.index("sign") < after.index(shown[0]):
        raise WorkflowError(f"workflow {workflow.name!r}: after 'candidate' the data must be"
                            " shown ('proof' or 'check') and then signed ('sign')")


BUILT_IN: dict[str, Workflow] = {
    # A candidate's first visit: identity, photo, check, sign, login card.
    "collect": Workflow("collect", ("card", "identity", "photo", "check", "sign", "print", "done")),
    # The gaokao's second visit: the online data as a proof table, signed, the registration
    # form (报名登记表) printed on A4.
    "confirm": Workflow("confirm", ("card", "identity", "candidate", "proof", "sign", "print_form",
                                    "done")),
    # The adult exam's on-site confirmation: at the point chosen online, photo, the pledge
    # copied by hand, check, sign, the flow sheet (报名流程表) printed on A4.
    "adult-confirm": Workflow("adult-confirm", ("card", "identity", "candidate", "photo", "pledge",
                                                "check", "sign", "print_form", "done")),
    # Staff enter the document by hand (kiosk.core.exception_cases); a supervisor approves
    # the signed record before it is sealed.
    "exception": Workflow(
        "exception", ("entry", "photo", "check", "sign", "approve", "print", "done")),
    # A candidate who cannot come: staff enter the data and read it back by phone; the photo
    # and the signature follow when the candidate comes to verify the card.
    "exception-absent": Workflow(
        "exception-absent", ("entry", "check", "phone", "approve", "print", "done")),
    # Migrant workers' children: the card is read; the county's qualification form is printed.
    "migrant": Workflow(
        "migrant", ("card", "identity", "photo", "check", "sign", "form", "print", "done")),
}


def get_workflow(name: str) -> Workflow:
    try:
        return BUILT_IN[name]
    except KeyError:
        raise WorkflowError(f"no workflow named {name!r}") from None
