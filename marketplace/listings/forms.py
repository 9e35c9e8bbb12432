"""Forms for results, needs, life-cycle actions and 揭榜挂帅 applications.

Every message is Chinese; choices are checked here (not by WTForms, whose
built-in messages are English). `model_data()` returns model columns only —
never status, organisation or creator.
"""
import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from marketplace.form_fields import (
    DateRange, MultiCheckboxField, Rule, check_choices, choice_field, clean_line, clean_text, days_from_today,
    iso_date, known_region, max_length, options, parse_money, required, rule,
)
from marketplace.ip_rights import in_vocabulary_order, normalised_numbers, numbers_problem, type_problems
from marketplace.money import parse_wan, wan_input
from marketplace.regions import region_choices
from models.vocab import (
    COOPERATION_MODES, IP_CHOICES, MATURITY_LEVELS, MAX_KEYWORDS, TECH_FIELDS, TRANSFER_MODES, join_list,
)

MAX_TEXT = 5000
MAX_KEYWORD_LENGTH = 20
MAX_DEADLINE_YEARS = 10
KEYWORD_SEPARATORS = re.compile(r"[;；,，、]")
PHONE = re.compile(r"[0-9+\-() ]{5,30}")
# A new or changed deadline: from today to ten years ahead.
DEADLINES = DateRange(days_from_today(0), days_from_today(366 * MAX_DEADLINE_YEARS),
                      too_early="{label}不能早于今天。", too_late=f"{{label}}不能晚于 {MAX_DEADLINE_YEARS} 年后。")


def parse_keywords(text: str) -> list[str]:
    """Split keywords on ; ； , ， 、 and check count and length."""
    words = [w.strip() for w in KEYWORD_SEPARATORS.split(text or "") if w.strip()]
    if len(words) > MAX_KEYWORDS:
        raise ValidationError(f"关键词最多 {MAX_KEYWORDS} 个。")
    for word in words:
        if len(word) > MAX_KEYWORD_LENGTH:
            raise ValidationError(f"每个关键词不超过 {MAX_KEYWORD_LENGTH} 字：“{word[:MAX_KEYWORD_LENGTH]}…”")
    seen = []
    for word in words:
        if word not in seen:
            seen.append(word)
    return seen


def optional_wan(text: str | None, label: str) -> int | None:
    """Blank means 面议 (None); otherwise exact fen via parse_wan."""
    if not (text or "").strip():
        return None
    return parse_money(parse_wan, text, label)


class ListingForm(FlaskForm):
    """Fields shared by results and needs."""

    title = StringField("名称", filters=[clean_line], validators=[required("名称"), max_length("名称", 200)])
    field = choice_field("技术领域", TECH_FIELDS)
    keywords = StringField("关键词", filters=[clean_line], validators=[max_length("关键词", 200)],
                           description=f"最多 {MAX_KEYWORDS} 个，用“;”“，”或“、”分隔，每个不超过 {MAX_KEYWORD_LENGTH} 字")
    region_code = SelectField("所在地区", validate_choice=False)
    contact_name = StringField("联系人", filters=[clean_line], validators=[max_length("联系人", 50)])
    contact_phone = StringField("联系电话", filters=[clean_line], validators=[max_length("联系电话", 30)])
    save_draft = SubmitField("保存草稿")
    submit_review = SubmitField("提交审核")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_code.choices = region_choices(include_blank="请选择地区")

    def validate_field(self, field):
        if field.data not in TECH_FIELDS:
            raise ValidationError("请选择技术领域（11 个统计领域之一）。")

    def validate_keywords(self, field):
        self._keywords = parse_keywords(field.data)

    def validate_region_code(self, field):
        if not known_region(field.data):
            raise ValidationError("请选择有效的所在地区。")

    def validate_contact_phone(self, field):
        if field.data and not PHONE.fullmatch(field.data):
            raise ValidationError("联系电话只能包含数字、空格、+、- 和括号。")

    @property
    def wants_submit(self) -> bool:
        """True when the user pressed 提交审核."""
        return bool(self.submit_review.data)

    def common_data(self) -> dict:
        return {
            "title": self.title.data, "field": self.field.data, "keywords": join_list(self._keywords),
            "region_code": self.region_code.data, "contact_name": self.contact_name.data or "",
            "contact_phone": self.contact_phone.data or "",
        }


class ResultForm(ListingForm):
    """科技成果."""

    summary = TextAreaField("摘要/技术指标", filters=[clean_text],
                            validators=[required("摘要"), max_length("摘要", MAX_TEXT)])
    maturity = choice_field("成熟度", MATURITY_LEVELS)
    trl = choice_field("技术就绪度 TRL（GB/T 22900）", [str(n) for n in range(1, 10)], blank="不填")
    ip_types = MultiCheckboxField("知识产权类型", choices=options(IP_CHOICES))
    ip_numbers = StringField("专利号/登记号", filters=[clean_line], validators=[max_length("专利号/登记号", 500)])
    transfer_modes = MultiCheckboxField("转化方式", choices=options(TRANSFER_MODES))
    price = StringField("价格（万元）", filters=[clean_line], description="留空表示面议")

    def validate_maturity(self, field):
        if field.data not in MATURITY_LEVELS:
            raise ValidationError("请选择成熟度。")

    def validate_trl(self, field):
        if field.data and field.data not in {str(n) for n in range(1, 10)}:
            raise ValidationError("技术就绪度应为 1–9 级。")

    def validate_ip_types(self, field):
        check_choices(field, IP_CHOICES, "知识产权类型")
        problem = type_problems(field.data or [])
        if problem:
            raise rule(problem)

    def validate_ip_numbers(self, field):
        problem = numbers_problem(self.ip_types.data or [], field.data or "")
        if problem:
            raise rule(problem)
        if len(normalised_numbers(field.data or "")) > 500:
            raise rule("专利号/登记号不能超过 500 字。")

    def validate_transfer_modes(self, field):
        check_choices(field, TRANSFER_MODES, "转化方式", at_least_one=True)

    def validate_price(self, field):
        self._price_fen = optional_wan(field.data, "价格")

    def fill_from(self, result) -> None:
        """Pre-fill list and money inputs from an existing result (GET only)."""
        self.ip_types.data = result.ip_type_list
        self.transfer_modes.data = result.transfer_mode_list
        self.trl.data = str(result.trl) if result.trl else ""
        self.price.data = wan_input(result.price_fen)
        self.keywords.data = "；".join(result.keyword_list)

    def model_data(self) -> dict:
        """Validated values as TechResult columns."""
        return {
            **self.common_data(), "summary": self.summary.data, "maturity": self.maturity.data,
            "trl": int(self.trl.data) if self.trl.data else None,
            "ip_types": join_list(in_vocabulary_order(self.ip_types.data)),
            "ip_numbers": normalised_numbers(self.ip_numbers.data or ""),
            "transfer_modes": join_list(self.transfer_modes.data), "price_fen": self._price_fen,
        }


