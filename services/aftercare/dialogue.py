"""After-care in the chat: the consent question, settings by buttons, words or /aftercare, and check-in answers.

One flow ("aftercare") keeps the step a typed answer belongs to (consent, time, pause, level, reason); every
button works with or without it, so a person in another conversation (e.g. with a counsellor) can still press
them. Text that does not fit the step leaves the flow and is handled as usual.
"""

from __future__ import annotations

from collections.abc import Callable

from services.aftercare import answers, enrolment, texts
from services.aftercare.answers import Reply
from services.aftercare.context import AftercareContext
from services.aftercare.parsing import Setting, parse_command, parse_days, parse_level, parse_time, says_not_ok
from services.aftercare.plan import parse_clock
from services.aftercare.repository import AftercareRepository, is_enrolled
from services.dialogue.menus import MENU_COUNSELLOR, MORE_PREFIX, main_menu_buttons
from services.dialogue.router import Router
from services.dialogue.turn import Turn
from services.i18n import _
from services.knowledge.base import KnowledgeBase
from services.types import Button
from storage.aftercare_models import AftercareEnrolment, EnrolmentStatus

FLOW = "aftercare"
# Enrolments that were once active: their answers are recorded even after a stop (a relapse is never lost).
TOOK_PART = (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED, EnrolmentStatus.STOPPED, EnrolmentStatus.COMPLETED)


