"""Thirty days of a 1,000-person cohort with random answers, the scheduler woken every 30 minutes.

What must hold: no message outside the allowed hours, no check-in sent twice (and none lost: everyone gets
exactly the plan's check-ins), and every escalation (relapse, craving ≥ 7, need to talk, two missed) in the
counsellors' queue.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bench.aftercare import seed
from services.aftercare import answers
from services.bootstrap import App
from services.clock import FakeClock
from services.handoff.queue import Priority
from storage.aftercare_models import AftercareCheckin, AftercareEnrolment, AftercareEvent
from storage.models import HandoffRequest, OutboxMessage
from tests.aftercare_helpers import all_rows, context
from tests.conftest import AppFactory

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PEOPLE = 1000
DAYS = 30
STEP = timedelta(minutes=30)
TIMES = ("08:00", "09:30", "12:00", "18:00", "20:00", "21:00")
CHECKINS_IN_30_DAYS = 16  # every day for 14 days, then days 21 and 28


def _answer_due(app: App, due: list[tuple[datetime, int, int]], rng: random.Random, expected: Counter[str]) -> None:
    """People answer their check-in a while after it came (0-5 hours), as they chose to."""
    now = app.clock.now()
    ready = [item for item in due if item[0] <= now]
    if not ready:
        return
    ctx = context(app)
    with app.uow() as uow:
        ids = [checkin_id for _when, _person, checkin_id in ready]
        rows = {c.id: c for c in uow.session.scalars(select(AftercareCheckin).where(AftercareCheckin.id.in_(ids)))}
        enrolment_ids = {c.enrolment_id for c in rows.values()}
        enrolments = {
            e.id: e
            for e in uow.session.scalars(select(AftercareEnrolment).where(AftercareEnrolment.id.in_(enrolment_ids)))
        }
        for item in ready:
            due.remove(item)
            checkin = rows[item[2]]
            enrolment = enrolments[checkin.enrolment_id]
            assert enrolment.person_id == item[1]
            kind = rng.choices(["ok", "craving", "relapse", "talk"], weights=[70, 20, 5, 5])[0]
            answers.answer(ctx, uow, enrolment, checkin, kind, now)
            if kind == "craving":
                level = rng.randint(0, 10)
                answers.craving_level(ctx, uow, enrolment, checkin, level, now)
                expected["aftercare_craving"] += level >= ctx.settings.craving_alert_level
            elif kind in ("relapse", "talk"):
                expected[f"aftercare_{kind}"] += 1
        uow.commit()


def _outbox_since(app: App, last_id: int) -> tuple[list[tuple[int, list[dict[str, str]]]], int]:
    """Outbox rows written since `last_id`: (person, buttons) each, and the new last id."""
    with app.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.id, OutboxMessage.person_id, OutboxMessage.buttons)
            .where(OutboxMessage.id > last_id)
            .order_by(OutboxMessage.id)
        ).all()
    if not rows:
        return [], last_id
    return [(person_id, json.loads(buttons)) for _id, person_id, buttons in rows], rows[-1][0]


def _missed_escalations(rows: list[AftercareCheckin]) -> int:
    """Escalations the rules call for: a silence reaching two missed check-ins in a row."""
    by_person: defaultdict[int, list[AftercareCheckin]] = defaultdict(list)
    for row in rows:
        by_person[row.person_id].append(row)
    count = 0
    for person_rows in by_person.values():
        streak = 0
        for row in sorted(person_rows, key=lambda r: r.seq):
            if row.status == "missed":
                streak += 1
                count += streak == 2
            elif row.status == "answered":
                streak = 0
    return count


@pytest.mark.slow
def test_thirty_days_of_a_thousand_people(make_app: AppFactory) -> None:
    app = make_app()
    clock = app.clock
    assert isinstance(clock, FakeClock)
    rng = random.Random(20261123)
    people = seed(app, PEOPLE, TIMES, channel="cohort", prefix="c")
    last_id = 0
    habit = {person_id: rng.choice([0.95, 0.8, 0.5, 0.0]) for person_id in people}
    hours = context(app).config.hours
    due: list[tuple[datetime, int, int]] = []
    expected: Counter[str] = Counter()
    seen: Counter[int] = Counter()  # check-in id → messages carrying its buttons (the check-in, a follow-up)
    checkins_per_person: Counter[int] = Counter()
    end = clock.now() + timedelta(days=DAYS)

    while clock.now() < end:
        clock.advance(STEP)
        app.run_due()
        now = clock.now()
        written, last_id = _outbox_since(app, last_id)  # what a channel would deliver now
        if written:
            assert hours.allows(now), f"{len(written)} messages written at {now.astimezone(HCM)}"
        for person_id, buttons in written:
            ids = {int(b["payload"].split(":")[2]) for b in buttons if b["payload"].startswith("ac:a:")}
            if not ids:
                continue
            [checkin_id] = ids
            seen[checkin_id] += 1
            if seen[checkin_id] == 1:
                checkins_per_person[person_id] += 1
                if rng.random() < habit[person_id]:
                    due.append((now + timedelta(minutes=rng.randint(0, 300)), person_id, checkin_id))
        _answer_due(app, due, rng, expected)

    # no check-in outside the allowed hours, none sent twice, none lost
    outbox = all_rows(app, OutboxMessage)
    assert all(hours.allows(m.created_at) for m in outbox)
    assert max(seen.values()) <= 2, "a check-in goes once, with at most one follow-up"
    assert checkins_per_person == dict.fromkeys(people, CHECKINS_IN_30_DAYS)
    rows = all_rows(app, AftercareCheckin)
    statuses = Counter(r.status for r in rows)
    assert statuses["skipped"] == 0 and statuses["cancelled"] == 0
    assert statuses["answered"] + statuses["missed"] + statuses["sent"] == PEOPLE * CHECKINS_IN_30_DAYS
    assert Counter(sorted((r.enrolment_id, r.seq) for r in rows)).most_common(1)[0][1] == 1

    # every escalation reached the counsellors' queue
    escalated = all_rows(app, AftercareEvent, kind="escalated")
    expected["aftercare_missed"] = _missed_escalations(rows)
    assert Counter(e.value for e in escalated) == +expected
    assert expected["aftercare_missed"] > 0 and expected["aftercare_craving"] > 0
    queue = {r.person_id: r for r in all_rows(app, HandoffRequest)}
    for event in escalated:
        request = queue.get(event.person_id)
        assert request is not None and request.priority >= Priority.ESCALATION
        assert request.created_at <= event.at
    assert set(queue) == {e.person_id for e in escalated}
