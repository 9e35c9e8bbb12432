"""Pre-aggregated statistics: registered contracts per day, side, region and category.

One row holds the registered contracts of one registration day whose seller
(side 'seller', 技术输出) or buyer (side 'buyer', 技术吸纳) is in one region;
dim 'all' holds the totals, the other dims one row per category (contract type,
技术领域, seller/buyer entity type, IP involved). The rows are kept equal to a
recount of `contracts` by marketplace.stats.rollup.
"""
from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db

SIDES = ("seller", "buyer")
TOTAL_DIM = "all"
# dim → the contract column it counts ('ip' splits the ';'-joined list: one contract may count in several).
DIM_COLUMNS = {"type": "contract_type", "field": "tech_field", "seller_type": "seller_type",
               "buyer_type": "buyer_type", "ip": "ip_types"}
NO_IP = "未涉及/未注明"
CATEGORY_LENGTH = 20


class StatsDaily(db.Model):
    __tablename__ = "stats_daily"
    __table_args__ = (CheckConstraint("side IN ('seller', 'buyer')", name="side_known"),)

    side: Mapped[str] = mapped_column(String(6), primary_key=True)
    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    category: Mapped[str] = mapped_column(String(CATEGORY_LENGTH), primary_key=True)
    contracts: Mapped[int] = mapped_column(Integer, default=0)
    contract_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    tech_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