class AftercareDialogue:
    name = FLOW

    def __init__(self, ctx: AftercareContext, router: Router, knowledge: KnowledgeBase) -> None:
        self._ctx = ctx
        self._router = router
        self._knowledge = knowledge

    # --- flow protocol ----------------------------------------------------------------------------
    def accepts_payload(self, payload: str) -> bool:
        return payload.startswith(texts.PREFIX)

    def handle(self, turn: Turn) -> None:
        if turn.payload is not None:
            self.button(turn)
            return
        step = turn.state.step
        if step == "consent":
            self._typed_consent(turn)
        elif step == "time":
            self._typed_time(turn)
        elif step == "pause":
            self._typed_pause(turn)
        elif step == "level":
            self._typed_level(turn)
        elif step == "reason":
            self._typed_reason(turn)
        else:
            self._reroute(turn)

    def _enter(self, turn: Turn, step: str, data: dict[str, int] | None = None) -> None:
        """Wait for a typed answer, unless the person is in another conversation (buttons still work)."""
        if turn.state.flow in (None, FLOW):
            turn.enter(FLOW, step, dict(data or {}))

    def _leave(self, turn: Turn) -> None:
        if turn.state.flow == FLOW:
            turn.leave_flow()

    def _reroute(self, turn: Turn) -> None:
        """The text is not an answer to the step: leave the flow and handle it as any message."""
        turn.leave_flow()
        turn.truncated = False
        self._router.route(turn)

    # --- helpers ----------------------------------------------------------------------------------
    def _repo(self, turn: Turn) -> AftercareRepository:
        return AftercareRepository(turn.uow.session)

    def _enrolment(self, turn: Turn) -> AftercareEnrolment | None:
        return self._repo(turn).enrolment(turn.person.id)

    def _say(self, turn: Turn, reply: Reply) -> None:
        turn.say(reply.text, reply.buttons)

    # --- buttons ----------------------------------------------------------------------------------
    def button(self, turn: Turn) -> None:
        parts = (turn.payload or "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        numbers = [int(p) for p in parts[2:] if p.isdigit()]
        if action == "join":
            self.offer(turn)
        elif action == "yes":
            self.accept(turn)
        elif action == "no":
            self.decline(turn)
        elif action == "menu":
            self.settings(turn)
        elif action == "time" and len(numbers) == 2:
            self._with_enrolment(turn, lambda e: self._set_time(turn, e, f"{numbers[0]:02d}:{numbers[1]:02d}"))
        elif action == "time":
            self._with_enrolment(turn, lambda e: self._ask_time(turn))
        elif action == "pause" and numbers:
            self._with_enrolment(turn, lambda e: self._pause(turn, e, numbers[0]))
        elif action == "pause":
            self._with_enrolment(turn, lambda e: self._ask_pause(turn))
        elif action == "resume":
            self._with_enrolment(turn, lambda e: self._resume(turn, e))
        elif action == "stop":
            self._with_enrolment(turn, lambda e: self._stop(turn, e))
        elif action == "why" and len(parts) == 3:
            self._reason(turn, None if parts[2] == "skip" else f"code:{parts[2]}")
        elif action == "a" and len(parts) == 4 and numbers and parts[3] in texts.ANSWERS:
            self.answer(turn, parts[3], numbers[0])
        elif action == "lvl" and len(numbers) == 2 and 0 <= numbers[1] <= 10:
            self._level(turn, numbers[0], numbers[1])
        else:
            turn.say(_("That button belongs to an old message."), main_menu_buttons())

    def _with_enrolment(self, turn: Turn, action: Callable[[AftercareEnrolment], None]) -> None:
        row = self._enrolment(turn)
        if row is None or not is_enrolled(row):
            self._leave(turn)
            turn.say(texts.not_enrolled_text(), (texts.join_button(),))
            return
        action(row)

    # --- enrolment --------------------------------------------------------------------------------
    def offer(self, turn: Turn, by: str = "self") -> None:
        repo = self._repo(turn)
        row, fresh = enrolment.offer(self._ctx, repo, turn.person.id, by, turn.now)
        if not fresh:
            self._already(turn, row)
            return
        turn.say(texts.offer_text(self._ctx.config, None), texts.offer_buttons())
        self._enter(turn, "consent")

    def accept(self, turn: Turn) -> None:
        if not turn.has_consent:
            self._leave(turn)
            self._router.require_consent(turn, texts.consent_needed_text())
            return
        row, scheduled = enrolment.accept(self._ctx, self._repo(turn), turn.person.id, turn.now)
        if scheduled is None:
            self._already(turn, row)
            return
        clock = parse_clock(row.local_time)
        if scheduled.next_due is None:
            self._leave(turn)
            turn.say(texts.resumed_text(None))
            return
        turn.say(texts.enrolled_text(scheduled.next_due, clock, self._ctx.config), texts.time_buttons(self._ctx.config))
        self._enter(turn, "time")

    def decline(self, turn: Turn) -> None:
        row = enrolment.decline(self._repo(turn), turn.person.id, turn.now)
        self._leave(turn)
        if is_enrolled(row):
            assert row is not None
            self._already(turn, row)
            return
        turn.say(texts.declined_text(), main_menu_buttons())

    def _already(self, turn: Turn, row: AftercareEnrolment) -> None:
        self._leave(turn)
        turn.say(
            texts.already_enrolled_text(parse_clock(row.local_time), self._ctx.config),
            texts.settings_buttons(row.status == EnrolmentStatus.PAUSED),
        )

    def _typed_consent(self, turn: Turn) -> None:
        intent = turn.parse.intent.name
        if intent == "affirm":
            self.accept(turn)
        elif intent == "deny":
            self.decline(turn)
        else:
            self._reroute(turn)

    # --- settings ---------------------------------------------------------------------------------
    def settings(self, turn: Turn) -> None:
        row = self._enrolment(turn)
        self._leave(turn)
        if not is_enrolled(row):
            turn.say(texts.not_enrolled_text(), (texts.join_button(),))
            return
        assert row is not None
        turn.say(
            texts.settings_text(
                row.status,
                parse_clock(row.local_time),
                enrolment.next_due(self._ctx, self._repo(turn), row),
                self._ctx.config,
            ),
            texts.settings_buttons(row.status == EnrolmentStatus.PAUSED),
        )

    def setting(self, turn: Turn, asked: Setting, row: AftercareEnrolment) -> None:
        """A setting asked in words ("đổi giờ sang 19h", "tạm dừng 3 ngày", "dừng nhắc", "tiếp tục nhắc")."""
        if asked is Setting.RESUME and row.status in (EnrolmentStatus.STOPPED, EnrolmentStatus.COMPLETED):
            self.offer(turn)
        elif asked is Setting.STOP:
            self._stop(turn, row)
        elif asked is Setting.PAUSE:
            days = parse_days(turn.text)
            self._pause(turn, row, days) if days is not None else self._ask_pause(turn)
        elif asked is Setting.RESUME:
            self._resume(turn, row)
        elif asked is Setting.TIME:
            clock = parse_time(turn.text)
            self._set_time(turn, row, clock.strftime("%H:%M")) if clock else self._ask_time(turn)
        else:
            self.settings(turn)

    def _ask_time(self, turn: Turn) -> None:
        turn.say(texts.ask_time_text(self._ctx.config), texts.time_buttons(self._ctx.config))
        self._enter(turn, "time")

    def _typed_time(self, turn: Turn) -> None:
        clock = parse_time(turn.text, bare_ok=True)
        row = self._enrolment(turn)
        if clock is None or not is_enrolled(row):
            if any(ch.isdigit() for ch in turn.text) and is_enrolled(row):
                turn.say(texts.time_unclear_text(), texts.time_buttons(self._ctx.config))
                return
            self._reroute(turn)
            return
        assert row is not None
        self._set_time(turn, row, clock.strftime("%H:%M"))

    def _set_time(self, turn: Turn, row: AftercareEnrolment, text: str) -> None:
        clock = parse_clock(text)
        config = self._ctx.config
        if not config.hours.allows_clock(clock):
            turn.say(texts.time_outside_text(config), texts.time_buttons(config))
            self._enter(turn, "time")
            return
        scheduled = enrolment.change_time(self._ctx, self._repo(turn), row, clock, turn.now)
        self._leave(turn)
        turn.say(texts.time_set_text(clock, scheduled.next_due, config))

    def _ask_pause(self, turn: Turn) -> None:
        turn.say(texts.ask_pause_text(), texts.pause_buttons(self._ctx.config))
        self._enter(turn, "pause")

    def _typed_pause(self, turn: Turn) -> None:
        days = parse_days(turn.text)
        row = self._enrolment(turn)
        if days is None or not is_enrolled(row):
            self._reroute(turn)
            return
        assert row is not None
        self._pause(turn, row, days)

    def _pause(self, turn: Turn, row: AftercareEnrolment, days: int) -> None:
        limit = self._ctx.config.max_pause_days
        if not 1 <= days <= limit:
            turn.say(texts.pause_unclear_text(limit), texts.pause_buttons(self._ctx.config))
            self._enter(turn, "pause")
            return
        scheduled = enrolment.pause(self._ctx, self._repo(turn), row, days, turn.now)
        self._leave(turn)
        turn.say(texts.paused_text(scheduled.next_due))

    def _resume(self, turn: Turn, row: AftercareEnrolment) -> None:
        self._leave(turn)
        if row.status != EnrolmentStatus.PAUSED:
            turn.say(texts.not_paused_text())
            return
        scheduled = enrolment.resume(self._ctx, self._repo(turn), row, turn.now, how="person")
        turn.say(texts.resumed_text(scheduled.next_due))

    def _stop(self, turn: Turn, row: AftercareEnrolment) -> None:
        enrolment.stop(self._repo(turn), row, turn.now)
        turn.say(texts.stopped_text(), texts.stop_reason_buttons())
        self._enter(turn, "reason")

    def _typed_reason(self, turn: Turn) -> None:
        self._reason(turn, turn.text)

    def _reason(self, turn: Turn, reason: str | None) -> None:
        row = self._enrolment(turn)
        self._leave(turn)
        if row is None or row.status != EnrolmentStatus.STOPPED:
            turn.say(texts.stopped_already_text() if row is None else texts.answer_recorded_text())
            return
        if reason:
            enrolment.record_stop_reason(self._repo(turn), row, reason, turn.now)
        turn.say(texts.reason_thanks_text())

    # --- check-in answers -------------------------------------------------------------------------
    def answer(self, turn: Turn, kind: str, checkin_id: int | None = None, level: int | None = None) -> None:
        """An answer by button (with its check-in) or in words (the open check-in, if any)."""
        repo = self._repo(turn)
        row = repo.enrolment(turn.person.id)
        if row is None or row.status not in TOOK_PART:
            self._outside_programme(turn, kind)
            return
        checkin = repo.checkin(checkin_id) if checkin_id else None
        if checkin is not None and (checkin.person_id != turn.person.id or checkin.answer is not None):
            checkin = None  # someone else's, or answered before: a new report
        if checkin is None and not checkin_id:
            checkin = answers.open_checkin(repo, row)
        reply = answers.answer(self._ctx, turn.uow, row, checkin, kind, turn.now)
        if reply.ask_level and level is not None:
            self._leave(turn)
            self._say(turn, answers.craving_level(self._ctx, turn.uow, row, checkin, level, turn.now))
            return
        self._leave(turn)
        self._say(turn, reply)
        if reply.ask_level:
            self._enter(turn, "level", {"checkin": checkin.id if checkin else 0})

    def _typed_level(self, turn: Turn) -> None:
        level = parse_level(turn.text)
        if level is None:
            if any(ch.isdigit() for ch in turn.text):
                turn.say(texts.level_unclear_text(), texts.level_buttons(int(turn.data.get("checkin", 0))))
                return
            self._reroute(turn)
            return
        self._level(turn, int(turn.data.get("checkin", 0)), level)

    def _level(self, turn: Turn, checkin_id: int, level: int) -> None:
        repo = self._repo(turn)
        row = repo.enrolment(turn.person.id)
        self._leave(turn)
        if row is None or row.status not in TOOK_PART:
            self._outside_programme(turn, texts.CRAVING)
            return
        checkin = repo.checkin(checkin_id) if checkin_id else repo.last_sent(row)
        if checkin is not None and (
            checkin.person_id != turn.person.id or checkin.answer != texts.CRAVING or checkin.craving_level is not None
        ):
            checkin = None
        self._say(turn, answers.craving_level(self._ctx, turn.uow, row, checkin, level, turn.now))

    def _not_ok(self, turn: Turn) -> None:
        """When "không ổn" was read as "ổn" by the classifier: ask what is going on instead of cheering."""
        repo = self._repo(turn)
        row = repo.enrolment(turn.person.id)
        checkin = answers.open_checkin(repo, row) if row is not None and row.status in TOOK_PART else None
        if row is None or row.status not in TOOK_PART:
            turn.say(texts.not_ok_text(), (Button(_("Talk to a counsellor"), MENU_COUNSELLOR),))
            return
        turn.say(texts.not_ok_text(), texts.checkin_buttons(checkin.id if checkin else 0)[1:])

    def _outside_programme(self, turn: Turn, kind: str) -> None:
        """The same reports from someone not in the check-ins: a kind answer and the ways to get help."""
        self._leave(turn)
        helpers = (Button(_("Talk to a counsellor"), MENU_COUNSELLOR), texts.join_button())
        if kind == texts.OK:
            turn.say(texts.outside_programme_ok_text(), main_menu_buttons())
        elif kind == texts.RELAPSE:
            turn.say(texts.outside_programme_relapse_text(), helpers)
        elif kind == texts.TALK:
            turn.say(texts.outside_programme_craving_text(), helpers)
        else:
            tips = self._ctx.content.tips
            tip = tips[(turn.person.id + turn.now.toordinal()) % len(tips)]
            turn.say(texts.tip_text(tip) + "\n\n" + texts.outside_programme_craving_text(), helpers)

    # --- intents, the menu and /aftercare ---------------------------------------------------------
    def typed_answer(self, kind: str) -> Callable[[Turn], None]:
        def handler(turn: Turn) -> None:
            if kind == texts.OK and says_not_ok(turn.text):
                self._not_ok(turn)
                return
            level = parse_level(turn.text, explicit_only=True) if kind == texts.CRAVING else None
            self.answer(turn, kind, level=level)

        return handler

    def ask_aftercare(self, turn: Turn) -> None:
        """The after-care answer, with a button to join the check-ins (or to change them)."""
        answer = self._knowledge.get("ask_aftercare")
        row = self._enrolment(turn)
        first = Button(_("My check-in settings"), texts.MENU) if is_enrolled(row) else texts.join_button()
        buttons = [first]
        if answer is not None and answer.more:
            buttons.append(Button(_("Read more"), MORE_PREFIX + "ask_aftercare"))
        buttons.append(Button(_("Talk to a counsellor"), MENU_COUNSELLOR))
        if answer is None:
            text = texts.offer_text(self._ctx.config, None)
        else:
            text = answer.text_for(turn.entities() if turn.text else {})
        turn.say(text, tuple(buttons))

    def command(self, turn: Turn) -> None:
        """/aftercare [join|yes|no|time HH:MM|pause N|resume|stop|ok|craving|relapse|talk|level N]."""
        command = parse_command(turn.text)
        action, argument = command.action, command.argument
        if action in ("", "settings", "menu"):
            self.settings(turn) if is_enrolled(self._enrolment(turn)) else self.offer(turn)
        elif action == "join":
            self.offer(turn)
        elif action == "yes":
            self.accept(turn)
        elif action == "no":
            self.decline(turn)
        elif action == "time":
            clock = parse_time(argument, bare_ok=True) if argument else None
            self._with_enrolment(
                turn,
                lambda e: self._set_time(turn, e, clock.strftime("%H:%M")) if clock else self._ask_time(turn),
            )
        elif action == "pause":
            days = parse_days(argument) if argument else None
            self._with_enrolment(turn, lambda e: self._pause(turn, e, days) if days else self._ask_pause(turn))
        elif action == "resume":
            self._with_enrolment(turn, lambda e: self._resume(turn, e))
        elif action == "stop":
            self._with_enrolment(turn, lambda e: self._stop(turn, e))
        elif action in texts.ANSWERS:
            self.answer(turn, action)
        elif action == "level" and parse_level(argument) is not None:
            level = parse_level(argument)
            assert level is not None
            self._level(turn, 0, level)
        else:
            turn.say(
                _(
                    "You can use: /aftercare (your settings), /aftercare join, /aftercare time 19:00, "
                    "/aftercare pause 7, /aftercare resume, /aftercare stop."
                )
            )
