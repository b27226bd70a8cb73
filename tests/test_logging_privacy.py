"""No message text, names, phone numbers or tokens in logs."""

from __future__ import annotations

from services.bootstrap import App
from services.logging_setup import redact
from tests.helpers import Chat, captured_logs

SECRETS = ["Nguyễn Văn Minh", "0912345678", "0912 345 678", "tôi muốn chết", "nghiện đá"]


def test_a_conversation_leaves_no_personal_text_in_logs(app: App) -> None:
    with captured_logs() as stream:
        chat = Chat(app, user="5550001")
        chat.consent()
        chat.say("Tôi là Nguyễn Văn Minh, số 0912 345 678, con tôi nghiện đá")
        chat.say("tôi muốn chết")
        chat.say("/delete")
        chat.press("delete:yes")
    logs = stream.getvalue()
    assert "turn handled" in logs and "crisis recognised" in logs, "the test really captured the logs"
    for secret in [*SECRETS, "5550001"]:
        assert secret not in logs


def test_redaction_catches_tokens_and_phones() -> None:
    line = "url https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0/getMe from 0912.345.678"
    cleaned = redact(line)
    assert "AAHdqTcv" not in cleaned and "345.678" not in cleaned
