"""The plans' indicators on a known 90-day history (2026Q3), built with the fake clock through the use cases.

People (channel "test"): a1–a5 registered in Hồ Chí Minh / Phường Bến Thành on 25 June (completed 2 July);
a6 (HCM / Phường Sài Gòn) and a7 (Đà Nẵng / Phường Hải Châu) registered in July; r1–r5 (Bến Thành) in August;
b1 never registered; a8, a9 never registered. Counsellor c1 is on duty. Every figure is checked exactly.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from sqlalchemy import select

from services.aftercare import answers
from services.aftercare.enrolment import accept, complete, offer, pause, resume, stop
from services.aftercare.repository import AftercareRepository
from services.bootstrap import App
from services.clock import FakeClock
from services.directory.places import PlaceError
from services.i18n import LOCAL_TZ
from services.indicators.aftercare import AftercareFigures, FinishedTreatment
from services.indicators.contact import EscalationFigures
from services.indicators.period import make_period, parse_quarter
from services.indicators.places import place_filter
from services.indicators.publish import CSV_COLUMNS, shown, to_csv
from services.indicators.report import Indicators, build_indicators
from services.indicators.volumes import CsatFigures, HotlineFigures, RegistrationFigures
from services.registration.service import set_status
from services.registration.statuses import Status
from storage.models import AuditLog
from tests.aftercare_helpers import context
from tests.conftest import AppFactory, Cli
from tests.handoff_support import Party
from tests.helpers import Chat
from tests.registration_support import register

HCM_BT = {"province": "ho chi minh", "ward": "ben thanh"}
NOW = "2026-10-05T12:00"
Q3 = parse_quarter("2026Q3")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


@dataclass
class History:
    app: App
    party: Party
    codes: dict[str, str] = field(default_factory=dict)

    def at(self, when: str) -> None:
        clock = self.app.clock
        assert isinstance(clock, FakeClock)
        clock.advance(local(when) - clock.now())

    def register(self, user: str, when: str, **place: str) -> None:
        self.at(when)
        self.codes[user] = register(Chat(self.app, user=user), **place)

    def status(self, user: str, status: Status, when: str) -> None:
        self.at(when)
        with self.app.uow() as uow:
            set_status(uow, self.codes[user], status, "staff:lan", None, self.app.clock.now())
            uow.commit()

    def aftercare(self, user: str, action: str, when: str, days: int = 0) -> None:
        """The after-care use cases, called as the dialogue and the scheduler call them."""
        self.at(when)
        ctx, now = context(self.app), self.app.clock.now()
        with self.app.uow() as uow:
            repo = AftercareRepository(uow.session)
            person = uow.people.get_or_create("test", user, now)
            if action == "enrol":
                person.consent_at = person.consent_at or now
                offer(ctx, repo, person.id, "cli", now)
                accept(ctx, repo, person.id, now)
            else:
                enrolment = repo.enrolment(person.id)
                assert enrolment is not None
                if action == "pause":
                    pause(ctx, repo, enrolment, days, now)
                elif action == "resume":
                    resume(ctx, repo, enrolment, now, how="person")
                elif action == "stop":
                    stop(repo, enrolment, now)
                elif action == "complete":
                    complete(repo, enrolment, now)
                elif action == "relapse":  # the answer "Đã dùng lại": recorded and escalated
                    answers.answer(ctx, uow, enrolment, None, "relapse", now)
                elif action == "talk":
                    answers.escalate(ctx, uow, enrolment, answers.REASON_TALK, now)
                else:
                    raise AssertionError(action)
            uow.commit()

    def accept(self, when: str) -> None:
        self.at(when)
        self.party.say("c1", "/accept")

    def close(self, user: str, score: str | None) -> None:
        self.party.say("c1", "/close đã tư vấn")
        if score is not None:
            payload = next(p for p in self.party.buttons(user) if p.startswith("handoff:csat:") and p.endswith(score))
            self.party.press(user, payload)

    def crisis(self, user: str, when: str) -> None:
        self.at(when)
        self.party.say(user, "tôi không muốn sống nữa")


def build_history(make_app: AppFactory, app: App) -> History:
    """`app` is the test's own (created first, so PostgreSQL is emptied before the history is written)."""
    history_app = make_app(clock=FakeClock(local("2026-06-01T00:00")))
    h = History(history_app, Party(history_app))
    h.party.counsellor("c1", "Lan")
    h.aftercare("a4", "enrol", "2026-06-01T00:00")
    h.aftercare("a1", "enrol", "2026-06-21T00:00")
    for number, user in enumerate(("a1", "a2", "a3", "a4", "a5")):
        h.register(user, f"2026-06-25T09:{number:02d}", **HCM_BT)
    h.aftercare("a1", "relapse", "2026-06-25T15:00")  # before the quarter: its escalation is not counted
    h.accept("2026-06-25T15:05")
    h.close("a1", ":3")
    h.aftercare("a3", "enrol", "2026-07-01T00:00")
    h.aftercare("a8", "enrol", "2026-07-01T00:00")
    for number, user in enumerate(("a1", "a2", "a3", "a4", "a5")):
        h.status(user, Status.COMPLETED, f"2026-07-02T10:{number:02d}")
    h.register("a6", "2026-07-05T09:00", province="ho chi minh", ward="sai gon")
    h.register("a7", "2026-07-06T09:00", province="da nang", ward="hai chau")
    h.aftercare("a2", "enrol", "2026-07-11T00:00")
    h.aftercare("a1", "relapse", "2026-07-20T10:00")  # E1: contact after 10 min
    h.accept("2026-07-20T10:10")
    h.close("a1", ":5")
    h.aftercare("a3", "stop", "2026-07-31T00:00")
    h.at("2026-08-01T09:58")
    h.party.consent("b1")
    h.crisis("b1", "2026-08-01T10:00")  # crisis, accepted after 2 min
    h.accept("2026-08-01T10:02")
    h.close("b1", ":4")
    for day, user in enumerate(("r1", "r2", "r3", "r4", "r5"), start=3):
        h.register(user, f"2026-08-{day:02d}T09:00", **HCM_BT)
    h.aftercare("a2", "relapse", "2026-08-08T10:00")  # E2: 30 min
    h.accept("2026-08-08T10:30")
    h.close("a2", ":4")
    h.aftercare("a2", "pause", "2026-08-10T00:00", days=3)
    h.aftercare("a8", "relapse", "2026-08-15T10:00")  # E3: 60 min
    h.accept("2026-08-15T11:00")
    h.close("a8", ":5")
    h.aftercare("a2", "resume", "2026-08-20T00:00")
    h.crisis("r1", "2026-08-20T10:00")  # crisis, accepted after 6 min, no rating
    h.accept("2026-08-20T10:06")
    h.close("r1", ":skip")
    h.aftercare("a4", "complete", "2026-08-31T00:00")
    h.aftercare("a6", "enrol", "2026-09-01T00:00")
    for user, status in (("r4", Status.CANCELLED), ("r2", Status.CONTACTED), ("r3", Status.CONTACTED)):
        h.status(user, status, "2026-09-01T10:00")
    h.status("a6", Status.CONTACTED, "2026-09-01T10:00")
    h.aftercare("a8", "relapse", "2026-09-10T10:00")  # E4: 20 min
    h.accept("2026-09-10T10:20")
    h.aftercare("a8", "talk", "2026-09-10T10:40")  # E5: already talking with c1: 0 min
    h.at("2026-09-10T11:00")
    h.close("a8", ":2")
    h.aftercare("a7", "enrol", "2026-09-15T00:00")
    h.aftercare("a6", "pause", "2026-09-20T00:00", days=14)
    h.aftercare("a7", "relapse", "2026-09-25T10:00")  # E6: 240 min
    h.accept("2026-09-25T14:00")
    h.close("a7", ":5")
    h.aftercare("a6", "talk", "2026-09-28T10:00")  # E7: only accepted after the quarter
    h.aftercare("a9", "enrol", "2026-10-02T00:00")
    h.accept("2026-10-02T10:00")
    h.status("r5", Status.CONTACTED, "2026-10-02T11:00")
    h.aftercare("a8", "stop", "2026-10-03T00:00")
    h.at(NOW)
    return h