class NeedForm(ListingForm):
    """技术需求, optionally a 揭榜挂帅 bounty."""

    description = TextAreaField("需求描述", filters=[clean_text],
                                validators=[required("需求描述"), max_length("需求描述", MAX_TEXT)])
    budget = StringField("预算（万元）", filters=[clean_line], description="留空表示面议")
    deadline = StringField("截止日期", filters=[clean_line], render_kw={"type": "date"})
    cooperation_modes = MultiCheckboxField("合作方式", choices=options(COOPERATION_MODES))
    is_bounty = BooleanField("揭榜挂帅")
    bounty = StringField("榜额（万元）", filters=[clean_line])
    bounty_goals = TextAreaField("攻关目标/指标", filters=[clean_text], validators=[max_length("攻关目标", MAX_TEXT)])
    bounty_conditions = TextAreaField("揭榜条件", filters=[clean_text], validators=[max_length("揭榜条件", MAX_TEXT)])

    def __init__(self, *args, current_deadline: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # An existing need may keep a deadline that has since passed; a new date may not be in the past.
        self._current_deadline = current_deadline

    def validate_budget(self, field):
        self._budget_fen = optional_wan(field.data, "预算")

    def validate_deadline(self, field):
        self._deadline = None
        if not field.data:
            return
        value = iso_date(field.data, "截止日期")
        if value != self._current_deadline:  # an existing need may keep a deadline that has since passed
            DEADLINES.check(field.data, "截止日期")
        self._deadline = value

    def validate_cooperation_modes(self, field):
        check_choices(field, COOPERATION_MODES, "合作方式", at_least_one=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_bounty.data:
            ok = self._validate_bounty() and ok
        return ok

    def _validate_bounty(self) -> bool:
        ok = True
        if not self.bounty.errors:
            try:
                fen = optional_wan(self.bounty.data, "榜额")
                if not fen:
                    raise rule("揭榜挂帅必须填写大于 0 的榜额。")
                self._bounty_fen = fen
            except ValidationError as exc:
                self.bounty.errors.append(exc.args[0])
                ok = False
        for field, label in ((self.bounty_goals, "攻关目标"), (self.bounty_conditions, "揭榜条件")):
            if not field.data and not field.errors:
                field.errors.append(Rule(f"揭榜挂帅必须填写{label}。"))
                ok = False
        if not self.deadline.data and not self.deadline.errors:
            self.deadline.errors.append(Rule("揭榜挂帅必须填写截止日期。"))
            ok = False
        return ok

    def fill_from(self, need) -> None:
        """Pre-fill list, date and money inputs from an existing need (GET only)."""
        self.cooperation_modes.data = need.cooperation_mode_list
        self.budget.data = wan_input(need.budget_fen)
        self.bounty.data = wan_input(need.bounty_fen)
        self.deadline.data = need.deadline.isoformat() if need.deadline else ""
        self.keywords.data = "；".join(need.keyword_list)

    def model_data(self) -> dict:
        """Validated values as TechNeed columns (bounty fields cleared when not a bounty)."""
        bounty = bool(self.is_bounty.data)
        return {
            **self.common_data(), "description": self.description.data, "budget_fen": self._budget_fen,
            "deadline": self._deadline, "cooperation_modes": join_list(self.cooperation_modes.data),
            "is_bounty": bounty, "bounty_fen": self._bounty_fen if bounty else None,
            "bounty_goals": self.bounty_goals.data if bounty else "",
            "bounty_conditions": self.bounty_conditions.data if bounty else "",
        }


class ActionForm(FlaskForm):
    """One life-cycle button; the action name is checked against the workflow table."""

    action = StringField(filters=[clean_line], validators=[required("操作"), Length(max=20)])
    comment = TextAreaField("说明", filters=[clean_text], validators=[max_length("说明", 1000)])
    return_to = StringField(filters=[clean_line])
    # The version of the listing the reviewer saw; an approval of changed content is refused.
    version = StringField(filters=[clean_line], validators=[Length(max=40)])


class ApplyForm(FlaskForm):
    """An institute's 揭榜 proposal."""

    proposal = TextAreaField("揭榜方案", filters=[clean_text],
                             validators=[required("揭榜方案"), max_length("揭榜方案", MAX_TEXT)])


class SelectForm(FlaskForm):
    """The need owner picks one applicant."""

    comment = StringField("说明", filters=[clean_line], validators=[max_length("说明", 200)])


