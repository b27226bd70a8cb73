"""Routes one turn: crisis check first, then commands and buttons, the active flow, then the NLU intent."""

from __future__ import annotations

import re
from collections.abc import Callable

from services.crisis.detector import CrisisSignal, detect
from services.crisis.response import CrisisResponder
from services.dialogue.consent import ConsentFlow
from services.dialogue.deletion import DeletionFlow
from services.dialogue.flows import Flow
from services.dialogue.menus import (
    FAQ_TOPICS,
    HOTLINE_NUMBER,
    MENU_AFTERCARE,
    MENU_COUNSELLOR,
    MENU_FAQ,
    MENU_MAIN,
    MENU_REGISTER,
    MORE_PREFIX,
    TOPIC_PREFIX,
    fallback_buttons,
    main_menu_buttons,
    topic_buttons,
)
from services.dialogue.turn import Turn
from services.handoff.queue import HANDOFF_CANCEL, cancel_request, request_counsellor
from services.i18n import _
from services.knowledge.base import KnowledgeBase
from services.nlu.base import OUT_OF_SCOPE
from services.nlu.text import fold
from services.types import Button, MessageKind
from storage.absence import AbsenceProbe

COUNSELLOR_COMMANDS = frozenset({"on", "off", "accept", "close", "transfer", "note", "enrol"})
MISSES_BEFORE_COUNSELLOR = 2
CLARIFY_CHOICES = 3
CLARIFY_MIN_CONFIDENCE = 0.08
Handler = Callable[[Turn], None]
Interceptor = Callable[[Turn], bool]


