"""Account settings (address, notification choices), address confirmation, forgotten password, unsubscribe."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.account import bp, display, services
from marketplace.account.forms import DisplayForm, EmailForm, ForgotPasswordForm, NotificationForm, ResetPasswordForm
from marketplace.auth.safe_redirect import safe_next
from marketplace.extensions import csrf
from marketplace.form_fields import EmptyForm
from marketplace.mail import read_unsubscribe_token
from marketplace.notify import email_modes, set_email_mode
from marketplace.permissions import LOGGED_IN, permission_required
from marketplace.web import committing
from models import User, db
from models.notification import CATEGORY_LABELS, EMAIL_MODE_LABELS, NOTIFY_CATEGORIES

# What the forgotten-password form answers, whether or not an account has that address (no enumeration).
RESET_SENT = "如果该邮箱属于一个已确认邮箱的账号，重置密码的链接已发送到该邮箱，{minutes} 分钟内有效。"


def _settings_page(email_form=None, notification_form=None):
    user = current_user._get_current_object()
    if notification_form is None:
        notification_form = NotificationForm(formdata=None)
        for category, mode in email_modes(user).items():
            getattr(notification_form, f"mode_{category}").data = mode
    return render_template("account/settings.html", user=user, email_form=email_form or EmailForm(formdata=None),
                           notification_form=notification_form, categories=NOTIFY_CATEGORIES,
                           resend_form=EmptyForm())


@bp.route("/settings")
@permission_required(LOGGED_IN)
def settings():
    """My e-mail address and how I want to hear of each kind of event."""
    return _settings_page()


@bp.route("/settings/email", methods=["POST"])
@permission_required(LOGGED_IN)
def change_email():
    form = EmailForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with committing(form=form) as saved:
            services.change_email(user, form.password.data, form.email.data)
        if saved.ok:
            flash(f"邮箱已改为 {user.email}，请打开发到该邮箱的确认链接。" if user.email else "邮箱已删除。", "success")
            return redirect(url_for("account.settings"))
    return _settings_page(email_form=form), 422


@bp.route("/settings/confirm", methods=["POST"])
@permission_required(LOGGED_IN)
def resend_confirmation():
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    if not user.email or user.email_verified_at is not None:
        flash("没有需要确认的邮箱。", "info")
        return redirect(url_for("account.settings"))
    with committing(f"确认链接已发送到 {user.email}。"):
        services.send_confirmation(user)
    return redirect(url_for("account.settings"))


@bp.route("/settings/notifications", methods=["POST"])
@permission_required(LOGGED_IN)
def notifications():
    form = NotificationForm()
    if not form.validate_on_submit():
        return _settings_page(notification_form=form), 422
    user = current_user._get_current_object()
    with committing("通知设置已保存。"):
        for category, _label, _what, _default in NOTIFY_CATEGORIES:
            set_email_mode(user, category, getattr(form, f"mode_{category}").data)
    return redirect(url_for("account.settings"))


@bp.route("/display", methods=["GET", "POST"])
def display_settings():
    """大字版 / 高对比度 for this browser, and for the account when signed in. The pages' buttons send the same form
    in the background (X-Requested-With: fetch, answered 204); without scripts this page is the way."""
    if request.method == "GET":
        modes = display.current_modes()
        form = DisplayForm(formdata=None, large="large" in modes, contrast="contrast" in modes,
                           next=safe_next(request.args.get("next"), ""))
        return render_template("account/display.html", form=form, back=form.next.data or None)
    form = DisplayForm()
    if not form.validate_on_submit():
        return render_template("account/display.html", form=form, back=None), 400
    mode = display.mode_of(form.large.data, form.contrast.data)
    if current_user.is_authenticated:
        with committing():
            display.save(current_user._get_current_object(), mode)
    if request.headers.get("X-Requested-With") == "fetch":
        response = current_app.response_class(status=204)
    else:
        flash("显示设置已保存。", "success")
        response = redirect(safe_next(form.next.data, url_for("account.display_settings")))
    display.set_cookie(response, mode)
    return response


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    """The link of a confirmation mail (works signed in or not)."""
    with committing() as saved:
        user = services.confirm_email(token)
    if saved.ok:
        flash(f"邮箱 {user.email} 已确认。", "success")
        return redirect(url_for("account.settings" if current_user.is_authenticated else "auth.login"))
    return redirect(url_for("account.settings" if current_user.is_authenticated else "main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address belongs to anyone."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with committing():
            services.request_reset(form.email.data)
        minutes = current_app.config["PASSWORD_RESET_SECONDS"] // 60
        flash(RESET_SENT.format(minutes=minutes), "info")
        return redirect(url_for("auth.login"))
    return render_template("account/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """A new password from the mailed link (once, before it expires)."""
    try:
        user = services.user_of_reset_link(token)
    except services.LinkProblem as exc:
        flash(exc.message, "danger")
        return redirect(url_for("account.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with committing("密码已重置，请用新密码登录。所有设备上的登录和 API 令牌均已失效。", form=form) as saved:
            services.reset_password(token, form.new_password.data)
        if saved.ok:
            return redirect(url_for("auth.login"))
    return render_template("account/reset_password.html", form=form, user=user), 422 if form.errors else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client posts "List-Unsubscribe=One-Click"; the signed token is the proof
def unsubscribe(token: str):
    """Stop e-mail of one category (the in-site notices stay); GET asks first, POST does it."""
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        flash("退订链接无效。请登录后在“邮箱与通知设置”中修改通知方式。", "warning")
        return redirect(url_for("account.settings"))
    category = found[1]
    if request.method == "POST":
        with committing():
            set_email_mode(user, category, "off")
        if request.form.get("List-Unsubscribe") == "One-Click":
            return "", 204
        return render_template("account/unsubscribed.html", label=CATEGORY_LABELS[category], done=True)
    return render_template("account/unsubscribed.html", label=CATEGORY_LABELS[category], done=False,
                           mode=EMAIL_MODE_LABELS)
