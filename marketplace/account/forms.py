"""Forms of the account pages: e-mail address, notification choices, forgotten password."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import Length, Optional, Regexp

from marketplace.auth.forms import EMAIL_RULE, NewPasswordForm, required, strip
from marketplace.form_fields import options
from models.notification import EMAIL_MODES, NOTIFY_CATEGORIES


def email_field(label: str, needed: bool) -> StringField:
    first = required("请填写邮箱。") if needed else Optional()
    return StringField(label, filters=[strip], validators=[
        first, Length(max=120, message="邮箱不能超过 120 个字符。"), Regexp(EMAIL_RULE, message="邮箱格式不正确。")])


class EmailForm(FlaskForm):
    """A new address (empty: none), with the password asked again."""

    email = email_field("新邮箱（留空表示删除邮箱）", needed=False)
    password = PasswordField("当前密码", validators=[required("请填写当前密码。")])


class ForgotPasswordForm(FlaskForm):
    email = email_field("注册时填写并已确认的邮箱", needed=True)


ResetPasswordForm = NewPasswordForm


class NotificationForm(FlaskForm):
    """One e-mail choice per category (the in-site notice is always kept)."""


for _code, _label, _what, _default in NOTIFY_CATEGORIES:
    setattr(NotificationForm, f"mode_{_code}", RadioField(
        _label, choices=options(dict(EMAIL_MODES)), default=_default, description=_what,
        validators=[required("请选择一项。")]))


class DisplayForm(FlaskForm):
    """大字版 and 高对比度; `next` is where to go back to (checked to be a page of this site)."""

    large = BooleanField("大字版", description="文字和按钮放大到 1.25 倍，行距加大")
    contrast = BooleanField("高对比度", description="白底黑字，链接加下划线，边框和焦点更醒目")
    next = HiddenField()
