"""Installs the handoff: the counsellors' desk, the person's queue and relay, the timeouts, the hooks."""

from __future__ import annotations

from datetime import datetime

from services.context import FeatureContext
from services.events import HANDOFF_ENQUEUED
from services.handoff.admin import scenario_counsellors
from services.handoff.callback import CallbackFlow
from services.handoff.core import Handoff, OutboxMessenger, Repos
from services.handoff.desk import Desk
from services.handoff.erasure import erase_handoffs
from services.handoff.gate import Gate
from services.handoff.menu import counsellor_menus
from services.handoff.notify import notify_waiting
from services.handoff.person import PersonSide
from services.handoff.relay import RelayFlow
from services.handoff.repository import ACTIVE_CONVERSATION, COUNSELLOR_ACCOUNT
from services.handoff.settings import HandoffSettings
from services.handoff.timeouts import Timeouts
from services.menus import STAFF_MENUS
from services.privacy.erasure import ERASERS
from storage.handoff_models import HandoffEventKind
from storage.models import HandoffRequest, HandoffStatus
from storage.uow import UnitOfWork

SCENARIO_COUNSELLORS = "scenario.counsellors"  # the simulator's hook (bot/simulator.py COUNSELLORS_HOOK)
HANDOFF = "handoff"  # ctx.extensions[HANDOFF]: the feature's Handoff (settings), for the CLI


def on_enqueued(uow: UnitOfWork, request: HandoffRequest, created: bool, now: datetime) -> None:
    """A person entered the queue (or moved up in it): record it and tell the counsellors on duty."""
    if request.status != HandoffStatus.WAITING:
        return
    repos = Repos(uow)
    if created:
        repos.queue.add_event(request.id, HandoffEventKind.QUEUED, now, detail=request.reason)
    else:
        repos.queue.add_event(request.id, HandoffEventKind.RAISED, now, detail=str(request.priority))
    notify_waiting(repos, OutboxMessenger(uow, now), request, now)


def install(ctx: FeatureContext) -> None:
    h = Handoff(
        settings=HandoffSettings(),
        router=ctx.router,
        events=ctx.events,
        knowledge=ctx.knowledge,
        nlu_threshold=ctx.settings.nlu_confidence_threshold,
        extensions=ctx.extensions,
    )
    relay = RelayFlow(h)
    callback = CallbackFlow(h)
    person = PersonSide(h, relay, callback)
    ctx.router.register_flow(relay)
    ctx.router.register_flow(callback)
    ctx.router.register_interceptor(Gate(h, Desk(h), person))
    ctx.router.register_absence_probe(COUNSELLOR_ACCOUNT)
    ctx.router.register_absence_probe(ACTIVE_CONVERSATION)
    ctx.router.register_command("counsellor", person.counsellor_command)
    ctx.router.register_command("callback", callback.start)
    ctx.router.register_payload("handoff:", person.button)
    ctx.router.register_intent("cancel", person.cancel_intent)
    ctx.router.register_intent("affirm", person.affirm_intent)
    ctx.router.crisis.set_staffing(lambda uow: bool(Repos(uow).counsellors.on_duty()))
    ctx.events.subscribe(HANDOFF_ENQUEUED, on_enqueued)
    ctx.ticks.append(Timeouts(h, ctx.uow_factory))
    ctx.extensions[SCENARIO_COUNSELLORS] = scenario_counsellors(h, ctx.uow_factory, ctx.clock)
    ctx.extensions[HANDOFF] = h
    ctx.extensions.setdefault(STAFF_MENUS, []).append(counsellor_menus(ctx.extensions))
    if erase_handoffs not in ERASERS:
        ERASERS.append(erase_handoffs)