def indicators(h: History, province: str | None = None, commune: str | None = None) -> Indicators:
    with h.app.uow() as uow:
        return build_indicators(uow.session, make_period(*Q3, h.app.clock.now()), place_filter(province, commune))


@pytest.fixture
def history(make_app: AppFactory, app: App) -> History:
    return build_history(make_app, app)


def test_every_figure_of_the_quarter(history: History) -> None:
    result = indicators(history)
    # In after-care at the end (30 Sep): a1, a2, a7, a8 active (a8 stops on 3 Oct), a6 paused, a4 completed,
    # a3 stopped; a9 joined after the quarter. Days inside the quarter: a1 92, a2 82, a3 30, a4 61, a6 30,
    # a7 16, a8 92 = 403 days = 13.43 people-months; 5 relapses (a1's of 25 June is before it).
    assert result.aftercare == AftercareFigures(
        by_state={"active": 4, "paused": 1, "completed": 1, "stopped": 1},
        ever_enrolled=7,
        new_enrolments=5,
        people_months=round(403 / 30, 2),
        people_in_period=7,
        relapse_reports=5,
        relapse_rate_per_100_pm=round(100 * 5 / (403 / 30), 1),
    )
    assert result.aftercare.relapse_rate_per_100_pm == 37.2
    assert result.finished == FinishedTreatment(finished=5, in_aftercare=2, share=0.4)
    # E1..E7; contacts after 10, 30, 60, 20, 0, 240 min; E7 (a6) only after the quarter.
    assert result.escalations == EscalationFigures(
        total=7,
        by_reason={"aftercare_relapse": 5, "aftercare_talk": 2},
        contacted=6,
        not_contacted=1,
        by_source={"counsellor": 6, "supporter": 0},
        minutes_p50=25.0,
        minutes_p90=150.0,
    )
    assert result.registrations == RegistrationFigures(
        total=7,
        by_status={
            "received": 3,
            "processing": 0,
            "contacted": 3,
            "transferred": 0,
            "completed": 0,
            "cancelled": 1,
        },
        by_commune={
            "Hồ Chí Minh / Phường Bến Thành": 5,
            "Hồ Chí Minh / Phường Sài Gòn": 1,
            "Đà Nẵng / Phường Hải Châu": 1,
        },
    )
    # Wrote in the quarter: a6, a7, r1–r5 (registering), a1, a2, a8 (ratings), b1 (crisis): 11 people on
    # 14 person-days (7 registrations, a1, a2, a8 twice, a7's rating, b1, r1's crisis day).
    # Requests: E1, E2, E3, E4 (E5 joined it), E6, E7, and the crises of b1 and r1; waits 10, 30, 60, 20, 240,
    # 2, 6 min (E7 was accepted after the quarter).
    assert result.hotline == HotlineFigures(
        people=11,
        conversations=14,
        crisis_events=2,
        crisis_by_kind={"suicide": 2},
        handoffs=8,
        handoffs_accepted=7,
        wait_minutes_p50=20.0,
        wait_minutes_p90=132.0,
    )
    # Ratings of conversations closed in the quarter: 5, 4, 5, 2, 5 and b1's 4 (a1's 3 of June is outside).
    assert result.csat == CsatFigures(responses=6, average=round(25 / 6, 2), satisfied=5)


