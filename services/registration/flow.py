"""The registration conversation: consent by button, one question at a time, summary, edit, submit."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from services.crisis.detector import CrisisSignal
from services.dialogue.menus import main_menu_buttons
from services.dialogue.router import Router
from services.dialogue.turn import Turn
from services.i18n import LOCAL_TZ, _
from services.registration import prompts as p
from services.registration.form import Form
from services.registration.labels import CONTACT_TIMES, FOR_WHOM, FORMS, REPRESENTATIVES, SUBSTANCES
from services.registration.parsers import (
    FOR_WHOM_WORDS,
    FORM_WORDS,
    REPRESENTATIVE_WORDS,
    Invalid,
    Reason,
    folded_words,
    match_keywords,
    parse_birth,
    parse_citizen_id,
    parse_contact_time,
    parse_name,
    parse_note,
    parse_phone,
    parse_substances,
    says_unknown,
)
from services.registration.places import (
    Choices,
    NoMatch,
    Place,
    match_province,
    match_ward,
    province_by_code,
    province_by_name,
    ward_by_code,
)
from services.registration.service import FLOW, collect_suggestions, repo, submit
from services.types import Button

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
SKIP_ANSWERS = frozenset({"khong", "ko", "k", "khong co", "khong co gi", "bo qua", "skip", "thoi", "khong can"})
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
        if typed_cancel and step in OPTIONAL_FIELDS and self._skipped(turn):
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
        turn.say(p.reask(key, result, self._province(form)), p.question(form, key, self._province(form))[1])
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
        taker: Callable[[Turn, Form], bool | Invalid | None] = getattr(self, f"_take_{key}")
        return taker(turn, form)

    def _take_for_whom(self, turn: Turn, form: Form) -> bool | None:
        value = _payload_value(turn, p.WHO)
        if value is None and turn.payload is None:
            relations = [r for r in turn.parse.entity_values("relation") if r in FOR_WHOM]
            value = relations[0] if len(set(relations)) == 1 else match_keywords(turn.text, FOR_WHOM_WORDS)
        if value in FOR_WHOM:
            form.set("for_whom", value)
            return True
        return None

    def _take_full_name(self, turn: Turn, form: Form) -> bool | Invalid:
        return self._text_value(turn, form, "full_name", parse_name)

    def _take_rep_name(self, turn: Turn, form: Form) -> bool | Invalid:
        return self._text_value(turn, form, "rep_name", parse_name)

    def _take_birth(self, turn: Turn, form: Form) -> bool | Invalid:
        today = turn.now.astimezone(LOCAL_TZ).date()
        result = parse_birth(turn.text, today) if turn.payload is None else Invalid(Reason.EMPTY)
        if isinstance(result, Invalid):
            return result
        form.set("birth", result.to_dict())
        return True

    def _take_rep_relation(self, turn: Turn, form: Form) -> bool | None:
        value = _payload_value(turn, p.REL)
        if value is None and turn.payload is None:
            value = match_keywords(turn.text, REPRESENTATIVE_WORDS)
        if value in REPRESENTATIVES:
            form.set("rep_relation", value)
            return True
        return None

    def _take_phone(self, turn: Turn, form: Form) -> bool | Invalid:
        return self._text_value(turn, form, "phone", parse_phone)

    def _take_province(self, turn: Turn, form: Form) -> bool | None:
        return self._place(turn, form, "province")

    def _take_ward(self, turn: Turn, form: Form) -> bool | None:
        if turn.payload == p.WARD_UNKNOWN or (turn.payload is None and says_unknown(turn.text)):
            form.set("ward", None)
            return True
        return self._place(turn, form, "ward")

    def _place(self, turn: Turn, form: Form, key: str) -> bool | None:
        province = self._province(form)
        picked = _payload_value(turn, p.PICK)
        if turn.payload == p.PICK_NONE:
            form.meta.pop("choices", None)
            turn.say(*p.question(form, key, province))
            return False
        if picked is not None:
            if picked.isdigit() and int(picked) in form.meta.get("choices", []):
                place = province_by_code(int(picked)) if key == "province" else None
                if key == "ward" and province is not None:
                    place = ward_by_code(province.code, int(picked))
                if place is not None:
                    form.meta.pop("choices", None)
                    form.set(key, {"code": place.code, "name": place.name})
                    return True
            form.meta.pop("choices", None)
            return None
        if turn.payload is not None:
            return None
        if key == "province":
            found = match_province(turn.text)
        else:
            found = match_ward(turn.text, province.code) if province else NoMatch()
        if isinstance(found, Place):
            form.set(key, {"code": found.code, "name": found.name})
            return True
        if isinstance(found, Choices):
            form.meta["choices"] = [c.code for c in found.places]
            text, buttons = p.choose_place(found.places)
            if key == "ward":
                buttons = (*buttons, Button(_("Not sure: staff will help"), p.WARD_UNKNOWN))
            turn.say(text, buttons)
            return False
        return None

    def _take_substances(self, turn: Turn, form: Form) -> bool | None:
        chosen: list[str] = list(form.meta.get("substances", []))
        value = _payload_value(turn, p.SUB)
        if turn.payload == p.SUB_UNKNOWN or (turn.payload is None and says_unknown(turn.text)):
            form.meta.pop("substances", None)
            form.set("substances", [])
            return True
        if turn.payload == p.SUB_DONE:
            form.meta.pop("substances", None)
            form.set("substances", chosen)
            return True
        if value in SUBSTANCES:
            if value not in chosen:
                chosen.append(value)
            form.meta["substances"] = chosen
            turn.say(*p.substances_so_far(chosen))
            return False
        if turn.payload is None:
            named = parse_substances(turn.text, turn.parse.entity_values("substance"))
            if named:
                form.meta.pop("substances", None)
                form.set("substances", chosen + [s for s in named if s not in chosen])
                return True
        return None

    def _take_treatment_form(self, turn: Turn, form: Form) -> bool | None:
        value = _payload_value(turn, p.FORM)
        if value is None and turn.payload is None:
            value = match_keywords(turn.text, FORM_WORDS)
        if value in FORMS:
            form.set("treatment_form", value)
            return True
        return None

    def _take_contact_time(self, turn: Turn, form: Form) -> bool | None:
        value = _payload_value(turn, p.TIME)
        if value is None and turn.payload is None:
            value = parse_contact_time(turn.text)
        if value in CONTACT_TIMES:
            form.set("contact_time", value)
            return True
        return None

    def _take_citizen_id(self, turn: Turn, form: Form) -> bool | Invalid:
        if self._skipped(turn):
            form.set("citizen_id", "")
            return True
        return self._text_value(turn, form, "citizen_id", parse_citizen_id)

    def _take_note(self, turn: Turn, form: Form) -> bool | Invalid:
        if self._skipped(turn):
            form.set("note", "")
            return True
        return self._text_value(turn, form, "note", parse_note)

    # --- helpers ----------------------------------------------------------------------------------
    def _text_value(self, turn: Turn, form: Form, key: str, parse: Callable[[str], str | Invalid]) -> bool | Invalid:
        if turn.payload is not None:
            return Invalid(Reason.EMPTY)
        value = parse(turn.text)
        if isinstance(value, Invalid):
            return value
        form.set(key, value)
        return True

    def _skipped(self, turn: Turn) -> bool:
        if turn.payload == p.SKIP:
            return True
        return turn.payload is None and _folded(turn.text) in SKIP_ANSWERS

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
            turn.say(*p.question(form, step, self._province(form)))

    def _province(self, form: Form) -> Place | None:
        raw = form.values.get("province")
        return province_by_code(int(raw["code"])) if isinstance(raw, dict) else None

    def _intent(self, turn: Turn) -> str:
        if not turn.text:
            return ""
        intent = turn.parse.intent
        return intent.name if intent.confidence >= CONFIDENT else ""

    def _save(self, turn: Turn, form: Form, step: str) -> None:
        repo(turn.uow).save_draft(turn.person.id, step, form.to_json(), turn.now)
        if turn.state.flow == self.name:
            turn.state.step = step


def _payload_value(turn: Turn, prefix: str) -> str | None:
    if turn.payload and turn.payload.startswith(prefix):
        return turn.payload[len(prefix) :]
    return None


def _folded(text: str) -> str:
    return folded_words(text).strip()
