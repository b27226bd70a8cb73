"""Tracked requests plug into the dialogue: the form, the status look-up, erasure and scenario staff actions."""

from __future__ import annotations

from typing import Any

from services.context import FeatureContext
from services.privacy.erasure import ERASERS
from services.requests import service
from services.requests.codes import CODE_PATTERN
from services.requests.dialogue import (
    FEEDBACK_START,
    INTENT,
    STATUS_PREFIX,
    STATUS_QUESTION,
    FeedbackFlow,
    RequestStatusDialogue,
    feedback_button,
)
from services.requests.repository import RequestRepository


def install(ctx: FeatureContext) -> None:
    flow = FeedbackFlow(ctx.router, ctx.knowledge)
    status = RequestStatusDialogue()
    ctx.router.register_flow(flow)
    ctx.router.register_intent(INTENT, flow.start)
    ctx.router.register_payload(FEEDBACK_START, flow.start)
    ctx.router.register_payload(STATUS_PREFIX, status.on_status_button)
    ctx.router.register_pattern(CODE_PATTERN, status.on_code)
    ctx.router.register_pattern(STATUS_QUESTION, status.on_status_question)
    ctx.router.register_menu_entry(feedback_button())
    if service.erase_requests not in ERASERS:
        ERASERS.append(service.erase_requests)
    _install_scenario_actions(ctx)


def _install_scenario_actions(ctx: FeatureContext) -> None:
    """`do: requests.assign` and `do: requests.set_status` steps: staff actions in a scenario.

    The request is named by `code`, or by `user` (that person's latest request, as codes are random).
    """

    def code_of(channel: str, step: dict[str, Any]) -> str:
        if step.get("code"):
            return str(step["code"])
        with ctx.uow_factory() as uow:
            person = uow.people.find(channel, str(step.get("user", "")))
            latest = RequestRepository(uow.session).for_person(person.id, 1) if person is not None else []
            if not latest:
                raise ValueError(f"{step.get('user')!r} has no request (give `code` or the `user` who sent one)")
            return latest[0].code

    def set_status(channel: str, step: dict[str, Any]) -> None:
        code = code_of(channel, step)
        with ctx.uow_factory() as uow:
            service.set_status(
                uow,
                ctx.events,
                code,
                str(step.get("status", "")),
                step.get("reply"),
                str(step.get("actor", "supervisor")),
                ctx.clock.now(),
            )
            uow.commit()

    def assign(channel: str, step: dict[str, Any]) -> None:
        code = code_of(channel, step)
        with ctx.uow_factory() as uow:
            service.assign(
                uow, ctx.events, code, str(step.get("to", "")), str(step.get("actor", "supervisor")), ctx.clock.now()
            )
            uow.commit()

    ctx.extensions["scenario.do.requests.set_status"] = set_status
    ctx.extensions["scenario.do.requests.assign"] = assign
