"""The Telegram channel's pure parts: splitting, escaping, keyboards, limits, update mapping, webhook mode."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from bot.telegram.limiter import WindowLimiter
from bot.telegram.render import MAX_MESSAGE, callback_data, keyboard, split_text, to_html, utf16_len
from bot.telegram.updates import Incoming, NotPrivate, convert
from bot.telegram.webhook import Coalescer
from services.bootstrap import App
from services.clock import SystemClock
from services.types import Button, MessageKind
from storage.models import InboxMessage
from tests.conftest import AppFactory
from tests.fake_telegram.harness import RunningBot, channel_settings, fast_server, free_port
from tests.fake_telegram.html_check import parse_html
from tests.fake_telegram.server import FakeTelegram

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_escaping_makes_any_text_valid_html() -> None:
    text = '1 < 2 & 3 > 2 <b>not bold</b> &amp; "quoted"'
    assert parse_html(to_html(text)) == text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_escaped_text_round_trips(text: str) -> None:
    assert parse_html(to_html(text)) == text


def test_split_keeps_paragraphs_whole_and_under_the_limit() -> None:
    paragraphs = [f"đoạn {i} " + "chữ " * 400 for i in range(5)]
    parts = split_text("\n\n".join(paragraphs))
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert "\n\n".join(parts).split("\n\n") == [p.strip("\n") for p in paragraphs]
    assert len(parts) == 3


@given(st.text(alphabet="ab \n😀ệ", min_size=1, max_size=12_000))
def test_split_never_exceeds_and_never_loses_words(text: str) -> None:
    parts = split_text(text, limit=500)
    assert all(utf16_len(p) <= 500 for p in parts)
    assert "".join(text.split()) == "".join("".join(parts).split())


def test_a_paragraph_longer_than_the_limit_breaks_at_a_space() -> None:
    assert split_text("y" * 3000 + " " + "z" * 3000) == ["y" * 3000, "z" * 3000]
    hard = split_text("x" * 10 + " " + "y" * 5000)  # no space late enough: cut at the limit
    assert [utf16_len(p) for p in hard] == [MAX_MESSAGE, 5011 - MAX_MESSAGE]


def test_callback_data_fits_64_bytes() -> None:
    assert callback_data("menu:faq", lambda p: "#short") == "menu:faq"
    assert callback_data("x:" + "ệ" * 30, lambda p: "#short") == "#short"
    markup = keyboard([Button("A", "a:1"), Button("B", "b:2")], lambda p: "#k")
    assert markup is not None and [row[0].callback_data for row in markup.inline_keyboard] == ["a:1", "b:2"]
    assert keyboard([], lambda p: "#k") is None


def test_the_window_limiter_never_lets_more_than_the_limit_start() -> None:
    now = [0.0]
    limiter = WindowLimiter(3, 1.0, clock=lambda: now[0])

    async def scenario() -> list[float]:
        starts = []
        for _ in range(7):
            while (wait := limiter.wait_time()) > 0:
                now[0] += wait
            limiter._in_flight += 1
            starts.append(now[0])
            now[0] += 0.01  # the request takes 10 ms
            limiter.release()
        return starts

    starts = asyncio.run(scenario())
    for start in starts:
        in_window = [s for s in starts if start - 1.0 < s <= start]
        assert len(in_window) <= 3
    assert starts[3] == pytest.approx(1.01)


def test_a_paced_limiter_spreads_a_backlog_evenly_and_still_keeps_the_window() -> None:
    now = [0.0]
    limiter = WindowLimiter(10, 1.0, clock=lambda: now[0], paced=True)

    async def scenario() -> list[float]:
        starts = []
        for _ in range(25):
            while (wait := limiter.wait_time()) > 0:
                now[0] += wait
            await limiter.acquire()
            starts.append(now[0])
            now[0] += 0.001  # the request takes 1 ms
            limiter.release()
        return starts

    starts = asyncio.run(scenario())
    gaps = [later - earlier for earlier, later in pairwise(starts)]
    assert min(gaps) >= 0.1 - 1e-9, "no burst: one start every period / limit at the most"
    for start in starts:
        assert len([s for s in starts if start - 1.0 < s <= start]) <= 10
    assert starts[-1] < 2.6, "and the backlog still goes at the full rate"


def _update(data: dict) -> Update:  # type: ignore[type-arg]
    return Update.de_json(data, None)  # type: ignore[arg-type]


def _message(**content: object) -> dict:  # type: ignore[type-arg]
    return {
        "message_id": 7,
        "date": 0,
        "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "is_bot": False, "first_name": "A"},
        **content,
    }


def test_update_mapping() -> None:
    text = convert(_update({"update_id": 1, "message": _message(text="chào")}), NOW)
    assert isinstance(text, Incoming) and text.inbound.text == "chào" and text.inbound.message_id == "42:7"
    own = convert(
        _update(
            {
                "update_id": 2,
                "message": _message(contact={"phone_number": "+84912345678", "first_name": "A", "user_id": 42}),
            }
        ),
        NOW,
    )
    assert isinstance(own, Incoming) and own.inbound.kind == MessageKind.CONTACT
    assert own.inbound.text == "+84912345678", "the person's own number, shared on purpose"
    edited = convert(_update({"update_id": 3, "edited_message": _message(text="sửa", edit_date=5)}), NOW)
    assert isinstance(edited, Incoming) and edited.inbound.kind == MessageKind.EDITED
    assert edited.inbound.message_id == "42:7:e5"
    group = convert(
        _update(
            {"update_id": 4, "message": {**_message(text="/start"), "chat": {"id": -5, "type": "group", "title": "G"}}}
        ),
        NOW,
    )
    assert group == NotPrivate(-5)
    chatter = convert(
        _update(
            {"update_id": 5, "message": {**_message(text="hi"), "chat": {"id": -5, "type": "group", "title": "G"}}}
        ),
        NOW,
    )
    assert chatter is None


@contextmanager
def _webhook_bot(make_app: AppFactory) -> Iterator[tuple[FakeTelegram, App, str]]:
    """The bot running in webhook mode against the fake server, its webhook set."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    settings = channel_settings(webhook_url=url, webhook_secret="s3cret-value", webhook_port=port)
    with fast_server() as server:
        app = make_app(clock=SystemClock())
        with RunningBot(app, server, settings):
            server.wait_until(lambda: server.webhook is not None, what="setWebhook")
            yield server, app, url


