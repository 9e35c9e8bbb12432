"""Threads about a listing between two organisations and a broker: start, answer, attach, block, report, moderate.

Functions flush but never commit; the caller commits once. Every refusal is a ThreadError with the
user's message. Limits on how fast one person may write are counted in the database itself, so every
web worker sees the same count and a restart forgets nothing.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from marketplace import files, notify, security_log
from marketplace.errors import DomainError
from marketplace.form_fields import clean_line
from marketplace.matching import inbox
from marketplace.permissions import has, is_member
from models import (
    ListingStatus, Match, MatchStatus, TechNeed, TechResult, Thread, ThreadAttachment, ThreadBlock, ThreadPost,
    ThreadReport, User, db,
)
from models.base import utcnow
from models.listing import KIND_LABELS
from models.thread import REPORT_REASONS

Upload = files.Upload

MAX_BODY = 5000
MAX_SUBJECT = 120
MAX_FILES = 3
MAX_FILE_BYTES = 10 * 1024 * 1024


class ThreadError(DomainError):
    pass


class TooFast(ThreadError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# Who is who on a thread

def thread_link(thread: Thread) -> str:
    return f"/threads/{thread.id}"


def participants(thread: Thread) -> list[User]:
    """Active members of both organisations and the broker, by id."""
    people = inbox.organisation_members(thread.owner_org_id) + inbox.organisation_members(thread.asker_org_id)
    if thread.broker_id is not None:
        broker = db.session.get(User, thread.broker_id)
        if broker is not None and broker.is_active_account:
            people.append(broker)
    return people


def side_of(user, thread: Thread) -> str | None:
    """'owner', 'asker' or 'broker' for someone who may read and answer the thread; None for anyone else."""
    if not user.is_authenticated:
        return None
    if has(user, "thread.take_part") and is_member(user, thread.owner_org_id):
        return "owner"
    if has(user, "thread.take_part") and is_member(user, thread.asker_org_id):
        return "asker"
    if has(user, "thread.broker") and thread.broker_id == user.id:
        return "broker"
    return None


def my_threads_select(user):
    """Threads the user takes part in, latest post first (a statement for db.paginate)."""
    stmt = select(Thread).order_by(Thread.last_post_at.desc(), Thread.id.desc())
    mine = []
    if has(user, "thread.take_part") and user.organisation_id is not None:
        mine += [Thread.owner_org_id == user.organisation_id, Thread.asker_org_id == user.organisation_id]
    if has(user, "thread.broker"):
        mine.append(Thread.broker_id == user.id)
    return stmt.where(or_(*mine)) if mine else stmt.where(Thread.id.is_(None))


def existing_thread(user, listing) -> Thread | None:
    """The thread the user's organisation already has on this listing."""
    column = Thread.result_id if listing.kind == "result" else Thread.need_id
    if user.organisation_id is None:
        return None
    return db.session.scalar(select(Thread).where(column == listing.id, Thread.asker_org_id == user.organisation_id))


def can_ask(user, listing) -> bool:
    """Members of another organisation may ask about a published listing."""
    return (has(user, "thread.take_part") and user.organisation_id is not None
            and listing.status == ListingStatus.PUBLISHED and user.organisation_id != listing.organisation_id)


# Limits

