"""Sign-up, log-in, log-out, password change and organisation members."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from marketplace.account.services import password_changed_notice, send_confirmation
from marketplace.auth import bp
from marketplace.auth.forms import ChangePasswordForm, LoginForm, RegisterForm
from marketplace.form_fields import EmptyForm
from marketplace.auth.membership import (
    approve_member, can_decide_membership, organisation_members, pending_applicants, register_account,
    reject_member,
)
from marketplace.auth.safe_redirect import safe_next
from marketplace.auth.services import authenticate
from marketplace.auth.services import change_password as set_new_password
from marketplace.auth.sessions import end_all_sessions, end_session, open_sessions, start_session
from marketplace.permissions import LOGGED_IN, permission_required
from marketplace.regions import region_choices
from marketplace.web import committing
from models import User, db


def begin_session(user: User) -> None:
    """Open a server-side session for this browser; login_user then puts its token in the cookies."""
    start_session(user, request.user_agent.string, request.remote_addr or "")


def signed_up_message(data: dict) -> str:
    """What every accepted sign-up is told, whether or not the username was free (no oracle)."""
    if data["org_mode"] == "new":
        return "注册已提交。请用刚才填写的用户名和密码登录；如果无法登录，请换一个用户名重新注册。"
    return (f"已提交加入“{data['join_org_name']}”的申请，该单位成员审核通过后即可登录；"
            "如果届时仍无法登录，请换一个用户名重新注册。")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in, then go back to a safe `next` page (or the home page)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # keep_on_error: the failed attempt must stay recorded, throttling counts it.
        with committing(keep_on_error=True) as checked:
            user = authenticate(form.username.data, form.password.data, request.remote_addr or "unknown")
            begin_session(user)
        if checked.ok:
            login_user(user, remember=form.remember.data)
            flash(f"欢迎回来，{user.display_name or user.username}。", "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Sign up as an institute or enterprise, creating or joining an organisation."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    form.region_code.choices = region_choices(include_blank="请选择地区")
    if form.validate_on_submit():
        with committing(form=form) as saved:
            user = register_account(form.data)  # None for a taken username: answered the same way
            if user is not None:
                send_confirmation(user)
        if saved.ok:
            flash(signed_up_message(form.data), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, so a link or image cannot do it); the session ends on the server too."""
    if current_user.is_authenticated:
        with committing():
            end_session(current_user._get_current_object())
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@permission_required(LOGGED_IN)
def change_password():
    """Change my password; other sessions and copied cookies stop working."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        with committing(form=form) as saved:
            set_new_password(user, form.old_password.data, form.new_password.data)
            password_changed_notice(user)
            begin_session(user)
        if saved.ok:
            # This browser goes on in a new session (and a new remember cookie when it had one).
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remembered)
            flash("密码已修改。其他设备上的登录和全部 API 令牌已失效。", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form, sessions=open_sessions(user))


@bp.route("/sessions/end-all", methods=["POST"])
@permission_required(LOGGED_IN)
def end_all():
    """Log out everywhere: every session of mine ends, this one included."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    with committing("已退出所有设备上的登录。") as saved:
        end_all_sessions(current_user._get_current_object())
    if saved.ok:
        logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/org/members")
@permission_required(LOGGED_IN)
def members():
    """Members of my organisation and the applicants waiting for approval."""
    return render_template("auth/members.html", members=organisation_members(current_user.organisation_id),
                           applicants=pending_applicants(current_user))


@bp.route("/org/members/<int:user_id>/<any(approve, reject):decision>", methods=["POST"])
@permission_required(LOGGED_IN)
def decide_member(user_id: int, decision: str):
    """Approve or reject someone who asked to join the organisation."""
    applicant = db.get_or_404(User, user_id)
    if not can_decide_membership(current_user, applicant):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = applicant.display_name or applicant.username
    done = f"已通过 {name} 的加入申请。" if decision == "approve" else f"已拒绝 {name} 的加入申请。"
    with committing(done, failure="warning"):
        (approve_member if decision == "approve" else reject_member)(applicant, current_user)
    return redirect(url_for("auth.members"))