class Router:
    def __init__(self, knowledge: KnowledgeBase, confidence_threshold: float) -> None:
        self._knowledge = knowledge
        self._threshold = confidence_threshold
        self._crisis = CrisisResponder(knowledge)
        self.consent = ConsentFlow()
        self.deletion = DeletionFlow()
        self._flows: dict[str, Flow] = {f.name: f for f in (self.consent, self.deletion)}
        self._interceptors: list[Interceptor] = []
        self._commands: dict[str, Handler] = {}
        self._intents: dict[str, Handler] = {}
        self._payloads: dict[str, Handler] = {}
        self._patterns: list[tuple[re.Pattern[str], Handler]] = []
        self._menu_entries: list[Button] = []
        self._absence_probes: list[AbsenceProbe] = []

    # --- extension points (features install themselves through these) --------------------------
    def register_flow(self, flow: Flow) -> None:
        """A guided conversation that owns the person's messages while it is active."""
        self._flows[flow.name] = flow

    def register_interceptor(self, interceptor: Interceptor) -> None:
        """Runs before everything, even the crisis check (e.g. messages from counsellor accounts)."""
        self._interceptors.append(interceptor)

    def register_command(self, name: str, handler: Handler) -> None:
        """`/name` in the chat; replaces a built-in command of the same name."""
        self._commands[name] = handler

    def register_intent(self, intent: str, handler: Handler) -> None:
        """Handles an NLU intent instead of the default knowledge answer."""
        self._intents[intent] = handler

    def register_payload(self, prefix: str, handler: Handler) -> None:
        """Handles button payloads equal to, or starting with, `prefix` (the longest prefix wins)."""
        self._payloads[prefix] = handler

    def register_pattern(self, pattern: re.Pattern[str], handler: Handler) -> None:
        """Typed text (outside a flow) whose folded form (lower case, no diacritics) matches `pattern`
        is handled before the NLU intent, e.g. a reference code such as PA-7K3Q9P."""
        self._patterns.append((pattern, handler))

    def register_menu_entry(self, button: Button) -> None:
        """An extra button at the end of the topics screen of the main menu (e.g. "Send feedback")."""
        self._menu_entries.append(button)

    def register_absence_probe(self, probe: AbsenceProbe) -> None:
        """A per-turn look-up whose answer is almost always "no row" (is this person a counsellor?): a batch of
        turns reads it once for all its people, and the look-up answers from that (see storage/absence.py)."""
        self._absence_probes.append(probe)

    @property
    def absence_probes(self) -> tuple[AbsenceProbe, ...]:
        return tuple(self._absence_probes)

    @property
    def crisis(self) -> CrisisResponder:
        return self._crisis

    def flow(self, name: str) -> Flow | None:
        return self._flows.get(name)

    def route(self, turn: Turn) -> None:
        if any(interceptor(turn) for interceptor in self._interceptors):
            return
        active = self._flows.get(turn.state.flow or "")
        if turn.kind not in (MessageKind.TEXT, MessageKind.BUTTON):
            # A caption or an edited text can carry a crisis too: it is answered whatever carried it.
            signal = detect(turn.text, turn.parse) if turn.text else None
            if signal is not None:
                self._on_crisis(turn, signal, active)
                return
            if active is not None and getattr(active, "accepts_media", False):
                active.handle(turn)
            else:
                self._unsupported(turn)
            return
        if turn.payload is None and not turn.text:
            turn.say(_("Your message seems to be empty. Please type what you would like to ask."))
            return
        if turn.text:
            signal = detect(turn.text, turn.parse)
            if signal is not None:
                self._on_crisis(turn, signal, active)
                return
        if turn.text.startswith("/"):
            self._command(turn)
        elif turn.payload is not None:
            self._button(turn)
        elif turn.state.flow in self._flows:
            self._flows[turn.state.flow].handle(turn)
        elif not turn.has_consent and turn.person.consent_declined_at is None:
            self.consent.start(turn)
        else:
            self._intent(turn)
        if turn.truncated:
            turn.say(_("Your message was long, so I read only its beginning. A counsellor can read all of it."))

    def _on_crisis(self, turn: Turn, signal: CrisisSignal, active: Flow | None) -> None:
        """A flow may take over the crisis (a counsellor relay alerts the counsellor first)."""
        handle_crisis = getattr(active, "handle_crisis", None)
        if handle_crisis is not None and handle_crisis(turn, signal):
            return
        self._crisis.respond(turn, signal)

    # --- non-text -------------------------------------------------------------------------------
    def _unsupported(self, turn: Turn) -> None:
        if turn.kind == MessageKind.EDITED:
            turn.say(
                _("I saw that you edited a message. I only read new messages: please send the corrected text again.")
            )
            return
        turn.say(
            _("Sorry, I can only read text messages for now. Please type your question, or press a button below."),
            main_menu_buttons() if turn.has_consent else (),
        )

    # --- commands -------------------------------------------------------------------------------
    def _command(self, turn: Turn) -> None:
        word = turn.text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(turn.text) > 1 else ""
        if word in self._commands:
            self._commands[word](turn)
        elif word == "start":
            self._start(turn)
        elif word == "help":
            self._answer(turn, "help")
            if turn.state.flow:
                turn.say(_("We are in the middle of something: continue, or type /cancel to stop it."))
        elif word == "cancel":
            self._cancel(turn)
        elif word == "counsellor":
            self._counsellor(turn)
        elif word == "status":
            turn.say(
                _("You have no registration with us yet. To register, choose “Register for voluntary treatment”."),
                main_menu_buttons(),
            )
        elif word == "delete":
            self.deletion.start(turn)
        else:
            turn.say(
                _("I do not know that command. You can use /start, /help, /cancel, /counsellor, /status and /delete."),
            )

    def _start(self, turn: Turn) -> None:
        if turn.state.flow and turn.state.flow != self.consent.name:
            turn.say(_("Welcome back. We were in the middle of something: continue, or type /cancel to stop it."))
            return
        if not turn.has_consent:
            self.consent.start(turn)
            return
        turn.say(_("Welcome back! How can I help you?"), main_menu_buttons())

    def _cancel(self, turn: Turn) -> None:
        if turn.state.flow and turn.state.flow != self.consent.name:
            turn.leave_flow()
            turn.say(_("Stopped. What would you like to do now?"), main_menu_buttons())
            return
        turn.say(_("There is nothing in progress to cancel."), main_menu_buttons() if turn.has_consent else ())

    # --- buttons --------------------------------------------------------------------------------
    def _button(self, turn: Turn) -> None:
        payload = turn.payload or ""
        active = self._flows.get(turn.state.flow or "")
        prefixes = sorted((p for p in self._payloads if payload.startswith(p)), key=len, reverse=True)
        if active is not None and active.accepts_payload(payload):
            active.handle(turn)
        elif prefixes:
            self._payloads[prefixes[0]](turn)
        elif payload == MENU_MAIN:
            turn.say(_("How can I help you?"), main_menu_buttons())
        elif payload == MENU_FAQ:
            turn.say(
                _("Which topic would you like to know about?"),
                (*topic_buttons(self._knowledge, FAQ_TOPICS), *self._menu_entries),
            )
        elif payload == MENU_REGISTER:
            self._answer(turn, "register_treatment")
        elif payload == MENU_COUNSELLOR:
            self._counsellor(turn)
        elif payload == MENU_AFTERCARE:
            self._answer(turn, "ask_aftercare")
        elif payload == HANDOFF_CANCEL:
            cancel_request(turn)
        elif payload.startswith(TOPIC_PREFIX) and self._knowledge.get(payload[len(TOPIC_PREFIX) :]):
            self._answer(turn, payload[len(TOPIC_PREFIX) :])
        elif payload.startswith(MORE_PREFIX) and self._knowledge.get(payload[len(MORE_PREFIX) :]):
            self._more(turn, payload[len(MORE_PREFIX) :])
        else:
            self._stale(turn)

    def _stale(self, turn: Turn) -> None:
        if turn.state.flow == self.consent.name or (not turn.has_consent and turn.person.consent_declined_at is None):
            turn.say(_("That button belongs to an old menu."))
            self.consent.start(turn, greet=False)
            return
        turn.say(_("That button belongs to an old menu. Here is the current one:"), main_menu_buttons())

    # --- intents --------------------------------------------------------------------------------
    def _intent(self, turn: Turn) -> None:
        if not any(ch.isalnum() for ch in turn.text):
            turn.say(_("How can I help you?"), main_menu_buttons())
            return
        folded = fold(turn.text)
        for pattern, handler in self._patterns:
            if pattern.search(folded):
                turn.state.misses = 0
                handler(turn)
                return
        parse = turn.parse
        intent = parse.intent.name
        if parse.intent.confidence < self._threshold:
            self._clarify(turn)
            return
        if intent == OUT_OF_SCOPE:
            self._out_of_scope(turn)
            return
        turn.state.misses = 0
        if intent in self._intents:
            self._intents[intent](turn)
        elif intent == "request_counsellor":
            self._counsellor(turn)
        elif intent == "delete_my_data":
            self.deletion.start(turn)
        elif intent == "cancel":
            self._cancel(turn)
        elif intent in ("affirm", "deny"):
            turn.say(_("How can I help you?"), main_menu_buttons())
        elif self._knowledge.get(intent) is not None:
            self._answer(turn, intent)
        else:
            self._fallback(turn)

    def show_main_menu(self, turn: Turn, text: str | None = None) -> None:
        turn.say(text or _("How can I help you?"), main_menu_buttons())

    def require_consent(self, turn: Turn, reason: str) -> bool:
        """True when the person has consented; otherwise explain why it is needed and show the notice."""
        if turn.has_consent:
            return True
        turn.say(reason)
        self.consent.start(turn, greet=False)
        return False

    def route_intent(self, turn: Turn) -> None:
        """Handle typed text by its intent, as outside any flow: for a flow handing back a message it did not expect."""
        self._intent(turn)

    def answer(self, turn: Turn, intent: str) -> None:
        """The knowledge answer for an intent, with its follow-up buttons."""
        self._answer(turn, intent)

    def _counsellor(self, turn: Turn) -> None:
        if "counsellor" in self._commands:
            self._commands["counsellor"](turn)
            return
        if not turn.has_consent:
            turn.say(_("To connect you with a counsellor I first need your agreement to store this conversation."))
            self.consent.start(turn, greet=False)
            return
        request_counsellor(turn)

    def _answer(self, turn: Turn, intent: str) -> None:
        answer = self._knowledge.get(intent)
        if answer is None:
            self._fallback(turn)
            return
        buttons: list[Button] = []
        if answer.more:
            buttons.append(Button(_("Read more"), MORE_PREFIX + intent))
        buttons.extend(self._followups(answer.followups))
        entities = turn.entities() if turn.text else {}
        turn.say(answer.text_for(entities), tuple(buttons))

    def _more(self, turn: Turn, intent: str) -> None:
        answer = self._knowledge.get(intent)
        if answer is None or not answer.more:
            self._stale(turn)
            return
        turn.say(answer.more, self._followups(answer.followups))

    def _followups(self, intents: tuple[str, ...]) -> tuple[Button, ...]:
        buttons = []
        for intent in intents[:3]:
            if intent == "request_counsellor":
                buttons.append(Button(_("Talk to a counsellor"), MENU_COUNSELLOR))
            elif intent == "register_treatment":
                buttons.append(Button(_("Register for voluntary treatment"), MENU_REGISTER))
            else:
                buttons.extend(topic_buttons(self._knowledge, (intent,)))
        return tuple(buttons)

    def _clarify(self, turn: Turn) -> None:
        """Not sure: offer the two or three likeliest topics as buttons rather than guess."""
        buttons = self._topic_guesses(turn)
        if not buttons or turn.state.misses + 1 >= MISSES_BEFORE_COUNSELLOR:
            self._fallback(turn)
            return
        turn.state.misses += 1
        turn.say(
            _("I am not sure I understood. Did you mean one of these? You can also type it another way."),
            (*buttons, Button(_("Talk to a counsellor"), MENU_COUNSELLOR)),
        )

    def _topic_guesses(self, turn: Turn) -> tuple[Button, ...]:
        guesses: list[Button] = []
        for score in turn.parse.intent_ranking:
            if len(guesses) == CLARIFY_CHOICES or score.confidence < CLARIFY_MIN_CONFIDENCE:
                break
            if score.name == "register_treatment":
                guesses.append(Button(_("Register for voluntary treatment"), MENU_REGISTER))
            elif score.name.startswith("ask_") and self._knowledge.get(score.name):
                guesses.extend(topic_buttons(self._knowledge, (score.name,)))
        return tuple(guesses)

    def _out_of_scope(self, turn: Turn) -> None:
        """Clearly not our topic: say what the hotline can do (counts as a miss)."""
        answer = self._knowledge.get(OUT_OF_SCOPE)
        if answer is None or turn.state.misses + 1 >= MISSES_BEFORE_COUNSELLOR:
            self._fallback(turn)
            return
        turn.state.misses += 1
        turn.say(answer.text_for({}), main_menu_buttons())

    def _fallback(self, turn: Turn) -> None:
        turn.state.misses += 1
        if turn.state.misses >= MISSES_BEFORE_COUNSELLOR:
            turn.say(
                _(
                    "I am sorry, I still do not understand. Would you like to talk with a counsellor? "
                    "You can also call the national hotline {hotline}."
                ).format(hotline=HOTLINE_NUMBER),
                fallback_buttons(),
            )
            return
        turn.say(
            _(
                "Sorry, I did not quite understand. Could you say it another way? For example: "
                "“how do I register my son for treatment” or “what are the signs of drug use”. "
                "Or I can connect you with a counsellor."
            ),
            fallback_buttons(),
        )
