"""Installs after-care: the flow, buttons, /aftercare, answer intents, settings words, the tick, the hooks."""

from __future__ import annotations

from datetime import datetime

from services.aftercare import texts
from services.aftercare.context import build_context
from services.aftercare.dialogue import AftercareDialogue
from services.aftercare.hooks import AftercareHooks, erase
from services.aftercare.runner import CheckinRunner
from services.context import FeatureContext
from services.dialogue.menus import MENU_AFTERCARE
from services.events import CRISIS_RECOGNISED, HANDOFF_ENQUEUED
from services.privacy.erasure import ERASERS

ENROL_HOOK = "aftercare.enrol"  # (uow, events, person_id, now, counsellor_name) -> None: the consent question
RUNNER_HOOK = "aftercare.runner"  # the CheckinRunner (benchmarks, tests)
CONTEXT_HOOK = "aftercare.context"  # the AftercareContext (plans, settings) for the CLI and reports
HOOKS_HOOK = "aftercare.hooks"  # the AftercareHooks: `offer(uow, person_id, now, by=...)` for the CLI


def install(ctx: FeatureContext) -> None:
    aftercare = build_context(ctx.events)
    dialogue = AftercareDialogue(aftercare, ctx.router, ctx.knowledge)
    hooks = AftercareHooks(aftercare, dialogue)
    runner = CheckinRunner(aftercare, ctx.uow_factory)

    ctx.router.register_flow(dialogue)
    ctx.router.register_payload(texts.PREFIX, dialogue.button)
    ctx.router.register_payload(MENU_AFTERCARE, dialogue.ask_aftercare)
    ctx.router.register_command("aftercare", dialogue.command)
    ctx.router.register_intent("ask_aftercare", dialogue.ask_aftercare)
    ctx.router.register_intent("feeling_ok", dialogue.typed_answer(texts.OK))
    ctx.router.register_intent("report_craving", dialogue.typed_answer(texts.CRAVING))
    ctx.router.register_intent("report_relapse", dialogue.typed_answer(texts.RELAPSE))
    ctx.router.register_interceptor(hooks.intercept)
    ctx.events.subscribe(HANDOFF_ENQUEUED, hooks.on_handoff)
    ctx.events.subscribe(CRISIS_RECOGNISED, hooks.on_crisis)

    def tick(now: datetime) -> None:
        runner.tick(now)

    ctx.ticks.append(tick)
    ctx.extensions[ENROL_HOOK] = hooks.enrol_offer
    ctx.extensions[RUNNER_HOOK] = runner
    ctx.extensions[CONTEXT_HOOK] = aftercare
    ctx.extensions[HOOKS_HOOK] = hooks
    if erase not in ERASERS:
        ERASERS.append(erase)
