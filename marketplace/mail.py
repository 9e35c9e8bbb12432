"""E-mail: queued in the caller's transaction, rendered and sent by a job (plain text and HTML, in Chinese).

With MAIL_SERVER set (MARKET_MAIL_SERVER …) mail goes out over SMTP through Flask-Mail. Without one
(`make run` on a fresh machine) each message is written to the instance folder's `outbox/` as an .eml
file, so links (password reset, address confirmation) can still be followed.

Mail about events (a category of models.notification) goes only to a confirmed address and carries an
unsubscribe link and List-Unsubscribe headers; account mail (confirmation, reset, security notices)
is essential and has neither.
"""
import os
import smtplib
from datetime import datetime

from flask import current_app, render_template, url_for
from flask_mail import Mail
from flask_mail import Message as MailMessage
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.jobs import JobFailed, enqueue, handler
from models import User, db
from models.notification import CATEGORY_LABELS

mail = Mail()
UNSUBSCRIBE_SALT = "unsubscribe"
SUBJECT_PREFIX = "【技术市场】"


def init_app(app) -> None:
    app.config.setdefault("MAIL_DEFAULT_SENDER", "技术市场 <noreply@localhost>")
    # Flask-Mail suppresses sending in tests; here a configured server is always used (tests run one).
    app.config["MAIL_SUPPRESS_SEND"] = False
    mail.init_app(app)


def site_url() -> str:
    return current_app.config.get("SITE_URL") or "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a message written outside any request (jobs)."""
    with current_app.test_request_context("/", base_url=site_url()):
        return url_for(endpoint, _external=True, **values)


def unsubscribe_token(user_id: int, category: str) -> str:
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT).dumps([user_id, category])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, category = URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or category not in CATEGORY_LABELS:
        return None
    return user_id, category


def queue_mail(template: str, *, user: User | None = None, address: str | None = None, category: str | None = None,
               context: dict | None = None, key: str | None = None):
    """Ask for one e-mail (sent by a job after the commit). `context` must be JSON-able.

    Either a `user` (their address; for a category only if confirmed) or an explicit `address`.
    Returns the job, or None when there is nobody to send to.
    """
    to = address or (user.email if user is not None else None)
    if not to:
        return None
    if category is not None and (user is None or user.email_verified_at is None):
        return None  # event mail waits for a confirmed address
    payload = {"template": template, "to": to, "user_id": user.id if user is not None else None,
               "category": category, "context": context or {}}
    return enqueue("mail.send", payload, key=key)


def render(template: str, to: str, user: User | None, category: str | None, context: dict) -> MailMessage:
    """The message of one mail job: subject, plain text and HTML from templates/mail/<template>.*"""
    values = dict(context, user=user, site_url=site_url(), category_label=CATEGORY_LABELS.get(category or ""),
                  greeting=(user.display_name or user.username) if user is not None else context.get("name", ""))
    if category is not None and user is not None:
        values["unsubscribe_url"] = external_url("account.unsubscribe", token=unsubscribe_token(user.id, category))
        values["settings_url"] = external_url("account.settings")
    subject = render_template(f"mail/{template}.subject.txt", **values).strip()
    message = MailMessage(subject=SUBJECT_PREFIX + subject, recipients=[to],
                          body=render_template(f"mail/{template}.txt", **values),
                          html=render_template(f"mail/{template}.html", **values))
    if "unsubscribe_url" in values:
        message.extra_headers = {"List-Unsubscribe": f"<{values['unsubscribe_url']}>",
                                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return message


def deliver(message: MailMessage, job_id: int) -> None:
    """Over SMTP when a server is configured, else into the instance folder's outbox."""
    if current_app.config.get("MAIL_SERVER"):
        mail.send(message)
        return
    folder = os.path.join(current_app.instance_path, "outbox")
    os.makedirs(folder, exist_ok=True)
    name = f"{datetime.now():%Y%m%d-%H%M%S}-{job_id}.eml"
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(message.as_bytes())


@handler("mail.send")
def send_job(job, payload: dict) -> None:
    user = db.session.get(User, payload["user_id"]) if payload.get("user_id") else None
    category = payload.get("category")
    if category is not None and user is not None:
        from marketplace.notify import email_mode

        if user.email != payload["to"] or user.email_verified_at is None or email_mode(user, category) == "off":
            return  # the address or the choice changed since: nothing to send
    # A request of its own (at the site's address): url_for and the app's template context work as in a page.
    with current_app.test_request_context("/", base_url=site_url()):
        message = render(payload["template"], payload["to"], user, category, payload.get("context") or {})
    try:
        deliver(message, job.id)
    except (OSError, smtplib.SMTPException) as exc:
        raise JobFailed(f"邮件发送失败：{type(exc).__name__}: {exc}") from exc
