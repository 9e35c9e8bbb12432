"""Forms of the deal pipeline and the message centre (every state change is a POST)."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from marketplace.form_fields import clean_line, clean_text, iso_date, max_length, options, parse_money, required
from marketplace.money import parse_wan
from models.contract import CONTRACT_TYPES


class IdField(StringField):
    """A positive database id typed as text (WTForms' own messages are English)."""

    def __init__(self, label: str, **kwargs):
        super().__init__(label, filters=[clean_line], validators=[required(label)], **kwargs)

    def pre_validate(self, form):
        text = self.data or ""
        if text and not (text.isdigit() and len(text) <= 9 and int(text) > 0):
            raise ValidationError(f"{self.label.text}编号无效。")

    @property
    def value(self) -> int:
        return int(self.data)


def _listing_id(label: str):
    return IdField(label)


class ProposeForm(FlaskForm):
    """A broker recommends a result for a need."""

    need_id = _listing_id("需求")
    result_id = _listing_id("成果")
    pitch = TextAreaField("推荐理由", filters=[clean_text], validators=[max_length("推荐理由", 2000)])


class AnswerForm(FlaskForm):
    """An institute answers a need with one of its results."""

    need_id = _listing_id("需求")
    result_id = _listing_id("成果")
    pitch = TextAreaField("响应说明", filters=[clean_text],
                          validators=[required("响应说明"), max_length("响应说明", 2000)])


class MatchActionForm(FlaskForm):
    """One pipeline button; the action is checked against the transition table."""

    action = StringField(filters=[clean_line], validators=[required("操作"), max_length("操作", 20)])
    note = TextAreaField("说明", filters=[clean_text], validators=[max_length("说明", 2000)])


class NotesForm(FlaskForm):
    """The broker's private notes."""

    notes = TextAreaField("私密备注（仅您可见）", filters=[clean_text], validators=[max_length("备注", 5000)])


class ContractDraftForm(FlaskForm):
    """What a contract draft needs beyond what the match already knows."""

    contract_type = SelectField("合同类型", choices=options(CONTRACT_TYPES), validate_choice=False)
    amount_wan = StringField("合同成交额（万元）", filters=[clean_line], validators=[required("合同成交额")])
    signed_on = StringField("签订日期", filters=[clean_line], validators=[required("签订日期")],
                            render_kw={"type": "date"})

    def validate_contract_type(self, field):
        if field.data not in CONTRACT_TYPES:
            raise ValidationError("请选择有效的合同类型。")

    def validate_amount_wan(self, field):
        self.amount_fen = parse_money(parse_wan, field.data)
        if self.amount_fen <= 0:
            raise ValidationError("合同成交额必须大于零。")

    def validate_signed_on(self, field):
        self.signed_date = iso_date(field.data, "签订日期")
        if self.signed_date > date.today():
            raise ValidationError("签订日期不能晚于今天。")
