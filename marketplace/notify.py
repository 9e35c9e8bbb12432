"""Notices of events: one in-site notice per person, and e-mail by each person's choice per category.

`notify` and `notify_organisation` add the notices to the caller's transaction (they flush, never commit);
e-mail for a person who chose "instant" is queued as a job in the same transaction. "daily" notices are
gathered by the daily digest job (`notify.daily_digest`, started by the scheduler at 8:00).
"""
import os
from datetime import date, datetime, timedelta

from sqlalchemy import select

from marketplace.jobs import handler
from marketplace.jobs.schedule import site_time
from marketplace.mail import queue_mail, site_url
from models import Message, NotificationPref, User, db
from models.base import utcnow
from models.notification import CATEGORY_LABELS, DEFAULT_EMAIL_MODE

DIGEST_MAX_ITEMS = 50


def email_mode(user: User, category: str) -> str:
    chosen = db.session.scalar(select(NotificationPref.email_mode).where(
        NotificationPref.user_id == user.id, NotificationPref.category == category))
    return chosen or DEFAULT_EMAIL_MODE[category]


def email_modes(user: User) -> dict[str, str]:
    chosen = dict(db.session.execute(select(NotificationPref.category, NotificationPref.email_mode).where(
        NotificationPref.user_id == user.id)).all())
    return {category: chosen.get(category, default) for category, default in DEFAULT_EMAIL_MODE.items()}


def set_email_mode(user: User, category: str, mode: str) -> bool:
    """Store one choice; True if it changed."""
    if category not in CATEGORY_LABELS or mode not in ("instant", "daily", "off"):
        raise ValueError("unknown category or mode")
    row = db.session.scalar(select(NotificationPref).where(NotificationPref.user_id == user.id,
                                                           NotificationPref.category == category))
    if row is None:
        if mode == DEFAULT_EMAIL_MODE[category]:
            return False
        db.session.add(NotificationPref(user_id=user.id, category=category, email_mode=mode))
        return True
    if row.email_mode == mode:
        return False
    row.email_mode, row.changed_at = mode, utcnow()
    return True


def notify(users, category: str, subject: str, body: str = "", link: str = "", *, sender: User | None = None,
           match=None, email: str | None = None) -> int:
    """A notice to each of `users` (skipping inactive accounts and the sender); returns how many.

    E-mail follows each person's choice for the category: "instant" mails the notice now, "daily" leaves it
    to the daily digest, "off" never mails it. `email` ("instant" or "daily") is the notice's own choice
    (a saved search's frequency); a category the person turned off stays off.
    """
    if category not in CATEGORY_LABELS:
        raise ValueError(f"unknown notification category {category}")
    sent = 0
    for user in dict.fromkeys(users):
        if user is None or not user.is_active_account or (sender is not None and user.id == sender.id):
            continue
        message = _inbox().send(user, sender, subject, body, match)
        message.category, message.link = category, link[:300]
        mode = email_mode(user, category)
        mode = email if email and mode != "off" else mode
        if mode == "off":
            message.digested_at = utcnow()  # never mailed
        elif mode == "instant" and user.email_verified_at is not None:
            message.digested_at = utcnow()  # mailed now, not again in a digest
            db.session.flush()
            queue_mail("notice", user=user, category=category, key=f"notice:{message.id}",
                       context={"subject": message.subject, "body": message.body, "link": absolute(link)})
        sent += 1
    return sent


def notify_organisation(organisation_id: int, category: str, subject: str, body: str = "", link: str = "", *,
                        sender: User | None = None, match=None) -> int:
    """A notice to every active publishing member of an organisation."""
    return notify(_inbox().organisation_members(organisation_id), category, subject, body, link, sender=sender,
                  match=match)


def _inbox():
    """The inbox module, imported when first used: the matching package's pages import this module."""
    from marketplace.matching import inbox

    return inbox


def absolute(link: str) -> str:
    return site_url().rstrip("/") + link if link.startswith("/") else link


def unread_by_category(user: User) -> dict[str, int]:
    from sqlalchemy import func

    rows = db.session.execute(select(Message.category, func.count()).where(
        Message.recipient_id == user.id, Message.read_at.is_(None)).group_by(Message.category)).all()
    return {category: count for category, count in rows}


