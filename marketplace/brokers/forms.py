"""Forms: a broker's own profile, and contacting a broker."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from marketplace.form_fields import (
    MultiCheckboxField, clean_line, clean_text, known_region, max_length, options, required,
)
from models.match import BROKER_LEVELS
from models.vocab import TECH_FIELDS, split_list

MAX_REGIONS = 20


class ProfileForm(FlaskForm):
    """资质等级, certificate, specialty fields and regions, introduction."""

    level = SelectField("资质等级", choices=options(BROKER_LEVELS), validate_choice=False)
    certificate_no = StringField("证书编号", filters=[clean_line], validators=[max_length("证书编号", 40)])
    specialty = MultiCheckboxField("擅长领域", choices=options(TECH_FIELDS))
    regions = StringField("服务地区（六位行政区划代码，用分号分隔）", filters=[clean_line],
                          validators=[max_length("服务地区", 300)])
    bio = TextAreaField("个人简介", filters=[clean_text], validators=[max_length("个人简介", 2000)])
    is_listed = BooleanField("在经纪人名录中公开", default=True)

    def validate_level(self, field):
        if field.data not in BROKER_LEVELS:
            raise ValidationError("请选择有效的资质等级。")

    def validate_specialty(self, field):
        if any(value not in TECH_FIELDS for value in field.data or []):
            raise ValidationError("擅长领域无效。")

    def validate_regions(self, field):
        codes = split_list(field.data)
        if len(codes) > MAX_REGIONS:
            raise ValidationError(f"服务地区最多 {MAX_REGIONS} 个。")
        for code in codes:
            if not known_region(code):
                raise ValidationError(f"未知的地区代码：{code}")

    def region_list(self) -> list[str]:
        return split_list(self.regions.data)


class ContactForm(FlaskForm):
    """A message to a broker through the message centre."""

    subject = StringField("主题", filters=[clean_line], validators=[required("主题"), max_length("主题", 100)])
    body = TextAreaField("内容", filters=[clean_text], validators=[required("内容"), max_length("内容", 2000)])
