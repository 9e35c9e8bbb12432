"""Forms for matchmaking events (statistics pages themselves use a plain GET selector)."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from marketplace.form_fields import clean_line, clean_text, max_length, parse_money, required
from marketplace.money import parse_wan
from marketplace.regions import region_choices


class EventForm(FlaskForm):
    """Create a matchmaking event."""

    name = StringField("活动名称", filters=[clean_line], validators=[required("活动名称"), max_length("活动名称", 120)])
    region_code = SelectField("举办地区", validators=[required("举办地区")])
    held_on = StringField("举办日期", filters=[clean_line], validators=[required("举办日期")],
                          description="格式 YYYY-MM-DD")
    venue = StringField("地点", filters=[clean_line], validators=[Optional(), max_length("地点", 120)])
    description = TextAreaField("简介", filters=[clean_text], validators=[Optional(), max_length("简介", 4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_code.choices = region_choices("请选择")

    def validate_held_on(self, field):
        """A real date in YYYY-MM-DD."""
        try:
            value = date.fromisoformat(field.data) if len(field.data or "") == 10 else None
        except ValueError:
            value = None
        if value is None or not date(1985, 1, 1) <= value <= date(2100, 12, 31):
            raise ValidationError("举办日期格式应为 YYYY-MM-DD。")
        self.held_on_date = value

    def data_for_service(self) -> dict:
        """The validated fields the service takes."""
        return dict(name=self.name.data, region_code=self.region_code.data, held_on=self.held_on_date,
                    venue=self.venue.data or "", description=self.description.data or "")


class AttachNeedsForm(FlaskForm):
    """Attach published needs by id."""

    need_ids = StringField("需求编号", filters=[clean_line], validators=[required("需求编号"), max_length("需求编号", 5000)],
                           description="已发布需求的编号，多个用逗号或空格分隔")


class DealForm(FlaskForm):
    """Record a signed project; the amount is in 万元, parsed exactly."""

    title = StringField("签约项目", filters=[clean_line], validators=[required("签约项目"), max_length("签约项目", 200)])
    seller_name = StringField("卖方（技术方）", filters=[clean_line],
                              validators=[required("卖方"), max_length("卖方", 100)])
    buyer_name = StringField("买方（需求方）", filters=[clean_line],
                             validators=[required("买方"), max_length("买方", 100)])
    amount_wan = StringField("签约金额（万元）", filters=[clean_line], validators=[required("签约金额")])
    registration_no = StringField("合同登记编号（可选）", filters=[clean_line],
                                  validators=[Optional(), max_length("登记编号", 32)])

    def validate_amount_wan(self, field):
        """Exact fen, or the money module's Chinese message."""
        self.amount_fen = parse_money(parse_wan, field.data)

    def data_for_service(self) -> dict:
        """The validated fields the service takes."""
        return dict(title=self.title.data, seller_name=self.seller_name.data, buyer_name=self.buyer_name.data)
