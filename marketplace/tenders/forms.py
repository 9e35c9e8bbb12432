"""Forms of the tender pages (prices in 万元, times in the site's time)."""
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from marketplace.form_fields import clean_line, clean_text, max_length, required
from marketplace.trading.forms import MoneyField, site_to_utc


class TenderForm(FlaskForm):
    requirements = TextAreaField("招标要求（技术指标、交付物、资格条件）", filters=[clean_text],
                                 validators=[required("招标要求"), max_length("招标要求", 5000)])
    budget = MoneyField("预算上限（万元，选填，公开）", optional=True)
    deadline_at = StringField("投标截止（北京时间）", filters=[clean_line], validators=[required("投标截止时间")])
    opens_at = StringField("开标时间（北京时间，留空即截止时开标）", filters=[clean_line])

    def data(self) -> dict:
        return {"requirements": self.requirements.data, "budget_fen": self.budget.fen,
                "deadline_at": site_to_utc(self.deadline_at.data, "投标截止时间"),
                "opens_at": site_to_utc(self.opens_at.data, "开标时间") if self.opens_at.data else None}


class ProposalForm(FlaskForm):
    price = MoneyField("报价（万元）")
    body = TextAreaField("技术方案说明", filters=[clean_text], validators=[required("技术方案说明"),
                                                                       max_length("技术方案说明", 10000)])
    files = MultipleFileField("附件（选填）", description="PDF 或 PNG、JPEG、GIF、WebP 图片，最多 3 个，每个不超过 10 MB。")


class ScoreForm(FlaskForm):
    score = IntegerField("评分（0–100）", validators=[Optional(), NumberRange(0, 100, message="评分应为 0 至 100。")])
    note = StringField("评语", filters=[clean_line], validators=[max_length("评语", 500)])


class DecisionForm(FlaskForm):
    note = StringField("说明", filters=[clean_line], validators=[max_length("说明", 1000)])