def test_a_place_filter_counts_the_people_registered_there(history: History) -> None:
    result = indicators(history, "Ho Chi Minh", "ben thanh")
    # a1–a5 and r1–r5 registered in Phường Bến Thành.
    assert result.aftercare == AftercareFigures(
        by_state={"active": 2, "paused": 0, "completed": 1, "stopped": 1},
        ever_enrolled=4,
        new_enrolments=2,
        people_months=round(265 / 30, 2),
        people_in_period=4,
        relapse_reports=2,
        relapse_rate_per_100_pm=round(100 * 2 / (265 / 30), 1),
    )
    assert result.finished == FinishedTreatment(finished=5, in_aftercare=2, share=0.4)
    assert result.escalations == EscalationFigures(
        total=2,
        by_reason={"aftercare_relapse": 2},
        contacted=2,
        not_contacted=0,
        by_source={"counsellor": 2, "supporter": 0},
        minutes_p50=20.0,
        minutes_p90=28.0,
    )
    assert result.registrations == RegistrationFigures(
        total=5,
        by_status={
            "received": 2,
            "processing": 0,
            "contacted": 2,
            "transferred": 0,
            "completed": 0,
            "cancelled": 1,
        },
        by_commune={"Phường Bến Thành": 5},
    )
    assert result.hotline == HotlineFigures(
        people=7,
        conversations=8,
        crisis_events=1,
        crisis_by_kind={"suicide": 1},
        handoffs=3,
        handoffs_accepted=3,
        wait_minutes_p50=10.0,
        wait_minutes_p90=26.0,
    )
    assert result.csat == CsatFigures(responses=2, average=4.5, satisfied=2)
    # A province alone: a6 (Phường Sài Gòn) joins; Đà Nẵng is a7 alone.
    hcm = indicators(history, "thành phố hồ chí minh")
    assert hcm.registrations.total == 6 and hcm.registrations.by_commune["Phường Sài Gòn"] == 1
    assert hcm.aftercare.by_state == {"active": 2, "paused": 1, "completed": 1, "stopped": 1}
    da_nang = indicators(history, "da nang")
    assert (da_nang.aftercare.ever_enrolled, da_nang.aftercare.relapse_reports, da_nang.finished.finished) == (1, 1, 0)


