"""How after-care meets the rest: settings in words before routing, the queue and crisis events, the
counsellor's /enrol and the CLI (through `enrol_offer`), and /delete."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from services.aftercare import answers, enrolment, texts
from services.aftercare.context import AftercareContext
from services.aftercare.dialogue import FLOW, TOOK_PART, AftercareDialogue
from services.aftercare.parsing import Setting, setting_asked
from services.aftercare.plan import parse_clock
from services.aftercare.repository import AftercareRepository, is_enrolled
from services.crisis.detector import CrisisSignal, detect
from services.dialogue.turn import Turn
from services.events import Events
from services.handoff.queue import Priority
from services.messaging import send_message
from services.types import MessageKind
from storage.aftercare_models import EnrolmentStatus
from storage.models import HandoffRequest
from storage.uow import UnitOfWork

REJOIN_FROM = (EnrolmentStatus.STOPPED, EnrolmentStatus.COMPLETED)
PERSON_REQUEST = "request"  # the reason services.handoff.queue.request_counsellor gives


class AftercareHooks:
    def __init__(self, ctx: AftercareContext, dialogue: AftercareDialogue) -> None:
        self._ctx = ctx
        self._dialogue = dialogue

    def intercept(self, turn: Turn) -> bool:
        """Settings asked in words by an enrolled person ("dừng nhắc", "tạm dừng 3 ngày", "đổi giờ sang 19h").

        Runs before the router's crisis check, so it steps aside for any crisis message, for commands and
        buttons, for people in another conversation, and for anyone not enrolled.
        """
        if turn.kind != MessageKind.TEXT or turn.payload is not None or not turn.text or turn.text.startswith("/"):
            return False
        if turn.state.flow not in (None, FLOW):
            return False
        asked = setting_asked(turn.text)
        if asked is None:
            return False
        row = AftercareRepository(turn.uow.session).enrolment(turn.person.id)
        if row is None or not (is_enrolled(row) or (asked is Setting.RESUME and row.status in REJOIN_FROM)):
            return False
        if detect(turn.text, turn.parse) is not None:
            return False
        self._dialogue.setting(turn, asked, row)
        return True

    def on_handoff(self, uow: UnitOfWork, request: HandoffRequest, created: bool, now: datetime, **_: Any) -> None:
        """A person asked for a counsellor in words while a check-in waits: that is the "Cần nói chuyện" answer."""
        if request.reason != PERSON_REQUEST or request.priority >= Priority.ESCALATION:
            return  # only the person's own request (not a transfer, a crisis or an escalation already)
        repo = AftercareRepository(uow.session)
        row = repo.enrolment(request.person_id)
        if row is None or not (is_enrolled(row) or row.status == EnrolmentStatus.COMPLETED):
            return
        checkin = answers.open_checkin(repo, row)
        if checkin is None:
            return
        answers.record(repo, row, checkin, texts.TALK, now)
        answers.escalate(self._ctx, uow, row, answers.REASON_TALK, now, checkin.id)

    def on_crisis(self, turn: Turn, signal: CrisisSignal, **_: Any) -> None:
        """A crisis (answered first by the crisis rules, queued at top priority) is recorded with the check-in."""
        repo = AftercareRepository(turn.uow.session)
        row = repo.enrolment(turn.person.id)
        if row is None or row.status not in TOOK_PART:
            return
        answers.record(repo, row, answers.open_checkin(repo, row), texts.CRISIS, turn.now)
        repo.add_event(row, "escalated", turn.now, value=f"crisis_{signal.kind.value}")

    def enrol_offer(
        self, uow: UnitOfWork, events: Events, person_id: int, now: datetime, counsellor_name: str | None = None
    ) -> None:
        """A counsellor's /enrol: send the person the consent question (nothing starts before their yes)."""
        self.offer(uow, person_id, now, by="counsellor", counsellor_name=counsellor_name)

    def offer(
        self, uow: UnitOfWork, person_id: int, now: datetime, *, by: str, counsellor_name: str | None = None
    ) -> None:
        """Send the consent question from outside the person's conversation (/enrol, `hotline aftercare enrol`).

        Someone already enrolled gets their settings instead. When the person is in no other conversation, a
        typed "đồng ý" answers the question too.
        """
        repo = AftercareRepository(uow.session)
        row, fresh = enrolment.offer(self._ctx, repo, person_id, by, now)
        if not fresh:
            send_message(
                uow,
                person_id,
                texts.already_enrolled_text(parse_clock(row.local_time), self._ctx.config),
                texts.settings_buttons(row.status == EnrolmentStatus.PAUSED),
                now,
            )
            return
        send_message(uow, person_id, texts.offer_text(self._ctx.config, counsellor_name), texts.offer_buttons(), now)
        state = uow.states.get_or_create(person_id, now)
        if state.flow is None:
            state.flow, state.step, state.data = FLOW, "consent", json.dumps({})
            state.updated_at = now


def erase(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """/delete: the person's after-care enrolment, check-ins, answers and events go."""
    AftercareRepository(uow.session).erase(person_id)
