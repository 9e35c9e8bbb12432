"""The in-site message centre: send, list, count unread, mark read.

Functions flush but never commit; the caller commits once.
"""
from sqlalchemy import func, select

from models import Message, User, db
from models.base import utcnow
from models.user import PUBLISHER_ROLES

MAX_SUBJECT = 200
MAX_BODY = 5000


def send(recipient: User, sender: User | None, subject: str, body: str = "", match=None) -> Message:
    """Store one message for `recipient`."""
    message = Message(recipient_id=recipient.id, sender_id=sender.id if sender else None,
                      match_id=match.id if match is not None else None,
                      subject=subject[:MAX_SUBJECT], body=(body or "")[:MAX_BODY])
    db.session.add(message)
    return message


def organisation_members(organisation_id: int) -> list[User]:
    """Active publishing members of an organisation (who receive its introductions)."""
    return list(db.session.scalars(select(User).where(
        User.organisation_id == organisation_id, User.role.in_(PUBLISHER_ROLES),
        User.is_active_account.is_(True)).order_by(User.id)))


def unread_count(user) -> int:
    """Unread messages of a logged-in user."""
    return db.session.scalar(select(func.count(Message.id)).where(
        Message.recipient_id == user.id, Message.read_at.is_(None))) or 0


def inbox_query(user, unread_only: bool = False):
    """The user's messages, newest first (a statement for db.paginate)."""
    stmt = select(Message).where(Message.recipient_id == user.id)
    if unread_only:
        stmt = stmt.where(Message.read_at.is_(None))
    return stmt.order_by(Message.created_at.desc(), Message.id.desc())


def mark_read(message: Message) -> None:
    """Mark a message read (once)."""
    if message.read_at is None:
        message.read_at = utcnow()


def mark_all_read(user) -> int:
    """Mark every unread message of the user read; returns how many."""
    messages = db.session.scalars(select(Message).where(Message.recipient_id == user.id,
                                                        Message.read_at.is_(None))).all()
    for message in messages:
        mark_read(message)
    return len(messages)
