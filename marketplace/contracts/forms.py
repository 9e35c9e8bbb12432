"""Forms for filing contracts and for registration decisions."""
import secrets
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from marketplace.form_fields import (
    DateRange, MultiCheckboxField, Rule, check_choices, choice_field, clean_line, clean_text, days_from_today,
    fixed, known_region, max_length, options, parse_money, required, rule,
)
from marketplace.ip_rights import in_vocabulary_order, type_problems
from marketplace.money import parse_yuan, yuan_str
from marketplace.regions import region_choices
from models.contract import CONTRACT_SUBTYPES, CONTRACT_TYPES, DEDUCTION_KINDS, REFUSAL_REASONS
from models.vocab import IP_CHOICES, ORG_TYPES, TECH_FIELDS, join_list, split_list

ALL_SUBTYPES = tuple(s for subs in CONTRACT_SUBTYPES.values() for s in subs)
FIRST_DAY = date(1990, 1, 1)
# The dates of a contract's term, and the day it was signed (never after today).
TERM_DATES = DateRange(fixed(FIRST_DAY), fixed(date(2100, 12, 31)))
SIGNING_DATES = DateRange(fixed(FIRST_DAY), days_from_today(0), too_late="{label}不能晚于今天。")


def _date(field, label: str, dates: DateRange = TERM_DATES, required_value: bool = False) -> date | None:
    if not field.data:
        if required_value:
            raise ValidationError(f"请填写{label}。")
        return None
    return dates.check(field.data, label)


def _yuan(field, label: str, blank_is_zero: bool) -> int:
    if blank_is_zero and not (field.data or "").strip():
        return 0
    return parse_money(parse_yuan, field.data, label)


