"""One token per group of cached figures; a commit that writes a watched table replaces it."""
from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db


class CacheVersion(db.Model):
    """`token` changes (to a random value) in the same transaction as any write the group's figures depend on."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)