def test_small_counts_are_suppressed_without_leaking_by_subtraction(history: History) -> None:
    values = {(row.indicator, row.breakdown): row.value for row in shown(indicators(history), suppress=True)}
    assert values[("aftercare.people", "total")] == "7"
    assert {values[("aftercare.people", s)] for s in ("active", "paused", "completed", "stopped")} == {"<5"}
    assert values[("aftercare.new_enrolments", "")] == "5"
    assert values[("aftercare.people_months", "")] == "13.43"
    assert values[("aftercare.relapse_reports", "")] == "5"
    assert values[("aftercare.relapse_rate", "")] == "37.2"
    assert values[("treatment.finished", "")] == "5"
    # 2 of 5 in after-care: both cells and the share derived from them are hidden.
    assert values[("treatment.finished_in_aftercare", "in after-care")] == "<5"
    assert values[("treatment.finished_in_aftercare", "not in after-care")] == "<5"
    assert values[("treatment.share_in_aftercare", "")] == "<5"
    # 2 talks hidden, so the 5 relapses are hidden too (7 - 5 = 2); 1 not contacted hides contacted (6) and the
    # counsellor source (6).
    assert values[("escalations", "total")] == "7"
    assert values[("escalations", "aftercare_talk")] == "<5"
    assert values[("escalations", "aftercare_relapse")] == "<5"
    assert values[("escalations.first_contact", "not contacted")] == "<5"
    assert values[("escalations.first_contact", "contacted")] == "<5"
    assert values[("escalations.first_contact", "by counsellor")] == "<5"
    assert values[("escalations.first_contact_minutes", "p50")] == "25.0"
    assert values[("registrations", "total")] == "7"
    assert values[("registrations", "status: received")] == "<5"
    assert values[("registrations", "status: processing")] == "0"
    assert values[("registrations", "commune: Hồ Chí Minh / Phường Bến Thành")] == "5"
    assert values[("registrations", "commune: Đà Nẵng / Phường Hải Châu")] == "<5"
    assert values[("hotline.people", "")] == "11"
    assert values[("hotline.conversations", "")] == "14"
    assert values[("hotline.crisis_events", "total")] == "<5"
    assert values[("hotline.handoffs", "requests")] == "8"
    assert values[("hotline.handoffs", "not accepted")] == "<5"
    assert values[("hotline.handoffs", "accepted")] == "<5"
    assert values[("hotline.wait_minutes", "p90")] == "132.0"
    assert values[("csat", "responses")] == "6"
    assert values[("csat", "average")] == "4.17"
    assert values[("csat", "not satisfied (1-3)")] == "<5"
    assert values[("csat", "satisfied (4-5)")] == "<5"
    # Under a commune filter, the 2 escalations hide their percentiles.
    small = {
        (r.indicator, r.breakdown): r.value
        for r in shown(indicators(history, "ho chi minh", "ben thanh"), suppress=True)
    }
    assert small[("escalations.first_contact_minutes", "p50")] == "<5"
    assert small[("aftercare.relapse_rate", "")] == "<5"
    assert small[("csat", "average")] == "<5"
    assert small[("hotline.wait_minutes", "p50")] == "<5"
    # Exact values are there for staff who ask for them.
    exact = {(r.indicator, r.breakdown): r.value for r in shown(indicators(history), suppress=False)}
    assert exact[("escalations", "aftercare_talk")] == "2"


