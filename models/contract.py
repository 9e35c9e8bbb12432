"""Technology contracts (技术合同) and their registration (认定登记)."""
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow
from models.listing import MAX_AMOUNT_FEN
from models.vocab import ORG_TYPES, TECH_FIELDS, sql_in

CONTRACT_TYPES = ("技术开发", "技术转让", "技术许可", "技术咨询", "技术服务")
CONTRACT_SUBTYPES = {"技术开发": ("委托开发", "合作开发"), "技术服务": ("技术培训", "技术中介")}
DEDUCTION_KINDS = (
    ("equipment", "设备"), ("instruments", "仪器"), ("parts", "零部件"), ("materials", "原材料"), ("other", "其他"),
)
REFUSAL_REASONS = (
    "合同主体不明确", "标的不明确", "价款/报酬约定不明确", "非法垄断技术或侵害他人技术成果",
    "证明材料不符合要求", "单位名称与印章不一致",
)
# 技术交易额 at or above 500 万元 needs a second review and has 30 working days.
LARGE_CONTRACT_FEN = 500 * 1_000_000


class ContractStatus:
    DRAFT = "draft"
    FILED = "filed"
    ACCEPTED = "accepted"
    CORRECTION = "correction"
    SECOND_REVIEW = "second_review"
    REGISTERED = "registered"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    ALL = (DRAFT, FILED, ACCEPTED, CORRECTION, SECOND_REVIEW, REGISTERED, REFUSED, CANCELLED)


CONTRACT_STATUS_LABELS = {
    ContractStatus.DRAFT: "草稿",
    ContractStatus.FILED: "已申报",
    ContractStatus.ACCEPTED: "已受理",
    ContractStatus.CORRECTION: "补正",
    ContractStatus.SECOND_REVIEW: "待复核",
    ContractStatus.REGISTERED: "已登记",
    ContractStatus.REFUSED: "不予登记",
    ContractStatus.CANCELLED: "已撤销",
}

_DEDUCTION_SUM = " + ".join(f"deduct_{kind}_fen" for kind, _ in DEDUCTION_KINDS)


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(sql_in("contract_type", CONTRACT_TYPES), name="type_known"),
        CheckConstraint(
            # Imported legacy records may not say which kind of 技术开发 they are.
            "(contract_type = '技术开发' AND (subtype IS NULL OR subtype IN ('委托开发', '合作开发')))"
            " OR (contract_type = '技术服务' AND (subtype IS NULL OR subtype IN ('技术培训', '技术中介')))"
            " OR (contract_type NOT IN ('技术开发', '技术服务') AND subtype IS NULL)",
            name="subtype_fits_type"),
        CheckConstraint(sql_in("status", ContractStatus.ALL), name="status_known"),
        CheckConstraint(sql_in("tech_field", TECH_FIELDS), name="field_known"),
        CheckConstraint(sql_in("seller_type", ORG_TYPES), name="seller_type_known"),
        CheckConstraint(sql_in("buyer_type", ORG_TYPES), name="buyer_type_known"),
        CheckConstraint(f"contract_amount_fen >= 0 AND contract_amount_fen <= {MAX_AMOUNT_FEN}",
                        name="contract_amount_range"),
        CheckConstraint(" AND ".join(f"deduct_{kind}_fen >= 0" for kind, _ in DEDUCTION_KINDS),
                        name="deductions_not_negative"),
        CheckConstraint(f"tech_amount_fen = contract_amount_fen - ({_DEDUCTION_SUM})", name="tech_amount_derived"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= contract_amount_fen", name="paid_within_amount"),
        CheckConstraint("tech_amount_fen >= 0 AND tech_amount_fen <= contract_amount_fen", name="tech_amount_range"),
        CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
                        name="validity_ordered"),
        CheckConstraint("status <> 'registered' OR (registration_no IS NOT NULL AND registered_on IS NOT NULL)",
                        name="registered_has_number"),
        # The register (登记台账): newest registration first, read in index order.
        Index("ix_contracts_register_order", "registered_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The parties' own contract number (合同编号), unique when given.
    contract_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    contract_type: Mapped[str] = mapped_column(String(8), index=True)
    subtype: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    tech_field: Mapped[str] = mapped_column(String(20), index=True)
    ip_types: Mapped[str] = mapped_column(String(100), default="")

    # Parties: name, entity type and region are copied at filing so later edits do not move statistics.
    seller_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    seller_name: Mapped[str] = mapped_column(String(100))
    seller_type: Mapped[str] = mapped_column(String(8))
    seller_region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    buyer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(100))
    buyer_type: Mapped[str] = mapped_column(String(8))
    buyer_region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    signed_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    contract_amount_fen: Mapped[int] = mapped_column(BigInteger)
    deduct_equipment_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deduct_instruments_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deduct_parts_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deduct_materials_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deduct_other_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    tech_amount_fen: Mapped[int] = mapped_column(BigInteger)

    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.DRAFT, index=True)
    submitted_at: Mapped[datetime | None]  # the review clock starts (and restarts) here
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    first_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_on: Mapped[date | None] = mapped_column(Date, index=True)
    refusal_reason: Mapped[str | None] = mapped_column(String(40))

    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("contract_imports.id"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("tech_results.id"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("tech_needs.id"))
    # A retried or double-submitted filing carries the same key and finds this row.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # A broker filing without a mandate needs a member of the seller organisation to confirm the draft.
    seller_confirmed_at: Mapped[datetime | None]
    seller_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 到账金额 on record: the payments that count (models/payment.py), never more than the contract amount.
    # Set by the database on insert (server default, read when first used): an INSERT names no column that older
    # schemas lack (the migration tests write contracts at earlier revisions).
    paid_fen: Mapped[int] = mapped_column(BigInteger, server_default="0")
    __mapper_args__ = {"eager_defaults": False}

    events = relationship("ContractEvent", back_populates="contract", order_by="ContractEvent.id")
    attachments = relationship("ContractAttachment", back_populates="contract", order_by="ContractAttachment.id")
    amendments = relationship("ContractAmendment", back_populates="contract", order_by="ContractAmendment.id")
    broker = relationship("User", foreign_keys=[broker_id])
    seller_confirmed_by = relationship("User", foreign_keys=[seller_confirmed_by_id])

    @property
    def status_label(self) -> str:
        return CONTRACT_STATUS_LABELS[self.status]

    @property
    def is_large(self) -> bool:
        return self.tech_amount_fen >= LARGE_CONTRACT_FEN

    @property
    def deductions(self) -> dict[str, int]:
        return {kind: getattr(self, f"deduct_{kind}_fen") for kind, _ in DEDUCTION_KINDS}


class ContractEvent(db.Model):
    """One row per step of a contract: who, when, what and why."""

    __tablename__ = "contract_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    contract = relationship("Contract", back_populates="events")
    actor = relationship("User", lazy="joined")


class ContractAttachment(db.Model):
    """A signed contract scan (PDF); the bytes live in the instance folder, named by hash."""

    __tablename__ = "contract_attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract = relationship("Contract", back_populates="attachments")


class ContractImport(db.Model):
    """One bulk import of registered contracts: who, when, which file, how many."""

    __tablename__ = "contract_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by: Mapped[str] = mapped_column(String(80), default="")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RegistrationCounter(db.Model):
    """Next serial per registration office and year; incremented under a row lock."""

    __tablename__ = "registration_counters"
    __table_args__ = (UniqueConstraint("office_code", "year", name="one_per_office_year"),
                      CheckConstraint("last_serial >= 0", name="serial_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    office_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)
