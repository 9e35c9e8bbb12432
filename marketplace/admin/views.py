"""Administration: users, account creation, activation, organisations, the security log."""
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.admin import bp
from marketplace.admin.forms import AccountCreateForm, SecurityLogFilterForm, UserFilterForm
from marketplace.admin.services import (
    create_account, member_counts, organisation_query, set_account_active, user_query,
)
from marketplace.api.pagination import MAX_PAGE
from marketplace.form_fields import EmptyForm
from marketplace.auth.services import is_awaiting_approval
from marketplace.form_fields import clean_line
from marketplace.permissions import permission_required
from marketplace.regions import region_choices
from marketplace.security_log import KIND_LABELS, log_query
from marketplace.web import committing
from models import User, db


def _page() -> int:
    """The requested page number, bounded (PostgreSQL's OFFSET is a 64-bit integer)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


@bp.route("/")
@bp.route("/users")
@permission_required("account.manage")
def users():
    """All users, filtered by role and text, paginated."""
    form = UserFilterForm(formdata=request.args)
    valid = form.validate()
    query = user_query(form.role.data, form.q.data) if valid else user_query()
    page = db.paginate(query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("admin/users.html", form=form, page=page, is_awaiting_approval=is_awaiting_approval)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("account.manage")
def new_user():
    """Create an account of any role (brokers, officials, admins …)."""
    form = AccountCreateForm()
    form.region_code.choices = region_choices(include_blank="请选择地区")
    if form.validate_on_submit():
        with committing(form=form) as saved:
            user = create_account(form.data)
            saved.success = f"已创建账号 {user.username}（{user.role_label}）。"
        if saved.ok:
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>/<any(activate, deactivate):action>", methods=["POST"])
@permission_required("account.manage")
def set_active(user_id: int, action: str):
    """Activate or deactivate an account (deactivation logs it out everywhere)."""
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with committing(f"已{'启用' if action == 'activate' else '停用'}账号 {user.username}。", failure="warning"):
        set_account_active(user, action == "activate", current_user)
    return redirect(request.referrer if _same_site(request.referrer) else url_for("admin.users"))


@bp.route("/organisations")
@permission_required("account.manage")
def organisations():
    """Organisations with their member counts, paginated."""
    text = clean_line(request.args.get("q", ""))[:100]
    page = db.paginate(organisation_query(text), page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    counts = member_counts([org.id for org in page.items])
    return render_template("admin/organisations.html", page=page, counts=counts, q=text)


@bp.route("/security-log")
@permission_required("security_log.read")
def security_log():
    """The security log, newest first, filtered by kind, username and dates; read only."""
    form = SecurityLogFilterForm(formdata=request.args)
    valid = form.validate()
    query = log_query(form.kind.data, form.user.data, form.since.data, form.until.data) if valid else log_query()
    page = db.paginate(query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("admin/security_log.html", form=form, page=page, kind_labels=KIND_LABELS)


def _same_site(url: str | None) -> bool:
    """Whether a Referer points back into the admin area of this site (keeps filters after a button)."""
    return bool(url) and url.startswith(request.host_url + "admin/")