def test_quarterly_csv_has_a_bom_the_columns_and_suppressed_values(history: History) -> None:
    content = to_csv(indicators(history, "hồ chí minh"))
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    by_key = {(row[4], row[5]): row for row in rows[1:]}
    total = by_key[("registrations", "total")]
    assert total[:4] == ["2026-07-01", "2026-09-30", "Hồ Chí Minh", ""]
    assert total[6:8] == ["6", "registrations"]
    assert by_key[("registrations", "commune: Phường Sài Gòn")][6] == "<5"
    assert all(row[6] not in {"1", "2", "3", "4"} for row in rows[1:])
    assert all(row[8] for row in rows[1:])  # every row carries its definition


def test_cli_indicators_quarterly_and_audit(history: History, cli: Cli) -> None:
    status, out, err = cli("reports", "indicators", "--quarter", "2026Q3", "--explain")
    assert status == 0, err
    assert "2026-07-01..2026-09-30" in out and "counts 1-4 shown as <5" in out
    assert "# aftercare.relapse_rate: Relapse reports × 100" in out
    assert "# Places: only registrations store one" in out
    status, out, err = cli(
        "reports", "indicators", "--since", "2026-07-01", "--until", "2026-09-30", "--json", "--exact"
    )
    assert status == 0, err
    data = json.loads(out)
    assert data["suppressed"] is False
    assert data["exact"]["escalations"]["minutes_p90"] == 150.0
    assert data["exact"]["hotline"]["conversations"] == 14
    status, out, err = cli("reports", "indicators", "--quarter", "2026Q3", "--json")
    assert json.loads(out)["suppressed"] is True and "exact" not in json.loads(out)
    status, out, err = cli("reports", "quarterly", "2026Q3", "--province", "ho chi minh", "--commune", "ben thanh")
    assert status == 0, err
    assert out.startswith("\ufeffperiod_start,period_end,province,commune,indicator")
    assert "2026-07-01,2026-09-30,Hồ Chí Minh,Phường Bến Thành,registrations,total,5,registrations" in out
    status, out, err = cli("reports", "indicators", "--quarter", "2026Q3", "--csv", "--exact")
    assert status == 2 and "always suppressed" in err
    status, out, err = cli("reports", "indicators", "--province", "binh duong")
    assert status == 2 and "Hồ Chí Minh" in err  # merged into Hồ Chí Minh in 2025
    status, out, err = cli("reports", "quarterly", "2026Q5")
    assert status == 2 and "2026Q3" in err
    with history.app.uow() as uow:
        audits = [
            (a.subject_id, a.reason)
            for a in uow.session.scalars(select(AuditLog).where(AuditLog.action == "report.indicators"))
        ]
    assert len(audits) == 4
    assert {subject for subject, _reason in audits} == {"*", "Phường Bến Thành, Hồ Chí Minh"}
    assert ("*", "2026-07-01..2026-09-30 json exact") in audits


def test_periods_and_places_are_checked() -> None:
    assert parse_quarter("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert parse_quarter("2026-q1") == (date(2026, 1, 1), date(2026, 3, 31))
    now = local("2026-08-15T12:00")
    period = make_period(date(2026, 7, 1), date(2026, 9, 30), now)
    assert period.start == local("2026-07-01T00:00") and period.end == now  # a quarter in progress ends now
    with pytest.raises(ValueError, match="starts after it ends"):
        make_period(date(2026, 9, 1), date(2026, 8, 1), now)
    with pytest.raises(ValueError, match="needs --province"):
        place_filter(None, "ben thanh")
    with pytest.raises(PlaceError):
        place_filter("ho chi minh", "hai chau")  # Phường Hải Châu is in Đà Nẵng
