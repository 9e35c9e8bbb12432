"""A version number per kind of shared data, bumped in the same transaction as the data it stands for."""
from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import utcnow


class DataVersion(db.Model):
    """`name` ('stats': the registered contracts' figures) changed `version` times, last at `changed_at`."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
