"""`hotline supporters add|invite|list|deactivate|assign` on the test databases."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from services.bootstrap import App
from storage.models import AuditLog, HandoffRequest
from storage.supporter_models import AssignmentStatus, Supporter, SupporterAlert
from tests.aftercare_helpers import all_rows, checkin_payload
from tests.conftest import Cli
from tests.helpers import texts
from tests.supporters_helpers import assignment, chat, enrol, later


def test_add_list_masked_and_audited(app: App, cli: Cli) -> None:
    status, out, _err = cli(
        "supporters",
        "add",
        "--id",
        "84901234567",
        "--name",
        "Chị Hoa",
        "--org",
        "Hội Phụ nữ xã Tân Phú",
        "--commune",
        "Xã Tân Phú",
        "--channel",
        "test",
    )
    assert status == 0 and "supporter 1 added (Hội Phụ nữ xã Tân Phú, up to 2 people)" in out
    status, _out, err = cli(
        "supporters", "add", "--id", "84901234567", "--name", "X", "--org", "Y", "--channel", "test"
    )
    assert status == 1 and "đã dùng mã này" in err
    status, out, _err = cli("supporters", "list", "--json")
    [row] = json.loads(out)
    assert row["channel_id"] == "•••67" and "84901234567" not in out
    assert (row["name"], row["people"], row["capacity"], row["active"]) == ("Chị Hoa", 0, 2, True)
    actions = [a.action for a in all_rows(app, AuditLog)]
    assert actions == ["supporter.add", "supporters.list"]


def test_invitation_is_redeemed_once(app: App, cli: Cli) -> None:
    status, out, _err = cli("supporters", "invite", "--name", "Anh Bình", "--org", "Hội Cựu chiến binh xã Tân Phú")
    assert status == 0
    code = re.search(r"invitation code: (\S+)", out)
    assert code is not None
    newcomer = chat(app, "s7")
    replies = newcomer.say(f"/start {code.group(1).lower()}")
    assert "Chào mừng Anh Bình: từ giờ anh/chị là người hỗ trợ của Hội Cựu chiến binh xã Tân Phú" in texts(replies)
    [row] = all_rows(app, Supporter)
    assert (row.name, row.org, row.active) == ("Anh Bình", "Hội Cựu chiến binh xã Tân Phú", True)
    other = chat(app, "s8")
    assert "đã hết hạn hoặc đã được dùng" in texts(other.say(f"/start {code.group(1)}"))
    assert "Lệnh cho người hỗ trợ" in texts(newcomer.say("/help"))
    late = cli("supporters", "invite", "--name", "C", "--org", "D", "--hours", "1")[1]
    later_code = re.search(r"invitation code: (\S+)", late)
    assert later_code is not None
    later(app, timedelta(hours=2))
    assert "đã hết hạn" in texts(chat(app, "s9").say(f"/start {later_code.group(1)}"))


def test_assign_capacity_force_and_deactivate(app: App, cli: Cli) -> None:
    cli(
        "supporters",
        "add",
        "--id",
        "s1",
        "--name",
        "Chị Hoa",
        "--org",
        "Hội Phụ nữ",
        "--channel",
        "test",
        "--capacity",
        "1",
    )
    helper = chat(app, "s1")
    first, second = enrol(app, "p1"), enrol(app, "p2")
    status, out, _err = cli(
        "supporters", "assign", "--person", "p1", "--supporter", "1", "--label", "Tuấn", "--channel", "test"
    )
    assert status == 0 and "nothing is shared before their yes" in out
    status, _out, err = cli("supporters", "assign", "--person", "p2", "--supporter", "1", "--channel", "test")
    assert status == 1 and "đang hỗ trợ 1 người, giới hạn là 1" in err
    status, _out, err = cli(
        "supporters", "assign", "--person", "p2", "--supporter", "1", "--channel", "test", "--force"
    )
    assert status == 0 and "vượt giới hạn 1" in err
    assert cli("supporters", "assign", "--person", "nobody", "--supporter", "1", "--channel", "test")[0] == 1
    assert cli("supporters", "assign", "--person", "p1", "--supporter", "9", "--channel", "test")[0] == 1
    later(app, timedelta(0))
    first.press("sup:consent:1:yes")
    later(app, timedelta(days=1))
    message = next(m for m in reversed(first.received) if m.buttons)
    first.press(checkin_payload(message, "relapse"))
    later(app, timedelta(0))
    with app.uow() as uow:  # the escalation was dealt with; the supporter's alert is still open
        for request in uow.session.query(HandoffRequest):
            request.status = "closed"
        uow.commit()
    status, out, _err = cli("supporters", "deactivate", "--id", "s1", "--channel", "test")
    assert status == 0 and "2 assignments ended" in out
    later(app, timedelta(0))
    assert "Chị Hoa không còn là người hỗ trợ của bạn nữa" in first.received[-1].text
    assert not any("không còn là người hỗ trợ" in m.text for m in second.received)  # never agreed: nothing to say
    assert assignment(app, 1).status == AssignmentStatus.ENDED and assignment(app, 2).status == AssignmentStatus.ENDED
    [alert] = all_rows(app, SupporterAlert)
    assert alert.forwarded_at == app.clock.now()
    assert [r.reason for r in all_rows(app, HandoffRequest) if r.status == "waiting"] == ["supporter_no_contact"]
    assert "mình chưa hiểu lệnh này" in texts(helper.say("/people"))
