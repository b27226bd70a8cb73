"""The fixed contract of ../shared/ARCHITECTURE.md that several tests check against."""

from __future__ import annotations

CONTRACT_INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "help",
    "ask_treatment_options",
    "register_treatment",
    "ask_registration_procedure",
    "check_registration_status",
    "ask_cost",
    "ask_methadone",
    "ask_compulsory_rehab",
    "ask_aftercare",
    "ask_facility",
    "ask_confidentiality",
    "ask_signs_of_use",
    "ask_family_support",
    "ask_withdrawal",
    "ask_drug_harm",
    "ask_legal",
    "ask_job_support",
    "request_counsellor",
    "crisis_suicide",
    "crisis_overdose",
    "crisis_violence",
    "report_relapse",
    "report_craving",
    "feeling_ok",
    "submit_feedback",
    "cancel",
    "delete_my_data",
    "out_of_scope",
]
CONTRACT_ENTITIES = {"substance", "relation", "location", "phone"}

# Intents the dialogue answers from the knowledge files (the others belong to flows: yes/no, crisis, after-care).
NOT_ANSWERED_FROM_KNOWLEDGE = frozenset(
    {
        "affirm",
        "deny",
        "cancel",
        "crisis_suicide",
        "crisis_overdose",
        "crisis_violence",
        "report_relapse",
        "report_craving",
        "feeling_ok",
    }
)
QUESTION_INTENTS = [intent for intent in CONTRACT_INTENTS if intent not in NOT_ANSWERED_FROM_KNOWLEDGE]
