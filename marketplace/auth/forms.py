"""Forms for sign-up, log-in, password change and membership decisions."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from marketplace.auth.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem
from marketplace.form_fields import clean_line, options
from models.user import PUBLISHER_ROLES, ROLE_LABELS
from models.vocab import ORG_TYPES

USERNAME_RULE = r"^[a-z0-9_.\-]+$"
PHONE_RULE = r"^[0-9+\-() ]{5,30}$"
EMAIL_RULE = r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$"
PASSWORD_HINT = (f"至少 {MIN_PASSWORD_LENGTH} 位，可以是一句好记的话（最长 {MAX_PASSWORD_LENGTH} 位）；"
                 "不能是常见密码，也不能包含用户名。")
ORG_MODES = options({"new": "新建单位", "join": "加入已有单位"})


def strip(value):
    """Trim surrounding whitespace and drop control characters (PostgreSQL refuses NUL bytes)."""
    return clean_line(value)


def strip_lower(value):
    """Trim and lower-case (usernames are case-insensitive)."""
    return clean_line(value).lower() if isinstance(value, str) else value


def strip_upper(value):
    """Trim and upper-case (统一社会信用代码 letters are capitals)."""
    return clean_line(value).upper() if isinstance(value, str) else value


def required(message: str):
    """DataRequired with a Chinese message."""
    return DataRequired(message=message)


def username_field(label: str = "用户名") -> StringField:
    """Username: 3–40 characters of a-z, 0-9, '_', '.', '-'."""
    return StringField(label, filters=[strip_lower], validators=[
        required("请填写用户名。"),
        Length(min=3, max=40, message="用户名长度为 3–40 个字符。"),
        Regexp(USERNAME_RULE, message="用户名只能包含小写字母、数字以及 _ . -"),
    ])


class AccountFieldsForm(FlaskForm):
    """Fields every new account has (sign-up and admin creation)."""

    username = username_field()
    display_name = StringField("姓名/显示名", filters=[strip], validators=[
        required("请填写姓名或显示名。"), Length(max=50, message="显示名不能超过 50 个字符。")])
    email = StringField("电子邮箱（选填）", filters=[strip], validators=[
        Optional(), Length(max=120, message="邮箱不能超过 120 个字符。"),
        Regexp(EMAIL_RULE, message="邮箱格式不正确。")])
    phone = StringField("联系电话（选填）", filters=[strip], validators=[
        Optional(), Regexp(PHONE_RULE, message="电话号码格式不正确（5–30 位数字）。")])
    password = PasswordField("密码", validators=[
        required("请填写密码。"), Length(max=MAX_PASSWORD_LENGTH, message=f"密码不能超过 {MAX_PASSWORD_LENGTH} 位。")],
        description=PASSWORD_HINT)
    confirm = PasswordField("确认密码", validators=[
        required("请再次输入密码。"), EqualTo("password", message="两次输入的密码不一致。")])

    def validate_password(self, field):
        """Apply the platform password rules."""
        problem = password_problem(field.data or "", self.username.data or "")
        if problem:
            raise ValidationError(problem)


class OrganisationFieldsForm(AccountFieldsForm):
    """Account fields plus 'create a new organisation' or 'join an existing one'."""

    org_mode = RadioField("所属单位", choices=ORG_MODES, default="new", validate_choice=False)
    org_name = StringField("单位名称", filters=[strip], validators=[
        Optional(), Length(max=100, message="单位名称不能超过 100 个字符。")])
    org_type = SelectField("单位类型", choices=options(ORG_TYPES, blank="请选择"),
                           validate_choice=False)
    region_code = SelectField("所在地区", choices=[], validate_choice=False)
    credit_code = StringField("统一社会信用代码（选填）", filters=[strip_upper], validators=[
        Optional(), Length(max=18, message="统一社会信用代码为 18 位。")])
    join_org_name = StringField("要加入的单位全称", filters=[strip], validators=[
        Optional(), Length(max=100, message="单位名称不能超过 100 个字符。")])

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the fields the chosen organisation mode needs."""
        valid = super().validate(extra_validators)
        allowed_modes = [choice.value for choice in self.org_mode.choices]
        if self.org_mode.data not in allowed_modes:
            self.org_mode.errors.append("请选择所属单位的方式。")
            return False
        for field, message in self.required_for_mode():
            if not field.data:
                field.errors.append(message)
                valid = False
        if self.org_mode.data == "new":
            valid = self._check_choice(self.org_type, "请选择有效的单位类型。") and valid
            valid = self._check_choice(self.region_code, "请选择有效的所在地区。") and valid
        return valid

    def required_for_mode(self) -> list:
        """(field, message) pairs that must be filled for the chosen mode."""
        if self.org_mode.data == "new":
            return [(self.org_name, "请填写单位名称。")]
        if self.org_mode.data == "join":
            return [(self.join_org_name, "请填写要加入的单位全称。")]
        return []

    @staticmethod
    def _check_choice(field, message: str) -> bool:
        if field.data and field.data in {choice.value for choice in field.choices}:
            return True
        if not field.errors:
            field.errors.append(message)
        return False


class RegisterForm(OrganisationFieldsForm):
    """Self sign-up for institutes and enterprises."""

    role = RadioField("账号类型", choices=options({role: ROLE_LABELS[role] for role in PUBLISHER_ROLES}),
                      validate_choice=False, validators=[required("请选择账号类型。")])

    def validate_role(self, field):
        """Only the two publishing roles may sign up themselves."""
        if field.data not in PUBLISHER_ROLES:
            raise ValidationError("请选择账号类型。")


class LoginForm(FlaskForm):
    """Username and password, optionally remembered on this device."""

    username = StringField("用户名", filters=[strip_lower], validators=[
        required("请填写用户名。"), Length(max=40, message="用户名或密码错误。")])
    password = PasswordField("密码", validators=[
        required("请填写密码。"), Length(max=MAX_PASSWORD_LENGTH, message="用户名或密码错误。")])
    remember = BooleanField("在此设备上保持登录（14 天）")


class NewPasswordForm(FlaskForm):
    """A new password, twice (a forgotten password's reset; the change form adds the old one)."""

    new_password = PasswordField("新密码", validators=[
        required("请填写新密码。"), Length(max=MAX_PASSWORD_LENGTH, message=f"密码不能超过 {MAX_PASSWORD_LENGTH} 位。")],
        description=PASSWORD_HINT)
    confirm = PasswordField("确认新密码", validators=[
        required("请再次输入新密码。"), EqualTo("new_password", message="两次输入的密码不一致。")])


class ChangePasswordForm(NewPasswordForm):
    """Old password, new password twice."""

    old_password = PasswordField("原密码", validators=[required("请填写原密码。")])




class TokenForm(FlaskForm):
    """Name a new API token (what it is for)."""

    name = StringField("用途", filters=[strip], validators=[
        required("请填写令牌用途，如“数据同步脚本”。"), Length(max=60, message="用途不能超过 60 个字符。")])
