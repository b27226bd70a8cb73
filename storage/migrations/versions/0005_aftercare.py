"""after-care: enrolments, check-ins (schedule and record), events

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aftercare_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("enrolled_by", sa.String(length=48), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clean_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("milestone_days", sa.Integer(), nullable=False),
        sa.Column("missed_streak", sa.Integer(), nullable=False),
        sa.Column("last_checkin_id", sa.Integer(), nullable=True),
        sa.Column("tip_index", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_aftercare_enrolments_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_enrolments")),
        sa.UniqueConstraint("person_id", name="uq_aftercare_enrolments_person"),
    )
    op.create_index("ix_aftercare_enrolments_status", "aftercare_enrolments", ["status"])
    op.create_table(
        "aftercare_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("craving_level", sa.Integer(), nullable=True),
        sa.Column("skip_reason", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["aftercare_enrolments.id"],
            name=op.f("fk_aftercare_checkins_enrolment_id_aftercare_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_aftercare_checkins_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_checkins")),
        sa.UniqueConstraint("enrolment_id", "cycle", "seq", name="uq_aftercare_checkins_slot"),
    )
    op.create_index("ix_aftercare_checkins_action_at", "aftercare_checkins", ["action_at"])
    op.create_index("ix_aftercare_checkins_person", "aftercare_checkins", ["person_id"])
    op.create_table(
        "aftercare_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["aftercare_enrolments.id"],
            name=op.f("fk_aftercare_events_enrolment_id_aftercare_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_aftercare_events_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_events")),
    )
    op.create_index("ix_aftercare_events_kind_at", "aftercare_events", ["kind", "at"])
    op.create_index("ix_aftercare_events_person", "aftercare_events", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_aftercare_events_person", table_name="aftercare_events")
    op.drop_index("ix_aftercare_events_kind_at", table_name="aftercare_events")
    op.drop_table("aftercare_events")
    op.drop_index("ix_aftercare_checkins_person", table_name="aftercare_checkins")
    op.drop_index("ix_aftercare_checkins_action_at", table_name="aftercare_checkins")
    op.drop_table("aftercare_checkins")
    op.drop_index("ix_aftercare_enrolments_status", table_name="aftercare_enrolments")
    op.drop_table("aftercare_enrolments")
