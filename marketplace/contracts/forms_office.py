"""Forms of the registration office: the working-day calendar and the year-end close."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from marketplace.form_fields import choice_field, clean_line, iso_date, max_length, required

DAY_KINDS = {"holiday": "法定节假日（不上班）", "workday": "调休上班日"}


class CalendarDayForm(FlaskForm):
    """One day of the State Council's arrangement that the shipped calendar does not have."""

    day = StringField("日期", filters=[clean_line], validators=[required("日期")], render_kw={"type": "date"})
    kind = choice_field("类别", DAY_KINDS)
    name = StringField("名称", filters=[clean_line], validators=[max_length("名称", 40)],
                       description="如：春节、国庆节调休")

    def validate_day(self, field):
        self.parsed_day = iso_date(field.data, "日期")
        if not date(2000, 1, 1) <= self.parsed_day <= date(2100, 12, 31):
            raise ValidationError("日期超出合理范围（2000–2100 年）。")

    def validate_kind(self, field):
        if field.data not in DAY_KINDS:
            raise ValidationError("请选择法定节假日或调休上班日。")


class RemoveDayForm(FlaskForm):
    """Take one entered day out again."""

    day = StringField(filters=[clean_line], validators=[required("日期")])

    def validate_day(self, field):
        self.parsed_day = iso_date(field.data, "日期")


class YearCloseForm(FlaskForm):
    """Close a year for a region (an official: the bureau's own region)."""

    region = choice_field("地区", ())
    year = StringField("年度", filters=[clean_line], validators=[required("年度")])

    def validate_year(self, field):
        if not field.data.isdigit() or not 1985 <= int(field.data) <= 2200:
            raise ValidationError("年度应为四位数字，如 2025。")
        self.parsed_year = int(field.data)
