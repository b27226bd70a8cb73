"""The person's side of tracked requests: the feedback form, and the status of their requests by code."""

from __future__ import annotations

import re

from services.dialogue.menus import MENU_MAIN
from services.dialogue.router import Router
from services.dialogue.turn import Turn
from services.i18n import _, local_datetime
from services.knowledge.base import KnowledgeBase
from services.nlu.text import fold
from services.phones import display, to_e164
from services.requests import service
from services.requests.codes import find_codes
from services.types import Button

FEEDBACK_START = "feedback:start"
FEEDBACK_CANCEL = "feedback:cancel"
FEEDBACK_USE_DRAFT = "feedback:use_draft"
CONTACT_YES = "feedback:contact:yes"
CONTACT_NO = "feedback:contact:no"
STATUS_PREFIX = "feedback:status:"
INTENT = "submit_feedback"
DATE = "dd/MM/yyyy"

# A message that starts the form is kept as a draft when it already says what happened.
DRAFT_MIN_WORDS = 6
DRAFT_MIN_CHARS = 30
SHORT_ANSWER_WORDS = 4
# "kiểm tra phản ánh", "phản ánh của tôi đã được xử lý chưa": a short question about earlier requests (on folded
# text; at most 10 words, so a long new complaint that mentions an old one still becomes a request).
_FEEDBACK = r"(?:phan anh|gop y|khieu nai)"
_STATUS = (
    r"(?:kiem tra|tinh trang|trang thai|tra cuu|xem lai|den dau|xu ly chua|xu ly den|duoc xu ly|the nao roi|sao roi|"
    r"ra sao|ket qua|tien do|check)"
)
STATUS_QUESTION = re.compile(
    r"^(?!(?:\S+\s+){10}\S)"  # at most 10 words
    rf"(?!.*\b(?:muon|xin) (?:gui )?{_FEEDBACK})(?!.*{_FEEDBACK}\s*:)"  # not "tôi muốn góp ý …", "góp ý: …"
    rf".*?(?:\b{_FEEDBACK}\b.*\b{_STATUS}\b|\b{_STATUS}\b.*\b{_FEEDBACK}\b)"
)


def feedback_button() -> Button:
    return Button(_("Send feedback or a complaint"), FEEDBACK_START)


def _stop_button() -> Button:
    return Button(_("Stop, do not send"), FEEDBACK_CANCEL)


def _menu_button() -> Button:
    return Button(_("Main menu"), MENU_MAIN)


def _contact_buttons() -> tuple[Button, ...]:
    return (Button(_("Yes, leave my number"), CONTACT_YES), Button(_("No, answer me here"), CONTACT_NO))


def _date(view: service.RequestView) -> str:
    return local_datetime(view.created_at, DATE)


class FeedbackFlow:
    """describe → contact (optional phone, agreed by button) → phone → submitted with a reference code."""

    name = "feedback"

    def __init__(self, router: Router, knowledge: KnowledgeBase) -> None:
        self._router = router
        self._knowledge = knowledge

    def accepts_payload(self, payload: str) -> bool:
        return payload in {FEEDBACK_CANCEL, FEEDBACK_USE_DRAFT, CONTACT_YES, CONTACT_NO}

    def start(self, turn: Turn) -> None:
        if turn.state.flow not in (None, self.name, self._router.consent.name):
            # An old "send feedback" button pressed in the middle of another form: that form's answers stay.
            turn.say(_("We are in the middle of something: continue, or type /cancel to stop it."))
            return
        reason = _("To receive your feedback I first need your agreement to store what you write.")
        if not self._router.require_consent(turn, reason):
            return
        draft = turn.text if turn.payload is None and _is_substantial(turn.text) else None
        turn.enter(self.name, "describe", {"draft": draft} if draft else {})
        answer = self._knowledge.get(INTENT)
        intro = answer.text if answer is not None else _("Please write your feedback: what happened, where and when.")
        if draft:
            turn.say(intro)
            turn.say(
                _("Shall I send what you just wrote as your feedback? Or write it again in a new message."),
                (Button(_("Send what I wrote"), FEEDBACK_USE_DRAFT), _stop_button()),
            )
        else:
            turn.say(intro, (_stop_button(),))

    def handle(self, turn: Turn) -> None:
        step = turn.state.step
        stops = ("cancel", "deny") if step == "describe" else ("cancel",)  # later "không" means: do not call me
        if turn.payload == FEEDBACK_CANCEL or _short_answer(turn, *stops):
            turn.leave_flow()
            turn.say(_("All right, nothing was sent."), (_menu_button(),))
            return
        if step == "describe":
            self._describe(turn)
        elif step == "contact":
            self._contact(turn)
        elif step == "phone":
            self._phone(turn)
        else:  # a step this version does not know (e.g. after an upgrade): start again, kindly
            self.start(turn)

    def _describe(self, turn: Turn) -> None:
        draft = turn.data.get("draft")
        if draft and (turn.payload == FEEDBACK_USE_DRAFT or _short_answer(turn, "affirm")):
            description = str(draft)
        elif turn.payload is None and len(turn.text) >= service.MIN_DESCRIPTION_CHARS:
            description = turn.text
        else:
            turn.say(
                _("Could you tell me a little more: what happened, where and when? You do not need to give names."),
                (_stop_button(),),
            )
            return
        turn.enter(self.name, "contact", {"description": description})
        turn.say(
            _(
                "Thank you, I have noted it. Would you like the hotline to call you back about it? "
                "This is optional: the answer will also come to you here in the chat."
            ),
            _contact_buttons(),
        )

    def _contact(self, turn: Turn) -> None:
        if turn.payload == CONTACT_YES:
            if turn.data.get("phone"):
                self._submit(turn, str(turn.data["phone"]))
                return
            turn.state.step = "phone"
            turn.say(
                _("Please type your phone number, e.g. 0912 345 678. It is used only to answer this feedback."),
                (Button(_("Skip"), CONTACT_NO),),
            )
        elif turn.payload == CONTACT_NO or _short_answer(turn, "deny"):
            self._submit(turn, None)
        elif (phone := _phone_in(turn)) is not None:
            turn.data["phone"] = phone  # kept only if the person agrees with the button below
            turn.say(
                _("May the hotline call you at {phone} about this feedback?").format(phone=display(phone)),
                _contact_buttons(),
            )
        else:
            turn.say(_("Please choose with a button: may the hotline call you back about it?"), _contact_buttons())

    def _phone(self, turn: Turn) -> None:
        if turn.payload == CONTACT_NO or _short_answer(turn, "deny"):
            self._submit(turn, None)
            return
        phone = _phone_in(turn)
        if phone is None:
            turn.say(
                _("That does not look like a Vietnamese phone number. Please type it again (e.g. 0912 345 678)."),
                (Button(_("Skip"), CONTACT_NO),),
            )
            return
        self._submit(turn, phone)

    def _submit(self, turn: Turn, phone: str | None) -> None:
        view = service.submit(turn.uow, turn.events, turn.person.id, str(turn.data["description"]), phone, turn.now)
        turn.leave_flow()
        text = _(
            "Thank you. Your feedback is received. Your reference code is {code}. "
            "To check on it, send “kiểm tra {code}” at any time; the answer will come to you here."
        ).format(code=view.code)
        if phone:
            text += "\n" + _("The hotline may also call you at {phone}.").format(phone=display(phone))
        turn.say(text, (Button(_("Check the status"), STATUS_PREFIX + view.code), _menu_button()))


