"""tracked requests (feedback) and the service directory

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(length=320), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=64), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=True),
        sa.Column("commune", sa.String(length=96), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("ownership", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("hours", sa.String(length=120), nullable=False),
        sa.Column("last_verified", sa.Date(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_providers")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_directory_providers_natural_key")),
    )
    with op.batch_alter_table("directory_providers", schema=None) as batch_op:
        batch_op.create_index("ix_directory_providers_province", ["province_code", "kind"], unique=False)

    op.create_table(
        "tracked_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("contact_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_tracked_requests_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_requests")),
        sa.UniqueConstraint("code", name=op.f("uq_tracked_requests_code")),
    )
    with op.batch_alter_table("tracked_requests", schema=None) as batch_op:
        batch_op.create_index("ix_tracked_requests_person", ["person_id", "created_at"], unique=False)
        batch_op.create_index("ix_tracked_requests_status", ["status", "created_at"], unique=False)

    op.create_table(
        "tracked_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["tracked_requests.id"],
            name=op.f("fk_tracked_request_events_request_id_tracked_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_request_events")),
    )
    with op.batch_alter_table("tracked_request_events", schema=None) as batch_op:
        batch_op.create_index("ix_tracked_request_events_request", ["request_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tracked_request_events", schema=None) as batch_op:
        batch_op.drop_index("ix_tracked_request_events_request")
    op.drop_table("tracked_request_events")
    with op.batch_alter_table("tracked_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_tracked_requests_status")
        batch_op.drop_index("ix_tracked_requests_person")
    op.drop_table("tracked_requests")
    with op.batch_alter_table("directory_providers", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_providers_province")
    op.drop_table("directory_providers")
