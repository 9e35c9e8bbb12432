"""Forms of the payment page: a payment received (元, exact to the fen, with its PDF receipt), the plan, a void."""
import secrets

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, FormField, HiddenField, SelectField, StringField
from wtforms.validators import ValidationError

from marketplace.form_fields import clean_line, iso_date, max_length, options, parse_money, required
from marketplace.money import parse_yuan
from marketplace.trading.forms import MoneyField


class PaymentForm(FlaskForm):
    amount = MoneyField("到账金额（元）", parse=parse_yuan, description="如 350000.00，精确到分")
    paid_on = StringField("到账日期", filters=[clean_line], validators=[required("到账日期")],
                          render_kw={"type": "date"})
    milestone = SelectField("对应付款计划（选填）", choices=options({"": "不对应具体一期"}), validate_choice=False)
    reference = StringField("银行回单号或转账流水号（选填）", filters=[clean_line],
                            validators=[max_length("回单号", 64)])
    receipt = FileField("付款回单（PDF，不超过 10 MB）")
    request_key = HiddenField()

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.milestone.choices = options({"": "不对应具体一期", **{
            str(m.id): f"第 {m.seq} 期 {m.title}" for m in milestones}})
        if not self.request_key.data:
            self.request_key.data = secrets.token_urlsafe(16)

    def validate_paid_on(self, field):
        self.paid_on_date = iso_date(field.data, "到账日期")

    def milestone_id(self) -> int | None:
        value = self.milestone.data or ""
        if not value:
            return None
        if not value.isdigit() or len(value) > 12:
            raise ValidationError("所选付款计划不属于该合同。")
        return int(value)


class MilestoneRow(FlaskForm):
    class Meta:
        csrf = False  # a row inside PlanForm, which carries the token

    title = StringField("名称", filters=[clean_line], validators=[max_length("名称", 60)])
    due_on = StringField("应付日期", filters=[clean_line], render_kw={"type": "date"})
    amount = StringField("金额（元）", filters=[clean_line])

    def amount_fen(self) -> int | None:
        return parse_money(parse_yuan, self.amount.data, "金额") if self.amount.data else None


class PlanForm(FlaskForm):
    rows = FieldList(FormField(MilestoneRow), min_entries=1, max_entries=12)


class VoidForm(FlaskForm):
    reason = StringField("作废原因", filters=[clean_line], validators=[required("作废原因"), max_length("作废原因", 200)])
