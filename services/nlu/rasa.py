"""The Rasa backend: POST /model/parse on a Rasa 3.6 server, the embedded engine when the server fails.

The hotline never goes dark because of NLU: a timeout, a refused connection, a 5xx or an answer that is not
Rasa's JSON makes this message be parsed by the embedded engine, and the event is logged (reason class only,
never the text).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

import httpx
import phonenumbers

from services.nlu.base import OUT_OF_SCOPE, Entity, IntentScore, NluEngine, ParseResult
from services.nlu.embedded import MAX_NLU_CHARS
from services.nlu.text import clean, fold
from services.nlu.vocab import entity_values, location_surfaces

log = logging.getLogger(__name__)

CONTRACT_ENTITIES = frozenset({"substance", "relation", "location", "phone"})
FALLBACK_EVENT = "nlu rasa fallback"


class RasaResponseError(ValueError):
    """The server answered, but not with Rasa's /model/parse JSON."""


class RasaNlu:
    """An NluEngine over HTTP; `fallback` (the embedded engine) parses whatever Rasa cannot."""

    def __init__(
        self,
        url: str,
        fallback: NluEngine,
        *,
        timeout_ms: int = 300,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._fallback = fallback
        self._client = httpx.Client(base_url=self.url, timeout=timeout_ms / 1000, transport=transport)
        self._lock = threading.Lock()
        self.fallbacks: Counter[str] = Counter()  # reason class -> count, for `hotline nlu test` and the bench

    def parse(self, text: str) -> ParseResult:
        cleaned = clean(text)[:MAX_NLU_CHARS]
        if not any(ch.isalpha() for ch in cleaned):
            # Nothing for a classifier to read (empty, emoji, digits): the local rule answers, no round trip.
            return self._fallback.parse(text)
        try:
            response = self._client.post("/model/parse", json={"text": cleaned})
            response.raise_for_status()
            return self._to_result(text, cleaned, response.json())
        except Exception as exc:  # any failure of the server means: answer locally
            self._record(exc)
            return self._fallback.parse(text)

    def close(self) -> None:
        self._client.close()

    def _record(self, exc: Exception) -> None:
        reason = failure_reason(exc)
        with self._lock:
            self.fallbacks[reason] += 1
        extra: dict[str, Any] = {"reason": reason, "error": type(exc).__name__}
        if isinstance(exc, httpx.HTTPStatusError):
            extra["status"] = exc.response.status_code
        # The exception's message may quote the answer (and so the text): only its class is logged.
        log.warning(FALLBACK_EVENT, extra=extra)

    def _to_result(self, text: str, cleaned: str, payload: Any) -> ParseResult:
        if not isinstance(payload, dict) or not isinstance(payload.get("intent"), dict):
            raise RasaResponseError("no intent object")
        intent = _score(payload["intent"])
        ranking = tuple(_score(item) for item in payload.get("intent_ranking") or ())
        entities: list[Entity] = []
        local: list[Entity] | None = None
        for item in payload.get("entities") or ():
            name, start, end, value, extractor = _raw_entity(cleaned, item)
            if value is None and name in CONTRACT_ENTITIES:
                # DIET found a span without a contract value: the embedded gazetteer normalises the same span.
                local = local if local is not None else list(self._fallback.parse(cleaned).entities)
                value = next((e.value for e in local if e.entity == name and e.start < end and start < e.end), None)
            entity = Entity(name, value, start, end, extractor) if value is not None else None
            if entity is not None and entity not in entities:
                entities.append(entity)
        return ParseResult(text=text, intent=intent, intent_ranking=ranking, entities=tuple(entities))


def _raw_entity(cleaned: str, item: Any) -> tuple[str, int, int, str | None, str]:
    """(entity, start, end, contract value or None, extractor) of one entity of Rasa's answer."""
    if not isinstance(item, dict):
        raise RasaResponseError("entity is not an object")
    name = str(item["entity"])
    start, end = int(item["start"]), int(item["end"])
    surface = cleaned[start:end]
    value = normalise_value(name, str(item.get("value", surface)), surface) if name in CONTRACT_ENTITIES else None
    return name, start, end, value, str(item.get("extractor") or "rasa")


def _score(item: Any) -> IntentScore:
    if not isinstance(item, dict):
        raise RasaResponseError("intent is not an object")
    name = item.get("name")
    return IntentScore(str(name) if name else OUT_OF_SCOPE, float(item.get("confidence") or 0.0))


def normalise_value(entity: str, value: str, surface: str) -> str | None:
    """A contract value for Rasa's (entity, value), or None when it is not one and cannot be mapped here."""
    if entity == "phone":
        return _e164(value) or _e164(surface)
    allowed = entity_values(entity)
    if allowed is None or value in allowed:
        return value
    if entity == "location":
        return location_surfaces().get(fold(surface).strip()) or location_surfaces().get(fold(value).strip())
    return None


def _e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def failure_reason(exc: BaseException) -> str:
    """The class of a failure, for logs and counters: timeout, unreachable, http_status, bad_response, error."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.TransportError):
        return "unreachable"
    if isinstance(exc, httpx.HTTPStatusError):
        return "http_status"
    if isinstance(exc, ValueError | KeyError | TypeError):  # JSONDecodeError is a ValueError
        return "bad_response"
    return "error"
