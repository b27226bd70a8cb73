"""The context card a counsellor gets on taking a person: only what helps the conversation, and audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from services.handoff.core import AFTERCARE_STATUS, REGISTRATION_SUMMARY, Handoff, Repos, audit
from services.handoff.texts import (
    crisis_kind_label,
    duration_text,
    outcome_label,
    priority_label,
    reason_label,
    short_date,
)
from services.i18n import _
from storage.handoff_models import Counsellor, NoteKind
from storage.models import HandoffRequest
from storage.uow import UnitOfWork

HISTORY = timedelta(days=30)
MAX_TOPICS = 6
CARD_ENTITIES = ("substance", "relation", "location")  # never phone numbers from free text
NOT_TOPICS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "help",
        "request_counsellor",
        "cancel",
        "out_of_scope",  # not a topic: "/start" and small talk read as it
    }
)


def _relation(value: str) -> str:
    return {
        "child": _("their child"),
        "spouse": _("their spouse"),
        "sibling": _("their sibling"),
        "parent": _("their parent"),
        "friend": _("a friend"),
    }.get(value, value)


def _entity_label(entity: str) -> str:
    return {"substance": _("substance"), "relation": _("writing about"), "location": _("place")}.get(entity, entity)


def _note_kind(kind: str) -> str:
    label = {NoteKind.HANDOVER: _("handover"), NoteKind.SYSTEM: _("from the bot")}.get(NoteKind(kind))
    return f" ({label})" if label else ""


def _topics(h: Handoff, repos: Repos, person_id: int, since: datetime) -> tuple[list[str], dict[str, list[str]]]:
    topics: list[str] = []
    entities: dict[str, list[str]] = {}
    for event in repos.queue.turn_events(person_id, since):
        answer = h.knowledge.get(event.intent)
        confident = event.confidence >= h.nlu_threshold * 1000 and event.intent not in NOT_TOPICS
        if answer is not None and confident and answer.title not in topics:
            topics.append(answer.title)
        for entity, values in json.loads(event.entities or "{}").items():
            if entity in CARD_ENTITIES:
                for value in values:
                    shown = _relation(value) if entity == "relation" else value
                    if shown not in entities.setdefault(entity, []):
                        entities[entity].append(shown)
    return topics[:MAX_TOPICS], entities


def _hook_line(h: Handoff, name: str, uow: UnitOfWork, person_id: int) -> str | None:
    hook: Callable[[UnitOfWork, int], str | None] | None = h.extensions.get(name)
    return hook(uow, person_id) if hook is not None else None


def context_card(h: Handoff, repos: Repos, request: HandoffRequest, counsellor: Counsellor, now: datetime) -> str:
    """The card's text; writes an audit row, since it shows the person's data to a member of staff."""
    uow = repos.uow
    person = uow.people.get(request.person_id)
    since = now - HISTORY
    lines = [
        _("📋 #{ref}: you are now talking with this person.").format(ref=request.id),
        _("Waited {waited}. Priority: {priority}. Reason: {reason}.").format(
            waited=duration_text(now - request.queued_at),
            priority=priority_label(request),
            reason=reason_label(request.reason),
        ),
    ]
    crises = [c for c in uow.crises.for_person(person.id) if c.at >= since]
    if crises:
        kinds = ", ".join(dict.fromkeys(crisis_kind_label(c.kind) for c in crises))
        lines.append(_("⚠️ Crisis signs: {kinds} (last at {time}).").format(kinds=kinds, time=short_date(crises[-1].at)))
    if person.consent_at is None:
        lines.append(_("The person has not agreed to data storage yet: ask before you note anything about them."))
    topics, entities = _topics(h, repos, person.id, since)
    if topics:
        lines.append(_("Asked the bot about: {topics}.").format(topics="; ".join(topics)))
    if entities:
        shown = "; ".join(f"{_entity_label(k)}: {', '.join(v)}" for k, v in entities.items())
        lines.append(_("Mentioned: {entities}.").format(entities=shown))
    for hook in (REGISTRATION_SUMMARY, AFTERCARE_STATUS):
        line = _hook_line(h, hook, uow, person.id)
        if line:
            lines.append(line)
    if request.callback_phone:
        lines.append(
            _("Asked to be called back at {phone} (agreed at {time}).").format(
                phone=request.callback_phone, time=short_date(request.callback_at or request.created_at)
            )
        )
    previous = repos.queue.previous(person.id, request.id)
    if previous:
        shown = "; ".join(f"{short_date(p.closed_at or p.created_at)} {outcome_label(p.outcome)}" for p in previous)
        lines.append(_("Earlier conversations: {items}.").format(items=shown))
    notes = repos.queue.notes_for_person(person.id)
    if notes:
        lines.append(_("Notes:"))
        lines.extend(f"• {short_date(n.at)}{_note_kind(n.kind)}: {n.text}" for n in reversed(notes))
    lines.append(
        _(
            "What you write here goes to the person, signed “{name}”. With several conversations, start a message "
            "with #{ref} to choose. /note TEXT, /transfer, /close."
        ).format(name=counsellor.name, ref=request.id)
    )
    audit(uow, now, f"counsellor:{counsellor.id}", "handoff.context_card", person.id, f"handoff #{request.id}")
    return "\n".join(lines)
