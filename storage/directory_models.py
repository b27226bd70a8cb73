"""The service directory: treatment and counselling providers per province and commune (public information)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime


class ProviderKind(StrEnum):
    FACILITY = "facility"  # cơ sở cai nghiện
    COUNSELLING_POINT = "counselling_point"  # điểm tư vấn, hỗ trợ tại cộng đồng
    METHADONE_CLINIC = "methadone_clinic"  # cơ sở điều trị methadone


class Ownership(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Provider(Base):
    """A provider as the operator's CSV lists it, validated against the official 2025 place names."""

    __tablename__ = "directory_providers"
    __table_args__ = (Index("ix_directory_providers_province", "province_code", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(320), unique=True)  # province code, commune code, folded name
    province_code: Mapped[int] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(64))
    commune_code: Mapped[int | None] = mapped_column(Integer, default=None)
    commune: Mapped[str | None] = mapped_column(String(96), default=None)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    ownership: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    hours: Mapped[str] = mapped_column(String(120), default="")
    last_verified: Mapped[date] = mapped_column(Date())
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
