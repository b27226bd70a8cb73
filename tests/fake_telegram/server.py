"""A fake Telegram Bot API server on a loopback port, for python-telegram-bot to talk to over real HTTP.

It keeps what Telegram keeps (pending updates until confirmed by the offset, each chat's messages with
their ids, keyboards, callback answers, command menus, the webhook), enforces Telegram's limits (message
length, HTML entities, 64-byte callback data, messages per chat and overall with 429 + retry_after),
and lets a test inject updates and faults (500s, hanging requests, dropped connections, 429 storms,
users who blocked the bot). It runs its own event loop in a thread; every public method is thread-safe.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fake_telegram.html_check import EntityError, parse_html

TOKEN = "123456789:AAH-fake-token-for-tests-only-0123456789"
BOT = {"id": 123456789, "is_bot": True, "first_name": "Hotline", "username": "hotline_test_bot"}
MAX_TEXT = 4096
LIMITED = {"sendMessage", "editMessageText", "editMessageReplyMarkup"}


@dataclass
class Fault:
    kind: str  # "500", "timeout" (hangs, then fails), "drop" (closes the connection), "429"
    retry_after: int = 1
    hang_s: float = 3.0


@dataclass
class SentMessage:
    chat_id: int
    message_id: int
    text: str  # visible text (HTML parsed)
    html: str
    buttons: list[tuple[str, str]]  # (label, callback_data or url)
    at: float
    reply_markup: dict[str, Any] | None = None
    edits: list[str] = field(default_factory=list)
    wall: float = field(default_factory=time.time)
    copy_of: dict[str, Any] | None = None  # copyMessage: the message copied, as the user sent it


class FakeTelegram:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        chat_limit: int = 1,
        chat_period: float = 1.0,
        global_limit: int = 30,
        global_period: float = 1.0,
    ) -> None:
        self.token = token
        self.chat_limit = chat_limit
        self.chat_period = chat_period
        self.global_limit = global_limit
        self.global_period = global_period
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(10_000)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._callback_ids = itertools.count(1)
        self._chat_sends: dict[int, deque[float]] = defaultdict(deque)
        self._global_sends: deque[float] = deque()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.sent: list[SentMessage] = []
        self.by_id: dict[tuple[int, int], SentMessage] = {}
        self.from_users: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message id) → the message, for copies
        self.callback_answers: dict[str, str | None] = {}
        self.open_callbacks: set[str] = set()
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.blocked: set[int] = set()
        self.injected_at: dict[int, float] = {}
        self.injected_wall: dict[int, tuple[float, str]] = {}  # update_id → (time.time(), "chat:message")
        self.confirmed: set[int] = set()
        self.too_many = 0  # 429s answered because a limit was exceeded (not injected faults)
        self.calls: dict[str, int] = defaultdict(int)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._pusher: concurrent.futures.Future[None] | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeTelegram:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True, name="fake-telegram")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Telegram server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._new_update = asyncio.Event()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        loop.run_forever()
        loop.close()

    async def _shutdown(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    def _wake(self) -> None:
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    # --- injecting updates (as users would) -----------------------------------------------------
    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "vi"}

    def _private(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": f"User{user_id}"}

    def _push(self, update: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            update["update_id"] = update_id
            self._updates.append(update)
            self.injected_at[update_id] = time.monotonic()
            message = update.get("message") or update.get("edited_message") or {}
            key = f"{message['chat']['id']}:{message['message_id']}" if message else ""
            if message:
                self.from_users[(message["chat"]["id"], message["message_id"])] = message
            self.injected_wall[update_id] = (time.time(), key)
        self._wake()
        return update_id

    def _new_message(self, user_id: int, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        chat = chat or self._private(user_id)
        with self._lock:
            message_id = next(self._message_ids[chat["id"]])
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(user_id),
            **content,
        }

    def message(self, user_id: int, text: str) -> int:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._push({"message": self._new_message(user_id, **content)})

    def media(self, user_id: int, kind: str, caption: str | None = None, **extra: Any) -> int:
        file = {"file_id": f"f{kind}", "file_unique_id": f"u{kind}"}
        contents: dict[str, dict[str, Any]] = {
            "sticker": {
                "sticker": {
                    **file,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "voice": {"voice": {**file, "duration": 3}},
            "video": {"video": {**file, "width": 90, "height": 90, "duration": 3}},
            "document": {"document": file},
            "location": {"location": {"latitude": 10.77, "longitude": 106.7}},
            "contact": {
                "contact": {
                    "phone_number": extra.get("phone", "+84912345678"),
                    "first_name": "A",
                    "user_id": extra.get("contact_user", user_id),
                }
            },
            "poll": {
                "poll": {
                    "id": "p1",
                    "question": "?",
                    "options": [],
                    "total_voter_count": 0,
                    "is_closed": False,
                    "is_anonymous": True,
                    "type": "regular",
                    "allows_multiple_answers": False,
                }
            },
        }
        content = dict(contents[kind])
        if caption:
            content["caption"] = caption
        return self._push({"message": self._new_message(user_id, **content)})

    def edit(self, user_id: int, message_id: int, text: str) -> int:
        message = {
            "message_id": message_id,
            "date": int(time.time()) - 5,
            "chat": self._private(user_id),
            "from": self._user(user_id),
            "text": text,
            "edit_date": int(time.time()),
        }
        return self._push({"edited_message": message})

    def group_message(self, chat_id: int, user_id: int, text: str, chat_type: str = "group") -> int:
        chat = {"id": chat_id, "type": chat_type, "title": "Nhóm"}
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._push({"message": self._new_message(user_id, chat, **content)})

    def channel_post(self, chat_id: int, text: str) -> int:
        chat = {"id": chat_id, "type": "channel", "title": "Kênh"}
        with self._lock:
            message_id = next(self._message_ids[chat_id])
        post = {"message_id": message_id, "date": int(time.time()), "chat": chat, "sender_chat": chat, "text": text}
        return self._push({"channel_post": post})

    def press(self, user_id: int, message_id: int, data: str) -> int:
        """The user presses a button of the bot's message `message_id` in their chat."""
        with self._lock:
            sent = self.by_id[(user_id, message_id)]
            query_id = f"q{next(self._callback_ids)}"
            self.open_callbacks.add(query_id)
            message = self._message_json(sent)
        query = {"id": query_id, "from": self._user(user_id), "message": message, "chat_instance": "ci", "data": data}
        return self._push({"callback_query": query})

    def press_label(self, user_id: int, label: str) -> int:
        """Press the button with this label on the newest message of the chat that shows it."""
        for sent in reversed(self.messages(user_id)):
            for text, data in sent.buttons:
                if text == label:
                    return self.press(user_id, sent.message_id, data)
        raise AssertionError(f"no button {label!r} in chat {user_id}")

    def raw(self, update: dict[str, Any]) -> int:
        return self._push(update)

    # --- faults ---------------------------------------------------------------------------------
    def fail(self, method: str, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._faults[method].extend(fault for _ in range(times))

    def faults_left(self, method: str) -> int:
        with self._lock:
            return len(self._faults[method])

    def block(self, user_id: int) -> None:
        with self._lock:
            self.blocked.add(user_id)

    # --- observing ------------------------------------------------------------------------------
    def messages(self, chat_id: int) -> list[SentMessage]:
        with self._lock:
            return [m for m in self.sent if m.chat_id == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.messages(chat_id)]

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    def wait_messages(self, chat_id: int, count: int, timeout: float = 15.0) -> list[SentMessage]:
        self.wait_until(lambda: len(self.messages(chat_id)) >= count, timeout, f"{count} messages to {chat_id}")
        return self.messages(chat_id)

    # --- the API --------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        with self._lock:
            self.calls[method] += 1
            fault = self._faults[method].popleft() if self._faults[method] else None
        if fault is not None:
            return await self._fault(request, fault)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result: web.StreamResponse = await handler(params)
        return result

    async def _fault(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault.kind == "500":
            return _error(500, "Internal Server Error")
        if fault.kind == "429":
            return _error(429, f"Too Many Requests: retry after {fault.retry_after}", retry_after=fault.retry_after)
        if fault.kind == "timeout":
            await asyncio.sleep(fault.hang_s)
            return _error(500, "Internal Server Error")
        if request.transport is not None:  # "drop": the connection goes away without an answer
            request.transport.abort()
        raise ConnectionResetError("dropped by the fake server")

    async def _api_getMe(self, params: dict[str, Any]) -> web.Response:
        return _ok(
            {**BOT, "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
        )

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        assert self._new_update is not None
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if offset:
                    confirmed = [u["update_id"] for u in self._updates if u["update_id"] < offset]
                    self.confirmed.update(confirmed)
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                batch = self._updates[:limit]
                self._new_update.clear()
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                return _ok(batch)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=remaining)
            except TimeoutError:
                return _ok([])

    def _limit(self, chat_id: int, method: str) -> int | None:
        """Seconds to wait when a limit would be exceeded, else record the message. Call with the lock held."""
        now = time.monotonic()
        chat = self._chat_sends[chat_id]
        while chat and chat[0] <= now - self.chat_period:
            chat.popleft()
        while self._global_sends and self._global_sends[0] <= now - self.global_period:
            self._global_sends.popleft()
        if method == "sendMessage" and len(chat) >= self.chat_limit:
            return max(1, math.ceil(chat[0] + self.chat_period - now))
        if len(self._global_sends) >= self.global_limit:
            return max(1, math.ceil(self._global_sends[0] + self.global_period - now))
        if method == "sendMessage":
            chat.append(now)
        self._global_sends.append(now)
        return None

    async def _api_sendMessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        raw = str(params.get("text") or "")
        refused = self._refused(chat_id)
        if refused is not None:
            return refused
        checked = self._check_text(raw, params)
        if isinstance(checked, web.Response):
            return checked
        text, markup, buttons = checked
        sent = self._record(
            chat_id, lambda message_id: SentMessage(chat_id, message_id, text, raw, buttons, time.monotonic(), markup)
        )
        return sent if isinstance(sent, web.Response) else _ok(self._message_json(sent))

    async def _api_copyMessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        refused = self._refused(chat_id)
        if refused is not None:
            return refused
        original = self.from_users.get((int(params["from_chat_id"]), int(params["message_id"])))
        if original is None:
            return _error(400, "Bad Request: message to copy not found")
        caption = str(original.get("caption") or "")
        sent = self._record(
            chat_id,
            lambda message_id: SentMessage(
                chat_id, message_id, caption, caption, [], time.monotonic(), copy_of=original
            ),
        )
        return sent if isinstance(sent, web.Response) else _ok({"message_id": sent.message_id})

    def _refused(self, chat_id: int) -> web.Response | None:
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self._message_ids:
            return _error(400, "Bad Request: chat not found")
        return None

    def _record(self, chat_id: int, build: Callable[[int], SentMessage]) -> SentMessage | web.Response:
        """A message to the chat within the limits (built with the chat's next message id), or a 429."""
        with self._lock:
            wait = self._limit(chat_id, "sendMessage")
            if wait is not None:
                self.too_many += 1
                return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
            sent = build(next(self._message_ids[chat_id]))
            self.sent.append(sent)
            self.by_id[(chat_id, sent.message_id)] = sent
            return sent

    def _check_text(
        self, raw: str, params: dict[str, Any]
    ) -> tuple[str, dict[str, Any] | None, list[tuple[str, str]]] | web.Response:
        if params.get("parse_mode") == "HTML":
            try:
                text = parse_html(raw)
            except EntityError as exc:
                return _error(400, f"Bad Request: can't parse entities: {exc}")
        else:
            text = raw
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        markup = _json(params.get("reply_markup"))
        buttons: list[tuple[str, str]] = []
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
                buttons.append((button["text"], data if data is not None else button.get("url", "")))
        return text, markup, buttons

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> web.Response:
        return await self._edit(params, text=False)

    async def _api_editMessageText(self, params: dict[str, Any]) -> web.Response:
        return await self._edit(params, text=True)

    async def _edit(self, params: dict[str, Any], *, text: bool) -> web.Response:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        with self._lock:
            sent = self.by_id.get((chat_id, message_id))
        if sent is None:
            return _error(400, "Bad Request: message to edit not found")
        checked = self._check_text(
            str(params.get("text") or sent.html),
            params if text else {"reply_markup": params.get("reply_markup"), "parse_mode": "HTML"},
        )
        if isinstance(checked, web.Response):
            return checked
        new_text, markup, buttons = checked
        if new_text == sent.text and buttons == sent.buttons:
            return _error(400, "Bad Request: message is not modified")
        with self._lock:
            wait = self._limit(chat_id, "edit")
            if wait is not None:
                self.too_many += 1
                return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
            sent.edits.append(new_text)
            sent.text, sent.buttons, sent.reply_markup = new_text, buttons, markup
            return _ok(self._message_json(sent))

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        query_id = str(params["callback_query_id"])
        with self._lock:
            if query_id not in self.open_callbacks:
                return _error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            self.open_callbacks.discard(query_id)
            self.callback_answers[query_id] = params.get("text")
        return _ok(True)

    async def _api_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        commands = _json(params.get("commands")) or []
        for command in commands:
            if not (1 <= len(command["command"]) <= 32 and 1 <= len(command["description"]) <= 256):
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = _json(params.get("scope")) or {"type": "default"}
        with self._lock:
            self.commands[_scope_key(scope)] = commands
        return _ok(True)

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> web.Response:
        scope = _json(params.get("scope")) or {"type": "default"}
        with self._lock:
            self.commands.pop(_scope_key(scope), None)
        return _ok(True)

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        with self._lock:
            self.webhook = None
            if str(params.get("drop_pending_updates", "")).lower() == "true":
                self._updates.clear()
        return _ok(True)

    async def _api_setWebhook(self, params: dict[str, Any]) -> web.Response:
        with self._lock:
            self.webhook = {
                "url": params["url"],
                "secret_token": params.get("secret_token"),
                "allowed_updates": _json(params.get("allowed_updates")),
            }
        return _ok(True)

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        with self._lock:
            info = {
                "url": (self.webhook or {}).get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        return _ok(info)

    async def _api_leaveChat(self, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    def _message_json(self, sent: SentMessage) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "group", "first_name": "U"},
            "from": BOT,
            "text": sent.text,
        }
        if sent.reply_markup and sent.reply_markup.get("inline_keyboard"):
            message["reply_markup"] = sent.reply_markup
        return message

    # --- pushing updates to a webhook -----------------------------------------------------------
    def push_to_webhook(self, connections: int = 40) -> None:
        """From now on post every pending update to the webhook as Telegram does, until the server stops: up to
        `connections` posts at once (Telegram's `max_connections`, 40 by default), one chat's updates one after
        the other, each update kept and posted again until it is answered 200."""
        assert self._loop is not None and self.webhook is not None
        self._pusher = asyncio.run_coroutine_threadsafe(self._pushing(self.webhook, connections), self._loop)

    async def _pushing(self, webhook: dict[str, Any], connections: int) -> None:
        import aiohttp  # the client side of the fake, only for webhook mode

        assert self._new_update is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook.get("secret_token") or ""}
        busy: set[int] = set()  # chats with an update on its way
        posts: set[asyncio.Task[None]] = set()

        async def post(session: aiohttp.ClientSession, update: dict[str, Any], chat: int) -> None:
            try:
                async with session.post(webhook["url"], json=update, headers=headers) as response:
                    answered = response.status == 200
            except aiohttp.ClientError:
                answered = False
            if answered:
                with self._lock:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                    self.confirmed.add(update["update_id"])
            else:
                await asyncio.sleep(0.1)  # Telegram waits before it tries again
            busy.discard(chat)
            assert self._new_update is not None
            self._new_update.set()

        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
            while True:
                self._new_update.clear()
                with self._lock:
                    pending = list(self._updates)
                for update in pending:
                    chat = _chat_of(update)
                    if len(busy) >= connections:
                        break
                    if chat not in busy:
                        busy.add(chat)
                        task = asyncio.create_task(post(session, update, chat))
                        posts.add(task)
                        task.add_done_callback(posts.discard)
                await self._new_update.wait()

    def deliver_webhook(self, timeout: float = 10.0) -> int:
        """Post every pending update to the webhook like Telegram does; an update stays until answered 200."""
        import httpx  # the client side of the fake, only for webhook tests

        assert self.webhook is not None
        delivered = 0
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook.get("secret_token") or ""}
        with self._lock:
            pending = list(self._updates)
        for update in pending:
            response = httpx.post(self.webhook["url"], json=update, headers=headers, timeout=timeout)
            if response.status_code == 200:
                with self._lock:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                    self.confirmed.add(update["update_id"])
                delivered += 1
        return delivered


def _chat_of(update: dict[str, Any]) -> int:
    """The chat an update belongs to (its sender's, for a button press without its message)."""
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    press = update.get("callback_query") or {}
    if "message" in press:
        return int(press["message"]["chat"]["id"])
    return int(press.get("from", {}).get("id", 0))


def _scope_key(scope: dict[str, Any]) -> str:
    return scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")


def _json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    if request.method == "POST":
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return dict(request.query)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
