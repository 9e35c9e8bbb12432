"""The register's filter: a GET form read from the query string, every value checked, messages in Chinese."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import Optional, ValidationError

from marketplace.contracts.ledger import LEDGER_STATUSES, LedgerFilter, parse_cursor
from marketplace.form_fields import choice_field, clean_line, iso_date, max_length, parse_money
from marketplace.money import parse_yuan
from marketplace.regions import all_regions
from models import CONTRACT_STATUS_LABELS
from models.contract import CONTRACT_TYPES
from models.vocab import TECH_FIELDS

AMOUNT_KINDS = {"contract": "合同成交额", "tech": "技术交易额"}
EARLIEST, LATEST = date(1985, 1, 1), date(2999, 12, 31)


def _one_of(allowed, label: str):
    def check(form, field):
        if field.data and field.data not in allowed:
            raise ValidationError(f"{label}无效，请从列表中选择。")
    return check


def _date(label: str):
    def check(form, field):
        if field.data:
            value = iso_date(field.data, label)
            if not EARLIEST <= value <= LATEST:
                raise ValidationError(f"{label}应在 1985-01-01 至 2999-12-31 之间。")
            field.value = value
    return check


def _amount(label: str):
    def check(form, field):
        if field.data:
            field.value = parse_money(parse_yuan, field.data, label)
    return check


class LedgerFilterForm(FlaskForm):
    """Filter of the register; `scope` is the official's region-code prefix (regions outside it are refused)."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    status = choice_field("状态", {s: CONTRACT_STATUS_LABELS[s] for s in LEDGER_STATUSES}, "全部状态",
                          validators=[_one_of(LEDGER_STATUSES, "状态")])
    date_from = StringField("登记/申报日期自", filters=[clean_line], validators=[Optional(), _date("起始日期")])
    date_to = StringField("至", filters=[clean_line], validators=[Optional(), _date("截止日期")])
    contract_type = choice_field("合同类别", CONTRACT_TYPES, "全部类别", validators=[_one_of(CONTRACT_TYPES, "合同类别")])
    tech_field = choice_field("技术领域", TECH_FIELDS, "全部领域", validators=[_one_of(TECH_FIELDS, "技术领域")])
    party = StringField("当事人", filters=[clean_line], validators=[Optional(), max_length("当事人", 100)],
                        description="卖方或买方名称包含")
    broker = StringField("技术经纪人", filters=[clean_line], validators=[Optional(), max_length("技术经纪人", 50)],
                         description="用户名或姓名包含")
    amount_kind = choice_field("金额口径", AMOUNT_KINDS, None, default="contract",
                               validators=[_one_of(AMOUNT_KINDS, "金额口径")])
    amount_min = StringField("金额下限（元）", filters=[clean_line], validators=[Optional(), _amount("金额下限")])
    amount_max = StringField("金额上限（元）", filters=[clean_line], validators=[Optional(), _amount("金额上限")])
    region = choice_field("卖方地区", {}, "本辖区全部")
    after = StringField(filters=[clean_line])  # the page cursor; never shown as a field

    def __init__(self, formdata, scope: str, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.scope = scope
        regions = [r for r in all_regions() if r.code.startswith(scope)]
        self.region.choices = [SelectChoice("", "本辖区全部")] + [
            SelectChoice(r.code, r.name if r.is_province else f"　{r.name}") for r in regions]
        self.region_codes = {r.code for r in regions}

    def validate_region(self, field):
        """Only a region inside the official's own scope narrows the register."""
        if field.data and field.data not in self.region_codes:
            raise ValidationError("所选卖方地区不在本机构的登记管辖范围内。")

    def validate_after(self, field):
        """A cursor this page wrote itself."""
        try:
            field.value = parse_cursor(field.data)
        except ValueError:
            raise ValidationError("翻页参数无效，请回到第一页。") from None

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the ranges (from ≤ to, min ≤ max)."""
        if not super().validate(extra_validators):
            return False
        start, end = getattr(self.date_from, "value", None), getattr(self.date_to, "value", None)
        if self.date_from.data and self.date_to.data and start > end:
            self.date_to.errors.append("起始日期不能晚于截止日期。")
            return False
        low, high = getattr(self.amount_min, "value", None), getattr(self.amount_max, "value", None)
        if self.amount_min.data and self.amount_max.data and low > high:
            self.amount_max.errors.append("金额下限不能大于上限。")
            return False
        return True

    def ledger_filter(self) -> LedgerFilter:
        """The validated values as a LedgerFilter (call after validate())."""
        def value(field):
            return getattr(field, "value", None) if field.data else None

        return LedgerFilter(
            status=self.status.data or None, date_from=value(self.date_from), date_to=value(self.date_to),
            contract_type=self.contract_type.data or None, tech_field=self.tech_field.data or None,
            party=self.party.data or "", broker=self.broker.data or "", amount_kind=self.amount_kind.data or "contract",
            amount_min=value(self.amount_min), amount_max=value(self.amount_max), region=self.region.data or None)

    def cursor(self):
        """The parsed page cursor, None for the first page."""
        return getattr(self.after, "value", None) if self.after.data else None

    def messages(self) -> list[str]:
        """Every error, one line each."""
        return [message for field in self for message in field.errors]