def _check_rate(user, setting: str, count_since) -> None:
    """`setting` is (how many, per seconds); `count_since(moment)` counts the user's writes after it."""
    limit, seconds = current_app.config[setting]
    since = utcnow() - timedelta(seconds=seconds)
    if count_since(since) >= limit:
        minutes = max(1, seconds // 60)
        raise TooFast(f"发送过于频繁：每 {minutes} 分钟最多 {limit} 条，请稍后再试。", retry_after=seconds)


def _check_not_blocked(user, *organisation_ids: int) -> None:
    blocked = db.session.scalar(select(func.count(ThreadBlock.id)).where(
        ThreadBlock.blocked_user_id == user.id, ThreadBlock.organisation_id.in_(organisation_ids)))
    if blocked:
        raise ThreadError("对方单位已屏蔽您的留言。", status=403, code="blocked")


def _check_files(uploads: list[Upload]) -> list[files.Accepted]:
    try:
        return files.accept(uploads, MAX_FILES, MAX_FILE_BYTES)
    except files.FileRefused as exc:
        raise ThreadError(exc.message.replace("最多", "每条留言最多"), field="files") from None


def _clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise ThreadError("请填写留言内容。", field="body")
    if len(body) > MAX_BODY:
        raise ThreadError(f"留言不能超过 {MAX_BODY} 个字符。", field="body")
    return body


# Writing

def start(user, listing, subject: str, body: str, uploads: list[Upload] = ()) -> Thread:
    """Ask about a listing; a second question from the same organisation goes into its existing thread."""
    if not can_ask(user, listing):
        raise ThreadError("只能就其他单位已发布的成果、需求发起咨询。", status=403, code="forbidden")
    _check_not_blocked(user, listing.organisation_id)
    thread = existing_thread(user, listing)
    if thread is not None:
        add_post(user, thread, body, uploads)
        return thread
    _check_rate(user, "THREAD_START_LIMIT", lambda since: db.session.scalar(select(func.count(Thread.id)).where(
        Thread.started_by_id == user.id, Thread.created_at >= since)))
    subject = clean_line(subject or "")[:MAX_SUBJECT] or f"咨询：{listing.title}"[:MAX_SUBJECT]
    thread = Thread(owner_org_id=listing.organisation_id, asker_org_id=user.organisation_id, subject=subject,
                    started_by_id=user.id, broker_id=_broker_between(listing, user.organisation_id))
    if listing.kind == "result":
        thread.result_id = listing.id
    else:
        thread.need_id = listing.id
    db.session.add(thread)
    db.session.flush()
    _post(user, thread, body, uploads, first=True)
    return thread


def add_post(user, thread: Thread, body: str, uploads: list[Upload] = ()) -> ThreadPost:
    """Answer in a thread one takes part in."""
    if side_of(user, thread) is None:
        raise ThreadError("您不是该咨询的参与方。", status=404, code="not_found")
    _check_not_blocked(user, thread.owner_org_id, thread.asker_org_id)
    return _post(user, thread, body, uploads)


def _post(user, thread: Thread, body: str, uploads, first: bool = False) -> ThreadPost:
    body = _clean_body(body)
    checked = _check_files(list(uploads))
    _check_rate(user, "THREAD_POST_LIMIT", lambda since: db.session.scalar(select(func.count(ThreadPost.id)).where(
        ThreadPost.author_id == user.id, ThreadPost.created_at >= since)))
    post = ThreadPost(thread_id=thread.id, author_id=user.id, author_org_id=user.organisation_id, body=body)
    for upload in checked:
        post.attachments.append(ThreadAttachment(
            filename=upload.filename, content_type=upload.content_type, size_bytes=len(upload.payload),
            sha256=files.store(upload.payload, upload.ext)))
    db.session.add(post)
    thread.last_post_at = utcnow()
    thread.post_count = (thread.post_count or 0) + 1
    db.session.flush()
    listing = thread.listing
    who = user.display_name or user.username
    if first:
        subject = f"{thread.asker_org.name}咨询您的{KIND_LABELS[listing.kind]}“{listing.title}”"
    else:
        subject = f"{who}回复了咨询“{thread.subject}”"
    notify.notify(participants(thread), "thread", subject, body[:500], thread_link(thread), sender=user)
    return post


def attachment_path(attachment: ThreadAttachment) -> str:
    return files.stored_path(attachment.sha256, files.EXTENSIONS[attachment.content_type])


# Brokers

def _broker_between(listing, asker_org_id: int) -> int | None:
    """The broker of the newest match (open or signed) pairing this listing with one of the asker's listings."""
    if listing.kind == "result":
        stmt = (select(Match.broker_id).join(TechNeed, TechNeed.id == Match.need_id)
                .where(Match.result_id == listing.id, TechNeed.organisation_id == asker_org_id))
    else:
        stmt = (select(Match.broker_id).join(TechResult, TechResult.id == Match.result_id)
                .where(Match.need_id == listing.id, TechResult.organisation_id == asker_org_id))
    return db.session.scalar(stmt.where(Match.broker_id.is_not(None), Match.status != MatchStatus.FAILED)
                             .order_by(Match.id.desc()).limit(1))


def link_broker(match: Match) -> int:
    """A broker's new match joins the threads that pair its two organisations on its result or need."""
    if match.broker_id is None:
        return 0
    need_org, result_org = match.need.organisation_id, match.result.organisation_id
    threads = db.session.scalars(select(Thread).where(Thread.broker_id.is_(None), or_(
        (Thread.result_id == match.result_id) & (Thread.asker_org_id == need_org),
        (Thread.need_id == match.need_id) & (Thread.asker_org_id == result_org)))).all()
    for thread in threads:
        thread.broker_id = match.broker_id
    return len(threads)


# Blocks

def block(user, thread: Thread, post: ThreadPost, reason: str = "") -> ThreadBlock:
    """A party's organisation blocks the author of a post from the other side."""
    side = side_of(user, thread)
    if side not in ("owner", "asker") or post.thread_id != thread.id:
        raise ThreadError("只有咨询双方单位的成员可以屏蔽留言人。", status=403, code="forbidden")
    author = post.author
    if author.id == user.id or author.organisation_id == user.organisation_id:
        raise ThreadError("不能屏蔽本单位的成员或自己。")
    existing = db.session.scalar(select(ThreadBlock).where(ThreadBlock.organisation_id == user.organisation_id,
                                                           ThreadBlock.blocked_user_id == author.id))
    if existing is not None:
        raise ThreadError("贵单位已屏蔽此人。")
    reason = clean_line(reason or "")[:500]
    row = ThreadBlock(organisation_id=user.organisation_id, blocked_user_id=author.id, blocked_by_id=user.id,
                      reason=reason)
    db.session.add(row)
    security_log.record(security_log.SENDER_BLOCKED, user, subject_user=author, organisation=user.organisation,
                        detail=f"咨询 #{thread.id}" + (f"：{reason}" if reason else ""))
    db.session.flush()
    return row


def my_blocks(user) -> list[ThreadBlock]:
    if user.organisation_id is None or not has(user, "thread.take_part"):
        return []
    return list(db.session.scalars(select(ThreadBlock).where(ThreadBlock.organisation_id == user.organisation_id)
                                   .order_by(ThreadBlock.id.desc())))


def unblock(user, block_id: int) -> ThreadBlock:
    row = db.session.get(ThreadBlock, block_id)
    if row is None or not has(user, "thread.take_part") or not is_member(user, row.organisation_id):
        raise ThreadError("没有这条屏蔽记录。", status=404, code="not_found")
    security_log.record(security_log.SENDER_UNBLOCKED, user, subject_user=row.blocked_user,
                        organisation=user.organisation)
    db.session.delete(row)
    db.session.flush()
    return row


# Reports and moderation

def report(user, thread: Thread, post: ThreadPost, reason: str, details: str = "") -> ThreadReport:
    """A participant reports someone else's post to the admins (once per post)."""
    if side_of(user, thread) is None or post.thread_id != thread.id:
        raise ThreadError("您不是该咨询的参与方。", status=404, code="not_found")
    if post.author_id == user.id:
        raise ThreadError("不能举报自己的留言。")
    if reason not in REPORT_REASONS:
        raise ThreadError("请选择举报原因。", field="reason")
    if db.session.scalar(select(ThreadReport.id).where(ThreadReport.post_id == post.id,
                                                       ThreadReport.reporter_id == user.id)):
        raise ThreadError("您已举报过这条留言，管理员会尽快处理。")
    _check_rate(user, "THREAD_REPORT_LIMIT", lambda since: db.session.scalar(select(func.count(ThreadReport.id))
                .where(ThreadReport.reporter_id == user.id, ThreadReport.created_at >= since)))
    row = ThreadReport(post_id=post.id, reporter_id=user.id, reason=reason, details=clean_line(details or "")[:1000])
    db.session.add(row)
    security_log.record(security_log.POST_REPORTED, user, subject_user=post.author,
                        detail=f"咨询 #{thread.id} 留言 #{post.id}：{REPORT_REASONS[reason]}")
    db.session.flush()
    return row


def open_reports_count() -> int:
    return db.session.scalar(select(func.count(ThreadReport.id)).where(ThreadReport.status == "open")) or 0


def decide(admin, report_row: ThreadReport, decision: str, note: str) -> ThreadReport:
    """Hide the reported post or dismiss the report; every open report of the post is closed the same way."""
    if not has(admin, "thread.moderate"):
        raise ThreadError("只有管理员可以处理举报。", status=403, code="forbidden")
    if decision not in ("hide", "dismiss"):
        raise ThreadError("未知的处理方式。")
    if report_row.status != "open":
        raise ThreadError("该举报已处理。")
    note = clean_line(note or "")[:500]
    if decision == "hide" and not note:
        raise ThreadError("隐藏留言时请写明理由。", field="note")
    post, now = report_row.post, utcnow()
    status = "hidden" if decision == "hide" else "dismissed"
    siblings = db.session.scalars(select(ThreadReport).where(ThreadReport.post_id == post.id,
                                                             ThreadReport.status == "open")).all()
    for row in siblings:
        row.status, row.decided_by_id, row.decided_at, row.decision_note = status, admin.id, now, note
    if decision == "hide" and post.hidden_at is None:
        post.hidden_at, post.hidden_by_id, post.hidden_reason = now, admin.id, note
    kind = security_log.POST_HIDDEN if decision == "hide" else security_log.REPORT_DISMISSED
    security_log.record(kind, admin, subject_user=post.author, detail=f"留言 #{post.id}" + (f"：{note}" if note else ""))
    outcome = "已隐藏被举报的留言" if decision == "hide" else "经核查未隐藏该留言"
    thread = db.session.get(Thread, post.thread_id)
    notify.notify([row.reporter for row in siblings], "thread", f"您的举报已处理：{outcome}", note,
                  thread_link(thread), sender=admin)
    if decision == "hide":
        notify.notify([post.author], "thread", f"您在咨询“{thread.subject}”中的一条留言已被管理员隐藏", note,
                      thread_link(thread), sender=admin)
    db.session.flush()
    return report_row