def test_webhook_mode_stores_before_answering(make_app: AppFactory) -> None:
    with _webhook_bot(make_app) as (server, app, url):
        assert server.webhook == {
            "url": url,
            "secret_token": "s3cret-value",
            "allowed_updates": server.webhook["allowed_updates"],
        }
        wrong = httpx.post(url, json={"update_id": 1}, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
        assert wrong.status_code == 403
        server.message(9001, "/start")
        assert server.deliver_webhook() == 1
        server.wait_messages(9001, 2)
        server.message(9001, "/start")  # redelivered by Telegram after a lost 200: handled once
        server.raw({**server_last_update(server, 9001)})
        assert server.deliver_webhook() == 2
        server.wait_messages(9001, 4)  # /start again: greeting and notice again, once
        with app.uow() as uow:
            assert uow.session.query(InboxMessage).count() == 2
        assert len(server.messages(9001)) == 4


def test_webhook_calls_arriving_during_a_store_share_the_next_transaction() -> None:
    batches: list[list[int]] = []

    async def accept(updates: object) -> None:
        ids = [update.update_id for update in updates]  # type: ignore[attr-defined]
        batches.append(ids)
        await asyncio.sleep(0.01)  # the transaction
        if 5 in ids:
            raise RuntimeError("database refused")

    async def scenario() -> list[object]:
        coalescer = Coalescer(accept)
        first = asyncio.create_task(coalescer.accept(Update(1)))
        await asyncio.sleep(0)  # the first store has begun: the next calls wait for it
        later = [asyncio.create_task(coalescer.accept(Update(i))) for i in (2, 3)]
        results = await asyncio.gather(first, *later, return_exceptions=True)
        failing = await asyncio.gather(coalescer.accept(Update(4)), coalescer.accept(Update(5)), return_exceptions=True)
        return [*results, *failing]

    results = asyncio.run(scenario())
    assert batches == [[1], [2, 3], [4, 5]]
    assert results[:3] == [None, None, None]
    assert all(isinstance(result, RuntimeError) for result in results[3:]), "a failed store fails each of its calls"


def test_webhook_mode_with_updates_posted_concurrently_keeps_each_chats_order(make_app: AppFactory) -> None:
    with _webhook_bot(make_app) as (server, app, _url):
        server.push_to_webhook(connections=8)
        users = range(9101, 9113)
        for text in ("/start", "dong y", "methadone la gi"):
            for user in users:
                server.message(user, text)
        for user in users:
            server.wait_until(
                lambda user=user: any("methadone" in m.text.lower() for m in server.messages(user)),
                what="the answer to the last question",
            )
        server.wait_until(lambda: server.pending_updates() == 0, what="every update answered 200")
        with app.uow() as uow:
            assert uow.session.query(InboxMessage).count() == 3 * len(users)
        for user in users:
            texts = [m.text for m in server.messages(user)]
            assert "methadone" in texts[-1].lower(), "the question came last, so its answer did"
            assert len(texts) == len(set(texts)), "nothing handled twice"


def server_last_update(server, user: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The same message again, as Telegram sends it when it did not see our answer."""
    with server._lock:
        return {k: v for k, v in server._updates[-1].items() if k != "update_id"}