def _is_substantial(text: str) -> bool:
    return len(text) >= DRAFT_MIN_CHARS and len(text.split()) >= DRAFT_MIN_WORDS


def _short_answer(turn: Turn, *intents: str) -> bool:
    """A clear typed yes, no or stop in a few words ("ừ", "không", "thôi", "hủy"), not a description."""
    if turn.payload is not None or not turn.text or len(turn.text.split()) > SHORT_ANSWER_WORDS:
        return False
    return turn.parse.intent.name in intents


def _phone_in(turn: Turn) -> str | None:
    if turn.payload is not None:
        return None
    return to_e164(turn.text) or next(iter(turn.entities().get("phone", [])), None)


class RequestStatusDialogue:
    """Answers "kiểm tra PA-7K3Q9P", the status button, and "phản ánh của tôi đến đâu rồi"."""

    def on_code(self, turn: Turn) -> None:
        """A message with a reference code (the router matched CODE_PATTERN)."""
        codes = find_codes(fold(turn.text))
        if codes:
            self._one(turn, codes[0])

    def on_status_button(self, turn: Turn) -> None:
        self._one(turn, (turn.payload or "")[len(STATUS_PREFIX) :])

    def on_status_question(self, turn: Turn) -> None:
        """A question about the person's earlier requests (the router matched STATUS_QUESTION)."""
        self._mine(turn)

    def _one(self, turn: Turn, code: str) -> None:
        found = service.person_status(turn.uow, turn.person.id, code)
        if found is None:
            turn.say(
                _(
                    "I could not find feedback with the code {code} sent from this chat. Please check the code: "
                    "it looks like PA-7K3Q9P."
                ).format(code=code),
                (feedback_button(), _menu_button()),
            )
            return
        view = found.view
        lines = [
            _("Feedback {code}, sent on {date}: {status}.").format(
                code=view.code, date=_date(view), status=service.status_label(view.status)
            )
        ]
        if view.owner:
            lines.append(_("A staff member is in charge of it."))
        if found.latest_reply:
            lines.append(_("The hotline's latest answer: {reply}").format(reply=found.latest_reply))
        turn.say("\n".join(lines), (feedback_button(), _menu_button()))

    def _mine(self, turn: Turn) -> None:
        views = service.person_requests(turn.uow, turn.person.id)
        if not views:
            turn.say(_("You have not sent any feedback from this chat yet."), (feedback_button(),))
            return
        lines = [_("Your recent feedback:")]
        lines.extend(
            _("• {code} (sent on {date}): {status}").format(
                code=v.code, date=_date(v), status=service.status_label(v.status)
            )
            for v in views
        )
        lines.append(_("Send “kiểm tra” and a code for the details."))
        turn.say("\n".join(lines), (*(Button(v.code, STATUS_PREFIX + v.code) for v in views), feedback_button()))