@handler("notify.daily_digest")
def daily_digest(job, payload: dict) -> None:
    """One mail per person with the unread notices left for the digest (each notice mailed at most once)."""
    day = date.fromisoformat(payload["day"])
    since = datetime.combine(day, datetime.min.time()) - timedelta(days=7)
    candidates = db.session.scalars(
        select(User).join(Message, Message.recipient_id == User.id)
        .where(Message.read_at.is_(None), Message.digested_at.is_(None), Message.category != "",
               Message.created_at >= since, User.email_verified_at.is_not(None), User.is_active_account.is_(True))
        .distinct().order_by(User.id)).all()
    for user in candidates:
        # Notices not mailed yet (instant and turned-off ones were marked when made), in categories still mailed.
        mailed = [category for category, mode in email_modes(user).items() if mode != "off"]
        notices = db.session.scalars(select(Message).where(
            Message.recipient_id == user.id, Message.read_at.is_(None), Message.digested_at.is_(None),
            Message.category.in_(mailed), Message.created_at >= since)
            .order_by(Message.created_at.desc()).limit(DIGEST_MAX_ITEMS)).all()
        if not notices:
            continue
        items = [{"subject": m.subject, "category": CATEGORY_LABELS[m.category], "link": absolute(m.link),
                  "at": f"{site_time(m.created_at):%m-%d %H:%M}"} for m in notices]
        # The digest's category decides its unsubscribe link: the first daily category of its notices.
        queue_mail("digest", user=user, category=notices[0].category, key=f"digest:{day}:{user.id}",
                   context={"day": day.isoformat(), "items": items})
        now = utcnow()
        for message in notices:
            message.digested_at = now
    db.session.commit()


@handler("jobs.prune")
def prune_jobs(job, payload: dict) -> None:
    """Finished jobs older than 90 days go (failed ones stay until an admin retries or they age out too)."""
    from sqlalchemy import delete

    from models import Job, JobState

    from marketplace.imports.exports import file_path

    cutoff = utcnow() - timedelta(days=90)
    old = (Job.state.in_([JobState.DONE, JobState.FAILED]), Job.finished_at < cutoff, Job.id != job.id)
    for export in db.session.scalars(select(Job).where(Job.kind == "export.register", *old)):
        path = file_path(export)  # the file goes with its job
        if path and os.path.exists(path):
            os.remove(path)
    db.session.execute(delete(Job).where(*old))
    db.session.commit()


def enqueue_test_mail(user: User):
    """An admin's check that mail goes out (the jobs page)."""
    return queue_mail("test", user=user)


# Filings whose review deadline (办结期限) is this many days away or nearer are in the officials' reminder.
REMINDER_DAYS = 3


@handler("notify.deadline_reminders")
def deadline_reminders(job, payload: dict) -> None:
    """Each official gets one notice listing the filings in their region close to (or past) the deadline."""
    from marketplace.contracts.workflow import UNDER_REVIEW
    from marketplace.permissions.objects import is_registrar
    from models import Contract
    from models.user import Role

    day = date.fromisoformat(payload["day"])
    due = db.session.scalars(select(Contract).where(
        Contract.status.in_(UNDER_REVIEW), Contract.due_on.is_not(None),
        Contract.due_on <= day + timedelta(days=REMINDER_DAYS)).order_by(Contract.due_on, Contract.id)).all()
    if not due:
        return
    officials = db.session.scalars(select(User).where(User.role == Role.OFFICIAL,
                                                      User.is_active_account.is_(True))).all()
    for official in officials:
        mine = [c for c in due if is_registrar(official, c)]
        if not mine:
            continue
        late = sum(1 for c in mine if c.due_on < day)
        lines = [f"{c.due_on} 到期 · {c.title}（{c.seller_name}）" + ("，已超期" if c.due_on < day else "")
                 for c in mine[:50]]
        subject = f"{len(mine)} 份合同临近登记办结期限" + (f"，其中 {late} 份已超期" if late else "")
        notify([official], "deadline", subject, "\n".join(lines), "/contracts/")
    db.session.commit()
