"""SQLAlchemy models; `db` lives here and every model module is imported."""
from flask_sqlalchemy import SQLAlchemy

from models.base import Base

db = SQLAlchemy(model_class=Base)

from models.region import Region  # noqa: E402
from models.organisation import Organisation, credit_code_is_valid  # noqa: E402
from models.user import ApiToken, LoginAttempt, User, UserSession  # noqa: E402
from models.listing import (  # noqa: E402
    APPLICATION_LABELS, STATUS_LABELS, ApplicationStatus, BountyApplication, ListingEvent,
    ListingStatus, TechNeed, TechResult,
)
from models.search_change import SearchChange  # noqa: E402
from models.security_log import SecurityLogEntry  # noqa: E402
from models.contract import (  # noqa: E402
    CONTRACT_STATUS_LABELS, Contract, ContractAttachment, ContractEvent, ContractImport, ContractStatus,
    RegistrationCounter,
)
from models.stats import StatsDaily  # noqa: E402
from models.event import EventDeal, EventNeed, MatchEvent  # noqa: E402
from models.match import BrokerProfile, Match, MatchStatus, MatchStep, Message  # noqa: E402
from models.cache_version import CacheVersion  # noqa: E402
from models.amendment import AMENDMENT_STATUS_LABELS, AmendmentStatus, ContractAmendment  # noqa: E402
from models.calendar import CalendarDay  # noqa: E402
from models.year_close import YearClose  # noqa: E402
from models.thesaurus import SynonymGroup  # noqa: E402
from models.job import JOB_STATE_LABELS, Job, JobState  # noqa: E402
from models.notification import NotificationPref  # noqa: E402
from models.follow import Follow, SavedSearch  # noqa: E402
from models.thread import Thread, ThreadAttachment, ThreadBlock, ThreadPost, ThreadReport  # noqa: E402
from models.tender import (  # noqa: E402
    PROPOSAL_STATUS_LABELS, TENDER_STATUS_LABELS, Tender, TenderEvent, TenderFile, TenderProposal,
)
from models.payment import Payment, PaymentMilestone, StatsPaidDaily  # noqa: E402
from models.trade import (  # noqa: E402
    ROUTE_LABELS, TRADE_STATUS_LABELS, Bid, Objection, Trade, TradeEvent, TradeParty, TradeStatus,
)

__all__ = [
    "db", "Base", "Region", "Organisation", "credit_code_is_valid", "User", "LoginAttempt", "ApiToken", "UserSession",
    "TechResult", "TechNeed", "ListingEvent", "ListingStatus", "STATUS_LABELS", "BountyApplication",
    "ApplicationStatus", "APPLICATION_LABELS", "SearchChange", "SecurityLogEntry", "Contract", "ContractEvent",
    "ContractAttachment", "ContractImport", "ContractStatus", "CONTRACT_STATUS_LABELS", "RegistrationCounter",
    "StatsDaily", "MatchEvent", "EventNeed", "EventDeal",
    "BrokerProfile", "Match", "MatchStatus", "MatchStep", "Message", "CacheVersion",
    "ContractAmendment", "AmendmentStatus", "AMENDMENT_STATUS_LABELS", "CalendarDay", "YearClose", "SynonymGroup",
    "Job", "JobState", "JOB_STATE_LABELS", "NotificationPref", "Follow", "SavedSearch",
    "Thread", "ThreadPost", "ThreadAttachment", "ThreadBlock", "ThreadReport",
    "Trade", "TradeEvent", "TradeParty", "TradeStatus", "Bid", "Objection", "ROUTE_LABELS", "TRADE_STATUS_LABELS",
    "Payment", "PaymentMilestone", "StatsPaidDaily",
    "Tender", "TenderEvent", "TenderFile", "TenderProposal", "TENDER_STATUS_LABELS", "PROPOSAL_STATUS_LABELS",
]
