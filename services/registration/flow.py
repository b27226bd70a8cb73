"""The registration conversation: consent by button, one question at a time, summary, edit, submit.

Reading each answer is in `answers`; the words said are in `prompts`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from services.crisis.detector import CrisisSignal
from services.dialogue.menus import main_menu_buttons
from services.dialogue.router import Router
from services.dialogue.turn import Turn
from services.i18n import _
from services.registration import prompts as p
from services.registration.answers import TAKERS, province_of, skipped
from services.registration.form import Form
from services.registration.parsers import (
    Invalid,
    folded_words,
    match_keywords,
)
from services.registration.places import (
    province_by_name,
)
from services.registration.service import FLOW, collect_suggestions, repo, submit

log = logging.getLogger(__name__)

CONSENT = "consent"
SUMMARY = "summary"
EDIT = "edit"
CANCEL_CONFIRM = "cancel_confirm"
CONFIDENT = 0.8
NAME_FIELDS = frozenset({"full_name", "rep_name"})
OPTIONAL_FIELDS = frozenset({"citizen_id", "note"})
# Confident intents that mean "a question, not an answer": answered, then the form question comes back.
QUESTIONS = frozenset({"help", "bot_challenge", "check_registration_status", "request_counsellor", "ask_cost"})
EDIT_WORDS: dict[str, tuple[str, ...]] = {
    "for_whom": ("dang ky cho", "nguoi dang ky", "cho ai"),
    "full_name": ("ten", "ho ten", "ho va ten"),
    "birth": ("ngay sinh", "tuoi", "nam sinh"),
    "rep_name": ("dai dien", "nguoi dai dien"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "so"),
    "province": ("tinh", "thanh pho", "tinh thanh"),
    "ward": ("xa", "phuong", "xa phuong"),
    "substances": ("chat", "ma tuy", "chat da dung"),
    "treatment_form": ("hinh thuc",),
    "contact_time": ("gio goi", "thoi gian", "luc goi", "gio"),
    "citizen_id": ("cccd", "can cuoc", "cmnd"),
    "note": ("ghi chu",),
}


class RegistrationFlow:
    name = FLOW

    def __init__(self, router: Router) -> None:
        self._router = router

    def accepts_payload(self, payload: str) -> bool:
        return payload.startswith(p.PREFIX)

    # --- entering ---------------------------------------------------------------------------------
    def start(self, turn: Turn) -> None:
        """From the menu, the register_treatment intent or a follow-up button."""
        reason = _("To register, I first need your agreement to store this conversation.")
        if not self._router.require_consent(turn, reason):
            return
        if repo(turn.uow).draft(turn.person.id) is not None:
            self.resume(turn)
            return
        current = turn.entities() if turn.text else {}
        form = Form(suggestions=collect_suggestions(turn.uow, turn.person.id, turn.now, current))
        turn.enter(self.name, CONSENT)
        self._save(turn, form, CONSENT)
        turn.say(*p.notice())
        log.info("registration started", extra={"person": turn.person.id, "suggested": len(form.suggestions)})

    def resume(self, turn: Turn) -> None:
        draft = repo(turn.uow).draft(turn.person.id)
        if draft is None:
            self.start(turn)
            return
        form = Form.from_json(json.loads(draft.data or "{}"))
        form.meta.pop("paused", None)
        step = draft.step if draft.step != CANCEL_CONFIRM else str(form.meta.get("resume_step", CONSENT))
        turn.enter(self.name, step)
        turn.say(_("Let us continue your registration where we left off."))
        self._ask(turn, form, step)
        self._save(turn, form, step)

    def discard(self, turn: Turn) -> None:
        repo(turn.uow).delete_draft(turn.person.id)
        if turn.state.flow == self.name:
            turn.leave_flow()
        turn.say(_("The unfinished form has been deleted."), main_menu_buttons())

    def welcome_back(self, turn: Turn) -> None:
        """/start while the form is open: show where we are."""
        draft = repo(turn.uow).draft(turn.person.id)
        if draft is None:
            turn.leave_flow()
            self._router.show_main_menu(turn)
            return
        form = Form.from_json(json.loads(draft.data or "{}"))
        turn.say(_("Welcome back! We were in the middle of your registration (/cancel to stop)."))
        self._ask(turn, form, draft.step)

    def ask_cancel(self, turn: Turn) -> None:
        """/cancel while the form is open: keep the answers, delete them, or go on."""
        draft = repo(turn.uow).draft(turn.person.id)
        if draft is None:
            turn.leave_flow()
            self._router.show_main_menu(turn, _("Stopped. What would you like to do now?"))
            return
        form = Form.from_json(json.loads(draft.data or "{}"))
        if draft.step != CANCEL_CONFIRM:
            form.meta["resume_step"] = draft.step
        turn.state.step = CANCEL_CONFIRM
        turn.say(*p.cancel_question())
        self._save(turn, form, CANCEL_CONFIRM)

    def handle_crisis(self, turn: Turn, signal: CrisisSignal) -> bool:
        """The crisis is answered first, as always; the next message does not count as an answer."""
        self._router.crisis.respond(turn, signal)
        draft = repo(turn.uow).draft(turn.person.id)
        if draft is not None:
            form = Form.from_json(json.loads(draft.data or "{}"))
            form.meta["paused"] = True
            self._save(turn, form, draft.step)
        return True

    # --- every message while the form is open -----------------------------------------------------
    def handle(self, turn: Turn) -> None:
        draft = repo(turn.uow).draft(turn.person.id)
        if draft is None:
            turn.leave_flow()
            turn.say(
                _("Your unfinished registration form has expired. You can start again at any time."),
                main_menu_buttons(),
            )
            return
        form = Form.from_json(json.loads(draft.data or "{}"))
        step = self._dispatch(turn, form, draft.step)
        if step is not None:
            self._save(turn, form, step)

    def _dispatch(self, turn: Turn, form: Form, step: str) -> str | None:
        payload = turn.payload
        paused = form.meta.pop("paused", False)
        if payload is None and paused:
            turn.say(_("Whenever you are ready, let us go on with the registration (or type /cancel to stop)."))
            self._ask(turn, form, step)
            return step
        typed_cancel = payload is None and step != CANCEL_CONFIRM and self._intent(turn) == "cancel"
        if typed_cancel and step in OPTIONAL_FIELDS and skipped(turn):
            typed_cancel = False  # "thôi" / "không" to an optional question skips it
        if payload == p.CANCEL or typed_cancel:
            self.ask_cancel(turn)
            return None
        handlers: dict[str, Callable[[Turn, Form], str | None]] = {
            CONSENT: self._consent,
            CANCEL_CONFIRM: self._cancel_confirm,
            SUMMARY: self._summary,
            EDIT: self._edit,
        }
        if step in handlers:
            return handlers[step](turn, form)
        return self._field(turn, form, step)

    # --- steps ------------------------------------------------------------------------------------
    def _consent(self, turn: Turn, form: Form) -> str | None:
        if turn.payload == p.CONSENT_YES:
            form.meta["consented_at"] = turn.now.isoformat()
            log.info("registration consent given", extra={"person": turn.person.id})
            return self._next(turn, form)
        if turn.payload == p.CONSENT_NO:
            repo(turn.uow).delete_draft(turn.person.id)
            turn.leave_flow()
            turn.say(p.declined(), main_menu_buttons())
            return None
        turn.say(*p.consent_by_button_only())
        return CONSENT

    def _cancel_confirm(self, turn: Turn, form: Form) -> str | None:
        choice = turn.payload
        if choice is None:
            intent = self._intent(turn)
            choice = {"affirm": p.CANCEL_KEEP, "deny": p.CANCEL_BACK, "cancel": p.CANCEL_KEEP}.get(intent)
        resume_step = str(form.meta.get("resume_step", CONSENT))
        if choice == p.CANCEL_KEEP:
            form.meta.pop("resume_step", None)
            self._save(turn, form, resume_step)
            turn.leave_flow()
            turn.say(
                _("Stopped. I keep your answers for 7 days: type /start to continue. What would you like to do now?"),
                main_menu_buttons(),
            )
            return None
        if choice == p.CANCEL_DROP:
            repo(turn.uow).delete_draft(turn.person.id)
            turn.leave_flow()
            turn.say(_("Stopped, and your answers have been deleted."), main_menu_buttons())
            return None
        if choice == p.CANCEL_BACK:
            form.meta.pop("resume_step", None)
            self._ask(turn, form, resume_step)
            return resume_step
        turn.say(*p.cancel_question())
        return CANCEL_CONFIRM

    def _summary(self, turn: Turn, form: Form) -> str | None:
        choice = turn.payload
        if choice is None:
            folded = _folded(turn.text)
            if folded.startswith("sua") or self._intent(turn) == "deny":
                choice = p.EDIT
            elif folded.startswith(("xac nhan", "gui", "dong y")) or self._intent(turn) == "affirm":
                choice = p.CONFIRM
        if choice == p.CONFIRM:
            registration = submit(turn.uow, turn.person.id, form, turn.now)
            turn.leave_flow()
            turn.say(p.next_steps(registration.code, form), main_menu_buttons())
            return None
        if choice == p.EDIT:
            key = match_keywords(turn.text, EDIT_WORDS) if turn.payload is None else None
            if key is not None:
                return self._edit_field(turn, form, key)
            turn.say(*p.edit_choices(form))
            return EDIT
        turn.say(*p.summary(form))
        return SUMMARY

    def _edit(self, turn: Turn, form: Form) -> str | None:
        key: str | None = None
        if turn.payload and turn.payload.startswith(p.FIELD):
            key = turn.payload[len(p.FIELD) :]
        elif turn.payload is None:
            key = match_keywords(turn.text, EDIT_WORDS)
        if key not in EDIT_WORDS:
            turn.say(*p.edit_choices(form))
            return EDIT
        return self._edit_field(turn, form, key)

    def _edit_field(self, turn: Turn, form: Form, key: str) -> str:
        """Forget one answer (and those depending on it); the questions come again, then the summary."""
        if key == "rep_name":
            form.clear("rep_relation")
        form.clear(key)
        return self._next(turn, form)

    def _field(self, turn: Turn, form: Form, key: str) -> str | None:
        if key in form.suggestions:
            return self._suggested(turn, form, key)
        # A name answer reads almost any words, so a clear question is looked for first there.
        if turn.payload is None and key in NAME_FIELDS and self._answered_question(turn, form, key):
            return key
        result = self._take(turn, form, key)
        if result is True:
            return self._next(turn, form)
        if result is False:
            return key
        if turn.payload is None and key not in NAME_FIELDS and self._answered_question(turn, form, key):
            return key
        turn.say(p.reask(key, result, province_of(form)), p.question(form, key, province_of(form))[1])
        return key

    def _suggested(self, turn: Turn, form: Form, key: str) -> str | None:
        choice = turn.payload
        if choice is None:
            choice = {"affirm": p.YES, "deny": p.NO}.get(self._intent(turn))
        value = form.suggestions.pop(key)
        if choice == p.YES:
            if key == "province":
                place = province_by_name(str(value))
                value = {"code": place.code, "name": place.name} if place else None
            if value is not None:
                form.set(key, value)
                return self._next(turn, form)
        if choice is None and self._take(turn, form, key) is True:
            # A typed answer instead of yes/no is the answer to the question itself.
            return self._next(turn, form)
        self._ask(turn, form, key)
        return key

    def _take(self, turn: Turn, form: Form, key: str) -> bool | Invalid | None:
        """Read the answer for `key`: True when accepted; False when a follow-up was already said
        (choices to pick from, substances so far); otherwise what was wrong, for a kind re-ask."""
        return TAKERS[key](turn, form)

    def _answered_question(self, turn: Turn, form: Form, key: str) -> bool:
        """A clear question typed in the middle of the form gets its answer, then the form goes on."""
        intent = turn.parse.intent
        if intent.confidence < CONFIDENT:
            return False
        if intent.name == "delete_my_data":
            self._router.deletion.start(turn)
            return True
        if not (intent.name.startswith("ask_") or intent.name in QUESTIONS):
            return False
        if key == "note":
            return False
        self._router.answer(turn, intent.name)
        turn.say(_("Now, back to the registration:"))
        self._ask(turn, form, key)
        return True

    def _next(self, turn: Turn, form: Form) -> str:
        key = form.missing()
        if key is None:
            turn.say(*p.summary(form))
            return SUMMARY
        self._ask(turn, form, key)
        return key

    def _ask(self, turn: Turn, form: Form, step: str) -> None:
        if step == CONSENT:
            turn.say(*p.notice())
        elif step == SUMMARY:
            turn.say(*p.summary(form))
        elif step == EDIT:
            turn.say(*p.edit_choices(form))
        elif step == CANCEL_CONFIRM:
            turn.say(*p.cancel_question())
        elif step in form.suggestions:
            turn.say(*p.suggestion(form, step, form.suggestions[step]))
        elif step == "substances" and form.meta.get("substances"):
            turn.say(*p.substances_so_far(list(form.meta["substances"])))
        else:
            turn.say(*p.question(form, step, province_of(form)))

    def _intent(self, turn: Turn) -> str:
        if not turn.text:
            return ""
        intent = turn.parse.intent
        return intent.name if intent.confidence >= CONFIDENT else ""

    def _save(self, turn: Turn, form: Form, step: str) -> None:
        repo(turn.uow).save_draft(turn.person.id, step, form.to_json(), turn.now)
        if turn.state.flow == self.name:
            turn.state.step = step


def _folded(text: str) -> str:
    return folded_words(text).strip()
