"""Administrative regions (GB/T 2260 six-digit codes)."""
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db


class RegionNaming:
    """What a region says of itself, for the model and for plain copies of it (code, name, province_code, province)."""

    @property
    def is_province(self) -> bool:
        return self.code == self.province_code

    @property
    def full_name(self) -> str:
        return self.name if self.is_province else f"{self.province}{self.name}"


class Region(RegionNaming, db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("length(code) = 6", name="code_six_digits"),
        CheckConstraint("length(province_code) = 6", name="province_six_digits"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    province: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
