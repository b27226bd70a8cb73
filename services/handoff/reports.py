"""Handoff records for staff: the list of requests (masked) and the service report (waits, outcomes, CSAT)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from services.handoff.core import Repos
from services.handoff.texts import mask
from storage.handoff_models import HandoffEventKind
from storage.models import AuditLog, HandoffRequest, HandoffStatus
from storage.uow import UnitOfWork


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _minutes(values: list[float]) -> dict[str, Any]:
    p50, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return {
        "n": len(values),
        "p50": None if p50 is None else round(p50 / 60, 1),
        "p90": None if p90 is None else round(p90 / 60, 1),
    }


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start is not None and end is not None else None


def list_rows(uow: UnitOfWork, status: str | None, actor: str, now: datetime) -> list[dict[str, Any]]:
    """One row per request; personal values masked, counsellors by pseudonym. Audited."""
    repos = Repos(uow)
    names = {c.id: c.name for c in repos.counsellors.all()}
    rows = []
    for r in repos.queue.all(status=status):
        rows.append(
            {
                "id": r.id,
                "status": r.status,
                "priority": r.priority,
                "crisis": r.crisis,
                "reason": r.reason,
                "created_at": r.created_at.isoformat(),
                "wait_min": _round_minutes(_seconds(r.created_at, r.accepted_at)),
                "counsellor": names.get(r.counsellor_id, "") if r.counsellor_id else "",
                "outcome": r.outcome or "",
                "ended_by": r.ended_by or "",
                "csat": r.csat if r.csat is not None else "",
                "callback": mask(r.callback_phone) if r.callback_phone else "",
            }
        )
    uow.audit.add(
        AuditLog(
            at=now, actor=actor, action="handoffs.list", subject_type="handoff", subject_id="*", reason=status or "all"
        )
    )
    return rows


def _round_minutes(seconds: float | None) -> float | str:
    return "" if seconds is None else round(seconds / 60, 1)


def report(uow: UnitOfWork, since: datetime | None, actor: str, now: datetime) -> dict[str, Any]:
    """Counts, wait p50/p90, first response, handle time, abandonment, outcomes, CSAT, per counsellor."""
    repos = Repos(uow)
    requests = repos.queue.all(since=since)
    events = repos.queue.events([r.id for r in requests]) if requests else []
    names = {c.id: c.name for c in repos.counsellors.all()}
    statuses = Counter(r.status for r in requests)
    waits = [s for r in requests if (s := _seconds(r.created_at, r.accepted_at)) is not None]
    first = [s for r in requests if (s := _seconds(r.accepted_at, r.first_response_at)) is not None]
    handle = [
        s
        for r in requests
        if r.status == HandoffStatus.CLOSED and (s := _seconds(r.accepted_at, r.closed_at)) is not None
    ]
    abandoned = [r for r in requests if r.status == HandoffStatus.CANCELLED and r.accepted_at is None]
    answered = [r for r in requests if r.accepted_at is not None]
    ended = len(abandoned) + len(answered)
    scores = [r.csat for r in requests if r.csat is not None]
    timeouts = Counter(e.detail or "" for e in events if e.kind == HandoffEventKind.TIMEOUT)
    result: dict[str, Any] = {
        "since": since.isoformat() if since else None,
        "requests": {
            "total": len(requests),
            **{status.value: statuses.get(status.value, 0) for status in HandoffStatus},
            "crisis": sum(1 for r in requests if r.crisis),
            "callbacks": sum(1 for r in requests if r.callback_at is not None),
        },
        "wait_minutes": _minutes(waits),
        "first_response_minutes": _minutes(first),
        "handle_minutes": _minutes(handle),
        "abandonment": {"abandoned": len(abandoned), "rate": round(len(abandoned) / ended, 3) if ended else None},
        "outcomes": dict(Counter(r.outcome or "none" for r in requests if r.status == HandoffStatus.CLOSED)),
        "csat": {"n": len(scores), "average": round(sum(scores) / len(scores), 2) if scores else None},
        "transfers": sum(1 for e in events if e.kind == HandoffEventKind.TRANSFERRED),
        "requeued": sum(1 for e in events if e.kind == HandoffEventKind.REQUEUED),
        "timeouts": dict(timeouts),
        "counsellors": _per_counsellor(requests, events, names),
    }
    uow.audit.add(
        AuditLog(at=now, actor=actor, action="report.handoffs", subject_type="handoff", subject_id="*", reason=None)
    )
    return result


def _per_counsellor(requests: list[HandoffRequest], events: list[Any], names: dict[int, str]) -> list[dict[str, Any]]:
    accepted: Counter[int] = Counter()
    transfers_out: Counter[int] = Counter()
    requeued: Counter[int] = Counter()
    for event in events:
        if event.kind == HandoffEventKind.ACCEPTED and event.counsellor_id is not None:
            accepted[event.counsellor_id] += 1
        elif event.kind == HandoffEventKind.TRANSFERRED and (event.detail or "").startswith("from:"):
            transfers_out[int(event.detail.removeprefix("from:"))] += 1
        elif event.kind == HandoffEventKind.TRANSFERRED and event.counsellor_id is not None:
            transfers_out[event.counsellor_id] += 1
        elif event.kind == HandoffEventKind.REQUEUED and event.detail == "counsellor_silent" and event.counsellor_id:
            requeued[event.counsellor_id] += 1
    closed: dict[int, list[HandoffRequest]] = defaultdict(list)
    for r in requests:
        if r.status == HandoffStatus.CLOSED and r.counsellor_id is not None:
            closed[r.counsellor_id].append(r)
    rows = []
    for counsellor_id in sorted(set(accepted) | set(closed) | set(transfers_out) | set(requeued)):
        mine = closed.get(counsellor_id, [])
        handle = [s for r in mine if (s := _seconds(r.accepted_at, r.closed_at)) is not None]
        scores = [r.csat for r in mine if r.csat is not None]
        rows.append(
            {
                "id": counsellor_id,
                "name": names.get(counsellor_id, ""),
                "accepted": accepted.get(counsellor_id, 0),
                "closed": len(mine),
                "handle_p50_min": _minutes(handle)["p50"],
                "transfers_out": transfers_out.get(counsellor_id, 0),
                "requeued_after_silence": requeued.get(counsellor_id, 0),
                "csat_average": round(sum(scores) / len(scores), 2) if scores else None,
            }
        )
    return rows


def format_report(data: dict[str, Any]) -> str:
    """The report as plain text for the terminal."""
    req = data["requests"]
    lines = [
        f"Handoffs since {data['since'] or 'the beginning'}",
        f"  requests: {req['total']} (waiting {req['waiting']}, active {req['active']}, closed {req['closed']}, "
        f"cancelled {req['cancelled']}; crisis {req['crisis']}, callbacks {req['callbacks']})",
    ]
    for key, label in (
        ("wait_minutes", "wait to accept"),
        ("first_response_minutes", "first response"),
        ("handle_minutes", "handle time"),
    ):
        stats = data[key]
        lines.append(f"  {label}: p50 {stats['p50']} min, p90 {stats['p90']} min (n={stats['n']})")
    ab = data["abandonment"]
    lines.append(f"  abandonment: {ab['abandoned']} (rate {ab['rate']})")
    lines.append("  outcomes: " + (", ".join(f"{k} {v}" for k, v in sorted(data["outcomes"].items())) or "none"))
    lines.append(f"  CSAT: average {data['csat']['average']} (n={data['csat']['n']})")
    lines.append(f"  transfers {data['transfers']}, requeued {data['requeued']}")
    lines.append("  timeouts: " + (", ".join(f"{k} {v}" for k, v in sorted(data["timeouts"].items())) or "none"))
    lines.append("  per counsellor:")
    for row in data["counsellors"]:
        lines.append(
            f"    #{row['id']} {row['name']}: accepted {row['accepted']}, closed {row['closed']}, "
            f"handle p50 {row['handle_p50_min']} min, transfers out {row['transfers_out']}, "
            f"requeued {row['requeued_after_silence']}, CSAT {row['csat_average']}"
        )
    return "\n".join(lines)
