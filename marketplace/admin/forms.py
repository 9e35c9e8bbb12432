"""Administration forms."""
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from marketplace.auth.forms import OrganisationFieldsForm, strip
from marketplace.form_fields import options
from marketplace.security_log import KIND_LABELS
from models.user import ROLE_LABELS, ROLES


class AccountCreateForm(OrganisationFieldsForm):
    """An account of any role, in an existing, a new, or (admins only) no organisation."""

    role = SelectField("角色", choices=options(ROLE_LABELS, blank="请选择"), validate_choice=False)
    org_mode = RadioField("所属单位", default="join", validate_choice=False, choices=options(
        {"join": "已有单位", "new": "新建单位", "none": "不属于任何单位（仅限平台管理员）"}))
    join_org_name = StringField("单位全称", filters=[strip], validators=[
        Optional(), Length(max=100, message="单位名称不能超过 100 个字符。")],
        description="须与平台登记的单位全称完全一致。")

    def validate_role(self, field):
        """The role must be one of the five platform roles."""
        if field.data not in ROLES:
            raise ValidationError("请选择有效的角色。")


class UserFilterForm(FlaskForm):
    """Filter the user list by role and text (read from the query string)."""

    class Meta:
        csrf = False

    role = SelectField("角色", choices=options(ROLE_LABELS, blank="全部角色"), validate_choice=False)
    q = StringField("搜索", filters=[strip], validators=[Optional(), Length(max=100, message="搜索词过长。")])


class SecurityLogFilterForm(FlaskForm):
    """Filter the security log by kind, username and date range (read from the query string)."""

    class Meta:
        csrf = False

    kind = SelectField("事件", choices=options(KIND_LABELS, blank="全部事件"), validate_choice=False)
    user = StringField("用户名", filters=[strip], validators=[Optional(), Length(max=40, message="用户名过长。")])
    since = DateField("起始日期", validators=[Optional()])
    until = DateField("截止日期", validators=[Optional()])
