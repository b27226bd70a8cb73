"""outbox rows about a person: a relayed message names whose words it carries, so their /delete removes it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ONLY_SET = sa.text("about_person_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_outbox_about_person_id_people"), "people", ["about_person_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(
            "ix_outbox_about_person", ["about_person_id"], postgresql_where=ONLY_SET, sqlite_where=ONLY_SET
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_about_person")
        batch_op.drop_constraint(op.f("fk_outbox_about_person_id_people"), type_="foreignkey")
        batch_op.drop_column("about_person_id")
