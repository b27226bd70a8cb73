"""ask_facility: the providers of the person's province, asking for the province when the question has none."""

from __future__ import annotations

import re

from services.dialogue.menus import HOTLINE_NUMBER, MENU_COUNSELLOR, MENU_MAIN, MORE_PREFIX, topic_buttons
from services.dialogue.router import Router
from services.dialogue.turn import Turn
from services.directory import service
from services.directory.places import Place, find_province_in_text, province_by_code, province_by_name
from services.directory.repository import ProviderRepository
from services.i18n import _
from services.knowledge.base import KnowledgeBase
from services.nlu.base import OUT_OF_SCOPE
from services.nlu.text import fold
from services.phones import display
from services.types import Button
from storage.directory_models import Ownership, ProviderKind

INTENT = "ask_facility"
PROVINCE_PREFIX = "directory:province:"
# Shown after the provinces that have the most providers, up to MAX_PROVINCE_BUTTONS.
COMMON_PROVINCES = ("Hồ Chí Minh", "Hà Nội", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Đồng Nai")
MAX_PROVINCE_BUTTONS = 6
MISSES_BEFORE_HELP = 2
# Answers that do not take the person away from the province question, and ones that do at once.
_NOT_ANOTHER_QUESTION = frozenset({INTENT, OUT_OF_SCOPE, "affirm", "greet", "thank"})
_LEAVING = frozenset({"cancel", "deny"})
MAX_PLACE_WORDS = 3


def kind_label(kind: str) -> str:
    labels = {
        ProviderKind.FACILITY: _("treatment facility"),
        ProviderKind.COUNSELLING_POINT: _("community counselling point"),
        ProviderKind.METHADONE_CLINIC: _("methadone clinic"),
    }
    return labels.get(ProviderKind(kind), kind)


def ownership_label(ownership: str) -> str:
    return _("public provider") if ownership == Ownership.PUBLIC else _("private provider")


def providers_text(found: service.Lookup, kind: str | None) -> str:
    """At most three providers, short, each with its phone; honest about sample data and gaps."""
    lines: list[str] = []
    if any(p.sample for p in found.shown):
        lines.append(_("Note: these are SAMPLE entries for testing, not real places. Do not go or call there."))
    if kind and all(p.kind != kind for p in found.shown):
        lines.append(
            _("My list has no {kind} in {province}; here are other places:").format(
                kind=kind_label(kind), province=found.province.name
            )
        )
    else:
        lines.append(_("Here are some places in {province}:").format(province=found.province.name))
    for number, p in enumerate(found.shown, start=1):
        where = f"{p.address}, {p.commune}" if p.commune else p.address
        contact = f"☎ {display(p.phone)}" + (f" · {p.hours}" if p.hours else "")
        what = f"{kind_label(p.kind)}, {ownership_label(p.ownership)}"
        lines.append(f"{number}. {p.name}\n   {what} · {where}\n   {contact}")
    if found.total > len(found.shown):
        lines.append(
            _("…and {count} more in my list; a counsellor can help you choose.").format(
                count=found.total - len(found.shown)
            )
        )
    oldest = min(p.last_verified for p in found.shown)
    lines.append(_("Last checked on {date}. Please call before you go.").format(date=oldest.strftime("%d/%m/%Y")))
    return "\n".join(lines)


def no_providers_text(province: Place) -> str:
    return _(
        "I am sorry, my list has no treatment or counselling place in {province} yet. Please call the national "
        "hotline {hotline} (24/7), or ask the People's Committee of your commune or ward: they know the services "
        "near you."
    ).format(province=province.name, hotline=HOTLINE_NUMBER)


_WHERE = re.compile(r"\b(o dau|cho nao|dia chi|co so nao|phong kham nao|gan nha|gan day)\b")


class DirectoryDialogue:
    """A flow with one step ("province"); the province buttons also work after the flow is over."""

    name = "directory"

    def __init__(self, router: Router, knowledge: KnowledgeBase, confidence_threshold: float) -> None:
        self._router = router
        self._knowledge = knowledge
        self._threshold = confidence_threshold

    def accepts_payload(self, payload: str) -> bool:
        return payload.startswith(PROVINCE_PREFIX)

    def on_ask_facility(self, turn: Turn) -> None:
        locations = turn.entities().get("location", [])
        province = (province_by_name(locations[0]) if locations else None) or find_province_in_text(turn.text)
        kind = service.preferred_kind(turn.text)
        if province is not None:
            self._answer(turn, province, kind, turn.text)
            return
        turn.enter(self.name, "province", {"kind": kind, "misses": 0})
        answer = self._knowledge.get(INTENT)
        text = answer.text if answer is not None else _("Which province or city are you in?")
        more = (Button(_("Read more"), MORE_PREFIX + INTENT),) if answer is not None and answer.more else ()
        turn.say(text, (*self._province_buttons(turn), *more))

    def on_ask_methadone(self, turn: Turn) -> None:
        """ "Where is a methadone clinic in Đà Nẵng" is a directory question; "what is methadone" is not."""
        folded = fold(turn.text)
        names_place = bool(turn.entities().get("location")) or find_province_in_text(turn.text) is not None
        if names_place or _WHERE.search(folded):
            self.on_ask_facility(turn)
        else:
            self._router.answer(turn, "ask_methadone")

    def on_province_button(self, turn: Turn) -> None:
        code = (turn.payload or "")[len(PROVINCE_PREFIX) :]
        province = province_by_code(int(code)) if code.isdigit() else None
        kind = turn.data.get("kind") if turn.state.flow == self.name else None
        if turn.state.flow == self.name:
            turn.leave_flow()
        if province is None:
            turn.say(_("That button belongs to an old menu. Here is the current one:"), self._province_buttons(turn))
            return
        self._answer(turn, province, kind, "")

    def handle(self, turn: Turn) -> None:
        if turn.payload is not None:
            self.on_province_button(turn)
            return
        province = find_province_in_text(turn.text)
        if province is not None:
            kind = turn.data.get("kind")
            turn.leave_flow()
            self._answer(turn, province, kind, turn.text)
        elif self._another_question(turn):
            turn.leave_flow()
            self._router.route_intent(turn)
        else:
            self._missed(turn)

    def _another_question(self, turn: Turn) -> bool:
        """A stop ("thôi"), or a longer message the NLU reads with confidence as another question.

        A short answer is taken as a try at a place name ("chỗ tôi"), whatever the NLU makes of it.
        """
        intent = turn.parse.intent
        if intent.name in _LEAVING:
            return True
        return (
            len(turn.text.split()) > MAX_PLACE_WORDS
            and intent.name not in _NOT_ANOTHER_QUESTION
            and intent.confidence >= self._threshold
        )

    def _missed(self, turn: Turn) -> None:
        misses = int(turn.data.get("misses", 0)) + 1
        if misses >= MISSES_BEFORE_HELP:
            turn.leave_flow()
            turn.say(
                _(
                    "I still could not find that place. A counsellor can help you find a service, or you can call "
                    "the national hotline {hotline} (24/7)."
                ).format(hotline=HOTLINE_NUMBER),
                (Button(_("Talk to a counsellor"), MENU_COUNSELLOR), Button(_("Main menu"), MENU_MAIN)),
            )
            return
        turn.data["misses"] = misses
        turn.say(
            _(
                "Sorry, I did not recognise that province or city. Please type its name, e.g. “Đà Nẵng” or "
                "“da nang”, or choose below."
            ),
            self._province_buttons(turn),
        )

    def _answer(self, turn: Turn, province: Place, kind: str | None, text: str) -> None:
        found = service.lookup(turn.uow, province, kind, text)
        if not found.shown:
            turn.say(
                no_providers_text(province),
                (Button(_("Talk to a counsellor"), MENU_COUNSELLOR), Button(_("Main menu"), MENU_MAIN)),
            )
            return
        followups = topic_buttons(self._knowledge, ("ask_cost", "ask_registration_procedure"))
        turn.say(providers_text(found, kind), (*followups, Button(_("Talk to a counsellor"), MENU_COUNSELLOR)))

    def _province_buttons(self, turn: Turn) -> tuple[Button, ...]:
        counts = ProviderRepository(turn.uow.session).province_counts()
        codes = sorted(counts, key=lambda code: (-counts[code], code))
        places = [p for p in (province_by_code(code) for code in codes) if p is not None]
        places += [p for p in (province_by_name(name) for name in COMMON_PROVINCES) if p is not None]
        unique = list(dict.fromkeys(places))[:MAX_PROVINCE_BUTTONS]
        return tuple(Button(p.name, f"{PROVINCE_PREFIX}{p.code}") for p in unique)
