"""What each indicator means (printed with --explain) and whether it can be filtered by place."""

from __future__ import annotations

PERSON_PLACE = "[place: the person's latest registration]"
OWN_PLACE = "[place: the registration's own]"
PLACE_NOTES = (
    "Places: only registrations store one (after-care enrolments, handoff requests, crisis events and messages "
    "do not). [place: the person's latest registration] = the province/commune of the latest registration sent "
    "from the person's chat before the period's end (for themself or a relative); with --province/--commune, "
    "people who never registered are left out. [place: the registration's own] = the registration's province and "
    "commune; a commune erased by /delete or after 12 months is unknown (the province stays).",
    "Small counts: 1-4 is shown as <5 (0 stays 0); a rate, share, average or percentile is suppressed when a count "
    "behind it is 1-4; when one cell of a breakdown is hidden, the smallest other non-zero cell is hidden too.",
)

DEFINITIONS: dict[str, tuple[str, str]] = {
    "aftercare.people": (
        "People who had joined after-care (consented) by the period's end, by their state then: active, paused, "
        "completed (the plan's last check-in was sent), stopped (the person stopped). From aftercare_events "
        "(enrolled, paused, resumed, stopped, completed). People who used /delete are not counted.",
        PERSON_PLACE,
    ),
    "aftercare.new_enrolments": ("Consents to after-care given in the period (a restart counts again).", PERSON_PLACE),
    "aftercare.people_months": (
        "Time people spent in after-care (active or paused) inside the period, in months of 30 days.",
        PERSON_PLACE,
    ),
    "aftercare.relapse_reports": (
        "Relapses reported in the period (check-in answers 'Đã dùng lại', by button or in words).",
        PERSON_PLACE,
    ),
    "aftercare.relapse_rate": (
        "Relapse reports × 100 ÷ people-months in after-care, in the period. Suppressed when the reports or the "
        "people behind the people-months are fewer than 5.",
        PERSON_PLACE,
    ),
    "treatment.finished": (
        "People who finished treatment: the hotline stores no discharge, so this counts chats whose voluntary-"
        "treatment registration was marked completed (hoàn tất) by the period's end (a proxy).",
        OWN_PLACE,
    ),
    "treatment.finished_in_aftercare": (
        "Of those, people active or paused in after-care at the period's end, linked through the chat that sent "
        "the registration (a relative registering someone who then joins from their own chat is not linked, so "
        "this is a lower bound).",
        OWN_PLACE,
    ),
    "treatment.share_in_aftercare": ("finished_in_aftercare ÷ finished.", OWN_PLACE),
    "escalations": (
        "After-care escalations to the counsellors in the period, by reason (aftercare_relapse, aftercare_craving "
        "≥ the alert level, aftercare_talk, aftercare_missed, crisis_*).",
        PERSON_PLACE,
    ),
    "escalations.first_contact": (
        "Escalations with a first contact before the period's end, by source; counsellor: a counsellor accepted "
        "the person's handoff at or after the escalation (0 min when already talking with one); supporter: the "
        "person's supporter pressed “Đã liên hệ” on an alert at or after it.",
        PERSON_PLACE,
    ),
    "escalations.first_contact_minutes": (
        "Minutes from the escalation to the first contact: median (p50) and 90th percentile (linear "
        "interpolation). Suppressed under 5 contacts.",
        PERSON_PLACE,
    ),
    "registrations": (
        "Voluntary-treatment registrations sent in the period, by their status at the period's end "
        "(registration_events) and by commune.",
        OWN_PLACE,
    ),
    "hotline.people": (
        "Distinct people who wrote to the bot in the period (counsellors and supporters excluded).",
        PERSON_PLACE,
    ),
    "hotline.conversations": (
        "Conversations: person-days (Asia/Ho_Chi_Minh) with at least one message from the person.",
        PERSON_PLACE,
    ),
    "hotline.crisis_events": ("Crisis messages recognised in the period (crisis_events), by kind.", PERSON_PLACE),
    "hotline.handoffs": (
        "Requests for a counsellor made in the period (handoff_requests), and how many a counsellor accepted.",
        PERSON_PLACE,
    ),
    "hotline.wait_minutes": (
        "Minutes from the request to a counsellor accepting it (same as `reports handoffs`): p50 and p90 of the "
        "period's accepted requests. Suppressed under 5.",
        PERSON_PLACE,
    ),
    "csat": (
        "Ratings 1–5 given at the end of conversations closed in the period: responses, average, satisfied "
        "(4 or 5). The average is suppressed under 5 responses.",
        PERSON_PLACE,
    ),
}
