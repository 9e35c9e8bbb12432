"""How each person wants to hear of each kind of event (the in-site notice is always kept)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import utcnow

# (category, label, what it covers, e-mail by default). Every notice names one; account mails
# (address verification, password reset, security notices) are essential and have none.
NOTIFY_CATEGORIES = (
    ("listing", "成果与需求审核", "发布的成果、需求通过审核、被退回（附原因）或被下架", "instant"),
    ("bounty", "揭榜挂帅", "收到揭榜申请；揭榜方案入选或未入选", "instant"),
    ("match", "撮合进展", "经纪人撮合的每一步：推荐、对接、洽谈、签约", "instant"),
    ("contract", "合同登记", "合同被受理、退回补正（附原因）、准予登记或不予登记；变更申请的结果", "instant"),
    ("deadline", "登记期限提醒", "（登记机构）临近法定办理期限的合同", "daily"),
    ("trade", "定价与交易", "本单位成果的公示、挂牌、竞价的报名、出价、异议和结果；您参与的交易的审核、被超价和成交", "instant"),
    ("thread", "咨询留言", "对本单位成果、需求的咨询，以及您参与的咨询中的回复", "instant"),
    ("membership", "成员申请", "有人申请加入本单位；您的加入申请的结果", "instant"),
    ("saved_search", "关注与订阅", "关注的成果、需求有变化；订阅的检索有新结果", "daily"),
)
CATEGORY_LABELS = {code: label for code, label, _what, _default in NOTIFY_CATEGORIES}
DEFAULT_EMAIL_MODE = {code: default for code, _label, _what, default in NOTIFY_CATEGORIES}
EMAIL_MODES = (("instant", "立即发邮件"), ("daily", "每日汇总一封"), ("off", "不发邮件（仅站内）"))
EMAIL_MODE_LABELS = dict(EMAIL_MODES)


class NotificationPref(db.Model):
    """One person's e-mail choice for one category; a missing row means the category's default."""

    __tablename__ = "notification_prefs"
    __table_args__ = (
        UniqueConstraint("user_id", "category", name="one_choice_per_category"),
        CheckConstraint("email_mode IN ('instant', 'daily', 'off')", name="email_mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    email_mode: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
