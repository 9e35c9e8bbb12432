"""Forms of the trading pages. Prices are typed in 万元 (bids in 元) and parsed exactly to the fen; times are
typed in the site's time (Beijing) and stored in UTC."""
from datetime import datetime, timedelta

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length, NumberRange, Optional, ValidationError

from marketplace.form_fields import clean_line, clean_text, max_length, options, parse_money, required
from marketplace.money import parse_wan, parse_yuan
from models.trade import TRANSFER_MODES


def site_to_utc(text: str, label: str) -> datetime:
    """'2026-12-20T15:00' in the site's time → naive UTC."""
    try:
        local = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError(f"{label}格式不正确，如 2026-12-20 15:00。") from None
    if local.tzinfo is not None or not 2000 <= local.year <= 2100:
        raise ValidationError(f"{label}格式不正确，如 2026-12-20 15:00。")
    return local - timedelta(hours=current_app.config.get("SITE_UTC_OFFSET_HOURS", 8))


class MoneyField(StringField):
    """Text parsed to fen by `parse` (parse_wan or parse_yuan); `fen` holds the amount once validated."""

    def __init__(self, label, parse=parse_wan, optional=False, **kwargs):
        super().__init__(label, filters=[clean_line], **kwargs)
        self.parse, self.optional, self.fen = parse, optional, None

    def pre_validate(self, form):
        self.fen = None
        if not self.data:
            if not self.optional:
                raise ValidationError(f"请填写{self.label.text.split('（')[0]}。")
            return
        self.fen = parse_money(self.parse, self.data, self.label.text.split("（")[0])


class PublishForm(FlaskForm):
    """One form for every route; the view reads the fields its route needs."""

    transfer_mode = RadioField("转化方式", choices=options(TRANSFER_MODES), validators=[
        required("转化方式"), AnyOf(list(TRANSFER_MODES), message="请选择转化方式。")])
    price = MoneyField("价格（万元）")
    description = TextAreaField("说明（选填）", filters=[clean_text], validators=[max_length("说明", 5000)])
    days = IntegerField("期限（天）", validators=[Optional(), NumberRange(1, 90, message="期限应为 1 至 90 天。")])
    # agreed price
    counterpart_name = StringField("拟受让方", filters=[clean_line], validators=[max_length("拟受让方", 200)])
    completers = StringField("成果完成人", filters=[clean_line], validators=[max_length("成果完成人", 500)])
    objection_contact = StringField("异议受理方式（选填：地址、电话、邮箱）", filters=[clean_line],
                                    validators=[max_length("异议受理方式", 300)])
    # auctions
    starts_at = StringField("竞价开始（北京时间）", filters=[clean_line])
    ends_at = StringField("竞价截止（北京时间）", filters=[clean_line])
    reserve = MoneyField("保留价（万元，选填，不公开）", optional=True)
    increment = MoneyField("加价幅度（万元）", optional=True)
    deposit = MoneyField("保证金（万元，选填）", optional=True)
    extend_minutes = IntegerField("延时周期（分钟）", default=5, validators=[
        Optional(), NumberRange(0, 60, message="延时周期应为 0 至 60 分钟。")])

    def data_for(self, route: str) -> dict:
        data = {"transfer_mode": self.transfer_mode.data, "price_fen": self.price.fen,
                "description": self.description.data, "days": self.days.data}
        if route == "agreed":
            data.update(counterpart_name=self.counterpart_name.data, completers=self.completers.data,
                        objection_contact=self.objection_contact.data)
        if route in ("auction", "sealed"):
            data.update(reserve_fen=self.reserve.fen, increment_fen=self.increment.fen, deposit_fen=self.deposit.fen,
                        extend_minutes=self.extend_minutes.data if self.extend_minutes.data is not None else 5)
            data["starts_at"] = site_to_utc(self.starts_at.data, "竞价开始时间") if self.starts_at.data else None
            data["ends_at"] = site_to_utc(self.ends_at.data, "竞价截止时间") if self.ends_at.data else None
        return data


class RegisterForm(FlaskForm):
    terms = TextAreaField("受让条件 / 报名说明", filters=[clean_text], validators=[max_length("受让条件", 3000)])


class BidForm(FlaskForm):
    amount = MoneyField("出价（元）", parse=parse_yuan)
    request_key = HiddenField(validators=[required("出价编号"), Length(max=64)])


class ObjectionForm(FlaskForm):
    body = TextAreaField("异议内容和理由", filters=[clean_text], validators=[required("异议内容"),
                                                                        max_length("异议", 3000)])


class DecidePartyForm(FlaskForm):
    decision = RadioField("审核", choices=options({"approve": "通过", "reject": "不通过"}), validators=[
        required("审核结果"), AnyOf(["approve", "reject"], message="请选择审核结果。")])
    deposit = MoneyField("已收保证金（万元）", optional=True)
    note = StringField("说明（不通过时必填）", filters=[clean_line], validators=[max_length("说明", 300)])


class ResolveForm(FlaskForm):
    decision = RadioField("答复", choices=options({"dismiss": "异议不成立", "uphold": "异议成立"}), validators=[
        required("答复结果"), AnyOf(["dismiss", "uphold"], message="请选择答复结果。")])
    resolution = TextAreaField("答复意见", filters=[clean_text], validators=[required("答复意见"),
                                                                        max_length("答复意见", 1000)])


class ReasonForm(FlaskForm):
    reason = StringField("撤回原因", filters=[clean_line], validators=[required("撤回原因"), max_length("原因", 500)])


class ContractForm(FlaskForm):
    """生成合同草稿 from a deal (a trade or a tender): the signing date, as a contract's own form checks it."""

    signed_on = StringField("签订日期", filters=[clean_line], validators=[required("签订日期")])

    def validate_signed_on(self, field):
        from marketplace.contracts.forms import SIGNING_DATES

        self.signed_on_date = SIGNING_DATES.check(field.data, "签订日期")
