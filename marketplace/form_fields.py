"""Form pieces every area shares: text filters, Chinese validators, options, money, regions, dates.

WTForms' built-in messages are English, so forms check choices themselves and
speak Chinese. Options are `SelectChoice` objects (WTForms 3.3 deprecates tuples).
"""
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.money import MoneyError
from marketplace.patterns import date_pattern
from models import Region, db

REGION_CODE = re.compile(r"[0-9]{6}")


def clean_line(value):
    """Strip and drop control characters (PostgreSQL refuses NUL bytes)."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()


def clean_text(value):
    """Like clean_line but keeps line breaks and tabs."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def required(label: str):
    """DataRequired with a Chinese message."""
    return DataRequired(message=f"请填写{label}。")


def max_length(label: str, limit: int):
    """Length(max=…) with a Chinese message."""
    return Length(max=limit, message=f"{label}不能超过 {limit} 字。")


def options(values, blank: str | None = None) -> list[SelectChoice]:
    """Options labelled by their value (a mapping gives value → label), after an optional blank prompt."""
    pairs = values.items() if isinstance(values, Mapping) else ((value, value) for value in values)
    prompt = [SelectChoice("", blank)] if blank is not None else []
    return prompt + [SelectChoice(value, label) for value, label in pairs]


def choice_field(label: str, values, blank: str = "请选择", **kwargs) -> SelectField:
    """A select box whose value the form checks itself (Chinese messages)."""
    return SelectField(label, choices=options(values, blank), validate_choice=False, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; unknown values are reported by the form, in Chinese."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


def check_choices(field, allowed, label: str, at_least_one: bool = False) -> None:
    """Refuse values outside `allowed` (and an empty list when one is required)."""
    values = field.data or []
    if any(v not in allowed for v in values):
        raise ValidationError(f"{label}包含无效选项。")
    if at_least_one and not values:
        raise ValidationError(f"请至少选择一种{label}。")


def known_region(code: str | None) -> bool:
    """True for a six-digit code that is in the regions table."""
    return bool(REGION_CODE.fullmatch(code or "")) and db.session.get(Region, code) is not None


def parse_money(parse, text, label: str | None = None) -> int:
    """Fen from `parse(text)`; a MoneyError becomes a ValidationError (prefixed with `label`)."""
    try:
        return parse(text)
    except MoneyError as exc:
        raise ValidationError(f"{label}：{exc}" if label else str(exc)) from None


def iso_date(text: str, label: str) -> date:
    """A YYYY-MM-DD date, or a ValidationError naming `label`."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{label}格式应为 YYYY-MM-DD。") from None


class Rule(str):
    """The message of a rule between values (two fields, a check digit, the stored state).

    A JSON schema can state each field's own constraints but not these: the API answers
    them 409 rule_conflict, and any other form error 422 (marketplace/api/inputs.py).
    """


def rule(message: str) -> ValidationError:
    """A ValidationError whose message is marked as a rule (WTForms keeps the message object as is)."""
    return ValidationError(Rule(message))


@dataclass(frozen=True)
class DateRange:
    """The dates a field accepts, from `low()` to `high()` (callables: a bound may be today)."""

    low: Callable[[], date]
    high: Callable[[], date]
    too_early: str = "{label}超出合理范围。"
    too_late: str = "{label}超出合理范围。"

    def check(self, text: str, label: str) -> date:
        """The date written in `text`, or a ValidationError naming `label`."""
        value = iso_date(text, label)
        if value < self.low():
            raise ValidationError(self.too_early.format(label=label))
        if value > self.high():
            raise ValidationError(self.too_late.format(label=label))
        return value

    def pattern(self) -> str:
        """The same range as an anchored regex (for the API's JSON schema)."""
        return date_pattern(self.low(), self.high())

    def describe(self) -> str:
        return f"{self.low().isoformat()} 至 {self.high().isoformat()}"


def fixed(day: date) -> Callable[[], date]:
    return lambda: day


def days_from_today(days: int) -> Callable[[], date]:
    return lambda: date.today() + timedelta(days=days)


class EmptyForm(FlaskForm):
    """A bare POST button: only the CSRF token."""
