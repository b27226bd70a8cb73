"""Runs a scenario (ARCHITECTURE.md's YAML format) through the real core with a fake clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.channels.render import resolve_button
from services.bootstrap import App
from services.media import allow_copies
from services.types import Button, Inbound, MessageKind, Outbound

CHANNEL = "scenario"
# extensions[COUNSELLORS_HOOK](channel, id, name, entry) creates a counsellor and puts them on duty.
COUNSELLORS_HOOK = "scenario.counsellors"
# extensions[SETUP_HOOK + key](value) prepares what a feature's top-level key asks for (e.g. `directory: sample`).
SETUP_HOOK = "scenario.setup."
# extensions[DO_HOOK + name](channel, step) performs a staff action of a `do:` step (e.g. `do: requests.set_status`);
# it raises ValueError when the step is wrong.
DO_HOOK = "scenario.do."
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ScenarioError(Exception):
    """The scenario file itself is wrong (not an expectation that failed)."""


@dataclass
class Delivered:
    to: str
    text: str
    buttons: tuple[Button, ...]


@dataclass
class Result:
    name: str
    transcript: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(str(text))
    if not match:
        raise ScenarioError(f"cannot read the duration {text!r} (use e.g. 30s, 5m, 2h, 1d)")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def load_scenario(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise ScenarioError(f"{path}: a scenario needs a list of steps")
    return doc


def scenario_start(doc: dict[str, Any]) -> datetime:
    raw = doc.get("clock", "2026-11-23T09:00:00+07:00")
    start = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    if start.tzinfo is None:
        raise ScenarioError("the scenario clock needs a UTC offset, e.g. +07:00")
    return start


class Simulator:
    """Plays the steps; `app` must be built with a FakeClock starting at the scenario's clock."""

    def __init__(self, app: App, advance: Any) -> None:
        self._app = app
        self._advance = advance
        self._delivered: list[Delivered] = []
        self._last_buttons: dict[str, tuple[Button, ...]] = {}
        self._window_start = 0
        self._after_expect = False

    def run(self, doc: dict[str, Any]) -> Result:
        result = Result(name=str(doc.get("name", "scenario")))
        self._setup_counsellors(doc.get("counsellors") or [])
        if doc.get("copies_media"):  # the simulated channel copies media across, as Telegram does
            allow_copies(self._app.extensions, CHANNEL)
        for key, value in doc.items():
            setup = self._app.extensions.get(SETUP_HOOK + str(key))
            if setup is not None:
                try:
                    setup(value)
                except ValueError as exc:
                    raise ScenarioError(f"{key}: {exc}") from exc
        for number, step in enumerate(doc["steps"], start=1):
            if not isinstance(step, dict):
                raise ScenarioError(f"step {number} is not a mapping")
            if "expect" in step:
                failure = self._expect(step["expect"], result)
                self._after_expect = True
                if failure:
                    result.failures.append(f"step {number}: {failure}")
                    break
                continue
            if self._after_expect:
                self._window_start = len(self._delivered)
                self._after_expect = False
            self._act(number, step, result)
        return result

    def _setup_counsellors(self, counsellors: list[dict[str, Any]]) -> None:
        """Create the scenario's counsellors and put them on duty, through the handoff feature's hook."""
        if not counsellors:
            return
        create = self._app.extensions.get(COUNSELLORS_HOOK)
        if create is None:
            raise ScenarioError("`counsellors:` needs the handoff feature, which is not installed")
        for entry in counsellors:
            create(CHANNEL, str(entry["id"]), str(entry.get("name", entry["id"])), entry)

    def _act(self, number: int, step: dict[str, Any], result: Result) -> None:
        if "wait" in step:
            self._advance(parse_duration(step["wait"]))
            self._app.run_due()
            result.transcript.append({"step": number, "wait": str(step["wait"])})
            self._drain(result)
            return
        if "do" in step:
            self._do(number, step, result)
            return
        user = str(step.get("user") or step.get("counsellor") or "")
        if not user:
            raise ScenarioError(f"step {number}: needs user, counsellor, wait or expect")
        if "press" in step:
            button = self._press(user, step["press"])
            if button is None:
                raise ScenarioError(f"step {number}: {user} has no button {step['press']!r} to press")
            inbound = self._inbound(number, user, "", button.payload, MessageKind.BUTTON)
            result.transcript.append({"step": number, "from": user, "press": button.label})
        elif "say" in step:
            text = str(step["say"])
            inbound = self._inbound(number, user, text, None, MessageKind.TEXT)
            result.transcript.append({"step": number, "from": user, "say": text})
        elif "send" in step:
            kind = MessageKind(str(step["send"]))
            inbound = self._inbound(number, user, "", None, kind)
            result.transcript.append({"step": number, "from": user, "send": kind.value})
        else:
            raise ScenarioError(f"step {number}: a user step needs say, press or send")
        for direct in self._app.dialogue.handle(inbound):
            self._record(direct, result)
        self._drain(result)

    def _do(self, number: int, step: dict[str, Any], result: Result) -> None:
        """A staff action (e.g. a supervisor answering a feedback request) through a feature's hook."""
        name = str(step["do"])
        action = self._app.extensions.get(DO_HOOK + name)
        if action is None:
            raise ScenarioError(f"step {number}: no action {name!r} (is its feature installed?)")
        try:
            action(CHANNEL, step)
        except ValueError as exc:
            raise ScenarioError(f"step {number}: {exc}") from exc
        result.transcript.append({"step": number, "do": name})
        self._drain(result)

    def _press(self, user: str, which: Any) -> Button | None:
        return resolve_button(str(which), self._last_buttons.get(user, ()))

    def _inbound(self, number: int, user: str, text: str, payload: str | None, kind: MessageKind) -> Inbound:
        return Inbound(
            channel=CHANNEL,
            user_id=user,
            message_id=f"step-{number}",
            received_at=self._app.clock.now(),
            text=text,
            payload=payload,
            kind=kind,
        )

    def _drain(self, result: Result) -> None:
        self._app.outbox.drain(CHANNEL, lambda message: self._record(message, result), limit=10_000)

    def _record(self, message: Outbound, result: Result) -> None:
        self._delivered.append(Delivered(message.recipient, message.text, message.buttons))
        if message.buttons:
            self._last_buttons[message.recipient] = message.buttons
        result.transcript.append(
            {"to": message.recipient, "text": message.text, "buttons": [b.label for b in message.buttons]}
        )

    def _expect(self, spec: dict[str, Any], result: Result) -> str | None:
        recipient = str(spec.get("to", ""))
        window = [d for d in self._delivered[self._window_start :] if not recipient or d.to == recipient]
        joined = "\n".join(d.text + "\n" + "\n".join(b.label for b in d.buttons) for d in window)
        result.transcript.append({"expect": spec})
        for wanted in _as_list(spec.get("contains")):
            if wanted.lower() not in joined.lower():
                return f"no message to {recipient or 'anyone'} contains {wanted!r}"
        for unwanted in _as_list(spec.get("not_contains")):
            if unwanted.lower() in joined.lower():
                return f"a message to {recipient or 'anyone'} contains {unwanted!r}"
        if "count" in spec and len(window) != int(spec["count"]):
            return f"{len(window)} messages to {recipient or 'anyone'}, expected {spec['count']}"
        return None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def format_transcript(result: Result) -> str:
    lines = [f"# {result.name}"]
    for entry in result.transcript:
        if "say" in entry:
            lines.append(f"{entry['from']} > {entry['say']}")
        elif "press" in entry:
            lines.append(f"{entry['from']} > [{entry['press']}]")
        elif "send" in entry:
            lines.append(f"{entry['from']} > <{entry['send']}>")
        elif "wait" in entry:
            lines.append(f"… {entry['wait']} later")
        elif "do" in entry:
            lines.append(f"staff > {entry['do']}")
        elif "to" in entry:
            text = entry["text"].replace("\n", "\n    ")
            buttons = "".join(f"\n    [{i}] {b}" for i, b in enumerate(entry["buttons"], start=1))
            lines.append(f"  bot → {entry['to']}: {text}{buttons}")
    lines.append("PASS" if result.passed else "FAIL: " + "; ".join(result.failures))
    return "\n".join(lines)
