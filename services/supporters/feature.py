"""Installs the supporters: the supporter's desk, the person's /supporter and buttons, /assign, alerts, ticks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.context import FeatureContext
from services.events import AFTERCARE_ESCALATED
from services.handoff.core import DESK_COMMAND_HELP, DESK_COMMANDS
from services.i18n import _
from services.menus import STAFF_MENUS
from services.privacy.erasure import ERASERS
from services.supporters import person, texts
from services.supporters.alerts import AlertTimer, on_escalated
from services.supporters.assignments import erase
from services.supporters.core import Supporters
from services.supporters.desk import SupporterDesk
from services.supporters.menu import supporter_menus
from services.supporters.repository import SUPPORTER_ACCOUNT
from services.supporters.settings import SupporterSettings
from services.supporters.staff import assign_command, scenario_assign, scenario_setup
from services.supporters.summary import SummaryTimer
from storage.uow import UnitOfWork

SUPPORTERS = "supporters"  # ctx.extensions[SUPPORTERS]: the feature's Supporters (settings), for the CLI


def install(ctx: FeatureContext) -> None:
    """Needs the handoff and after-care features installed before it."""
    sp = Supporters(SupporterSettings(), ctx.events, ctx.extensions)
    ctx.router.register_interceptor(SupporterDesk(sp))
    ctx.router.register_absence_probe(SUPPORTER_ACCOUNT)
    ctx.router.register_command("supporter", person.command)
    ctx.router.register_payload(texts.PERSON_PREFIX, person.button)
    ctx.router.register_pattern(person.STOP_PATTERN, person.stop)
    ctx.router.register_pattern(person.SHOW_PATTERN, person.show)

    def escalated(uow: UnitOfWork, person_id: int, reason: str, now: datetime, **extra: Any) -> None:
        on_escalated(sp, uow, person_id, reason, now, **extra)

    ctx.events.subscribe(AFTERCARE_ESCALATED, escalated)
    ctx.ticks.append(AlertTimer(sp, ctx.uow_factory))
    ctx.ticks.append(SummaryTimer(sp, ctx.uow_factory))
    ctx.extensions.setdefault(DESK_COMMANDS, {})["assign"] = assign_command(sp)
    ctx.extensions.setdefault(DESK_COMMAND_HELP, {})["assign"] = lambda: _("propose an after-care supporter")
    ctx.extensions.setdefault(STAFF_MENUS, []).append(supporter_menus)
    ctx.extensions["scenario.setup.supporters"] = scenario_setup(sp, ctx.uow_factory, ctx.clock)
    ctx.extensions["scenario.do.supporters.assign"] = scenario_assign(sp, ctx.uow_factory, ctx.clock)
    ctx.extensions[SUPPORTERS] = sp
    if erase not in ERASERS:
        ERASERS.append(erase)