class ContractForm(FlaskForm):
    """A technology contract as filed by the seller side (amounts in 元)."""

    idempotency_key = HiddenField()
    contract_type = choice_field("合同类型", CONTRACT_TYPES)
    subtype = choice_field("子类型", ALL_SUBTYPES, blank="无")
    title = StringField("项目名称", filters=[clean_line], validators=[required("项目名称"), max_length("项目名称", 200)])
    contract_no = StringField("合同编号（选填）", filters=[clean_line], validators=[max_length("合同编号", 64)])
    tech_field = choice_field("技术领域", TECH_FIELDS)
    ip_types = MultiCheckboxField("涉及知识产权", choices=options(IP_CHOICES))
    seller_name = StringField("卖方（技术输出方）", filters=[clean_line],
                              description="经纪人代为申报时填写卖方单位全称；本单位申报可留空")
    buyer_name = StringField("买方（技术吸纳方）", filters=[clean_line],
                             validators=[required("买方名称"), max_length("买方名称", 100)])
    buyer_type = choice_field("买方类型", ORG_TYPES)
    buyer_region = SelectField("买方所在地区", validate_choice=False)
    signed_on = StringField("签订日期", filters=[clean_line], render_kw={"type": "date"})
    valid_from = StringField("有效期自", filters=[clean_line], render_kw={"type": "date"})
    valid_until = StringField("有效期至", filters=[clean_line], render_kw={"type": "date"})
    contract_amount = StringField("合同成交额（元）", filters=[clean_line], description="如 3501000.00")
    deduct_equipment = StringField("设备（元）", filters=[clean_line])
    deduct_instruments = StringField("仪器（元）", filters=[clean_line])
    deduct_parts = StringField("零部件（元）", filters=[clean_line])
    deduct_materials = StringField("原材料（元）", filters=[clean_line])
    deduct_other = StringField("其他非技术性费用（元）", filters=[clean_line])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.buyer_region.choices = region_choices(include_blank="请选择地区")
        if not self.idempotency_key.data:
            self.idempotency_key.data = secrets.token_urlsafe(18)

    def validate_idempotency_key(self, field):
        if not field.data or len(field.data) > 64:
            raise ValidationError("表单已失效，请刷新后重试。")

    def validate_contract_type(self, field):
        if field.data not in CONTRACT_TYPES:
            raise ValidationError("请选择合同类型（五类之一）。")

    def validate_subtype(self, field):
        allowed = CONTRACT_SUBTYPES.get(self.contract_type.data, ())
        if field.data and field.data not in ALL_SUBTYPES:
            raise ValidationError("子类型无效。")
        if self.contract_type.data == "技术开发" and field.data not in allowed:
            raise rule("技术开发合同须选择委托开发或合作开发。")
        if field.data and field.data not in allowed:
            raise rule("该合同类型没有此子类型。")

    def validate_tech_field(self, field):
        if field.data not in TECH_FIELDS:
            raise ValidationError("请选择技术领域。")

    def validate_ip_types(self, field):
        check_choices(field, IP_CHOICES, "知识产权类型")
        problem = type_problems(field.data or [])
        if problem:
            raise rule(problem)

    def validate_buyer_type(self, field):
        if field.data not in ORG_TYPES:
            raise ValidationError("请选择买方类型。")

    def validate_buyer_region(self, field):
        if not known_region(field.data):
            raise ValidationError("请选择有效的买方地区。")

    def validate_signed_on(self, field):
        self._signed_on = _date(field, "签订日期", SIGNING_DATES, required_value=True)

    def validate_valid_from(self, field):
        self._valid_from = _date(field, "有效期起始日")

    def validate_valid_until(self, field):
        self._valid_until = _date(field, "有效期截止日")
        start = getattr(self, "_valid_from", None)
        if self._valid_until and start and self._valid_until < start:
            raise rule("有效期截止日不能早于起始日。")

    def validate_contract_amount(self, field):
        self._contract_fen = _yuan(field, "合同成交额", blank_is_zero=False)
        if self._contract_fen == 0:
            raise ValidationError("合同成交额必须大于 0。")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._deductions = {}
        for kind, label in DEDUCTION_KINDS:
            field = getattr(self, f"deduct_{kind}")
            try:
                self._deductions[kind] = _yuan(field, label, blank_is_zero=True)
            except ValidationError as exc:
                field.errors.append(str(exc))
                ok = False
        if ok and sum(self._deductions.values()) > self._contract_fen:
            self.deduct_other.errors.append(Rule("非技术性费用合计不能超过合同成交额。"))
            ok = False
        return ok

    def fill_from(self, contract) -> None:
        """Pre-fill from an existing contract (GET only)."""
        self.ip_types.data = split_list(contract.ip_types)
        self.contract_amount.data = yuan_str(contract.contract_amount_fen)
        for kind, _ in DEDUCTION_KINDS:
            getattr(self, f"deduct_{kind}").data = yuan_str(getattr(contract, f"deduct_{kind}_fen"))
        for name in ("signed_on", "valid_from", "valid_until"):
            value = getattr(contract, name)
            getattr(self, name).data = value.isoformat() if value else ""

    def contract_data(self) -> dict:
        """Validated values as Contract columns (parties and amounts are set by the service)."""
        return {
            "contract_type": self.contract_type.data, "subtype": self.subtype.data or None,
            "title": self.title.data, "contract_no": self.contract_no.data or None,
            "tech_field": self.tech_field.data, "ip_types": join_list(in_vocabulary_order(self.ip_types.data)),
            "signed_on": self._signed_on, "valid_from": self._valid_from, "valid_until": self._valid_until,
        }

    def buyer_details(self) -> dict:
        return {"name": self.buyer_name.data, "type": self.buyer_type.data, "region": self.buyer_region.data}

    def amounts(self) -> tuple[int, dict[str, int]]:
        return self._contract_fen, self._deductions


class DecisionForm(FlaskForm):
    """A registration step; the action is checked against the workflow table."""

    action = StringField(filters=[clean_line], validators=[required("操作"), Length(max=20)])
    comment = TextAreaField("说明/理由", filters=[clean_text], validators=[max_length("说明", 1000)])
    refusal_reason = choice_field("不予登记理由", REFUSAL_REASONS, blank="（不予登记时选择）")


class AttachmentForm(FlaskForm):
    """Upload the signed contract (PDF)."""

    document = FileField("合同文本（PDF，≤10 MB）")


class RemoveAttachmentForm(FlaskForm):
    """Remove one attachment (a POST with only the CSRF token)."""


class AmendmentForm(ContractForm):
    """变更登记: the contract's new content (the seller stays) and why it changes."""

    reason = TextAreaField("变更理由", filters=[clean_text],
                           validators=[required("变更理由"), max_length("变更理由", 1000)],
                           description="如：双方签订补充协议调整合同金额")

    def fill_from(self, contract) -> None:
        """Pre-fill with the registered content (GET only)."""
        super().fill_from(contract)
        self.buyer_name.data, self.buyer_type.data = contract.buyer_name, contract.buyer_type
        self.buyer_region.data = contract.buyer_region
