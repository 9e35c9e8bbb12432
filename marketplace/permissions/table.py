"""Named permissions and the roles that hold them; the decorator and `require` read this one table."""
from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from marketplace.errors import error_response
from marketplace.extensions import is_api_request
from models.user import PUBLISHER_ROLES, REVIEWER_ROLES, ROLES, Role

PUBLIC = "public"  # a route anyone may open (object checks may still hide things)
LOGGED_IN = "logged_in"  # any signed-in user; the view's object checks decide the rest

PERMISSIONS: dict[str, frozenset[Role]] = {name: frozenset(roles) for name, roles in {
    "listing.create": PUBLISHER_ROLES,  # publish results and needs for one's organisation
    "listing.review": REVIEWER_ROLES,  # review listings of one's region
    "bounty.apply": (Role.INSTITUTE,),  # answer (揭榜) a bounty need
    "match.propose": (Role.BROKER,),  # recommend results for needs; the broker board and private notes
    "match.answer": (Role.INSTITUTE,),  # answer a need with one's own result
    "match.suggestions": (Role.BROKER, *REVIEWER_ROLES),  # ranked suggestions for any visible listing
    "match.party": PUBLISHER_ROLES,  # take part in deals as a member of the need's or result's organisation
    "contract.file": (*PUBLISHER_ROLES, Role.BROKER),  # file a contract for registration
    "contract.party": PUBLISHER_ROLES,  # act on contracts as a member of the seller or buyer
    "contract.broker": (Role.BROKER,),  # file for a seller and follow one's brokered contracts
    "contract.register": (Role.OFFICIAL,),  # accept, review and register contracts of one's region
    "payment.record": (*PUBLISHER_ROLES, Role.BROKER),  # keep the payment plan and payments of one's contracts
    "year.close": REVIEWER_ROLES,  # close a year of one's region (admins: any region)
    "year.override": (Role.ADMIN,),  # decide amendments of a closed year
    "calendar.edit": REVIEWER_ROLES,  # enter statutory holidays and 调休 working days
    "scope.region": (Role.OFFICIAL,),  # oversee the region of one's bureau
    "scope.everywhere": (Role.ADMIN,),  # oversee every region
    "stats.dashboard": REVIEWER_ROLES,  # party-level statistics and exports
    "event.manage": REVIEWER_ROLES,  # run matchmaking events
    "broker.profile": (Role.BROKER,),  # keep a broker profile
    "broker.contact": ROLES,  # message a broker
    "account.manage": (Role.ADMIN,),  # users, organisations, every membership request
    "security_log.read": (Role.ADMIN,),  # read the security log (nobody may change it)
    "thesaurus.edit": (Role.ADMIN,),  # add synonym groups to the thesaurus (search and matching)
    "data.import": REVIEWER_ROLES,  # import listings and registered contracts through the site
    "jobs.manage": (Role.ADMIN,),  # see background jobs, retry failed ones, send a test mail
    "thread.take_part": PUBLISHER_ROLES,  # ask about another organisation's listing; answer threads of one's own
    "thread.broker": (Role.BROKER,),  # read and answer the threads of one's brokered deals
    "thread.moderate": (Role.ADMIN,),  # reported posts: hide them or dismiss the report
    "trade.manage": PUBLISHER_ROLES,  # price one's organisation's results: notices, listings, auctions
    "trade.take_part": PUBLISHER_ROLES,  # register as an intended buyer or a bidder, and bid, for one's organisation
    "tender.manage": PUBLISHER_ROLES,  # put one's organisation's need out to tender, open, score and award
    "tender.bid": (Role.INSTITUTE,),  # submit a sealed proposal to another organisation's tender
}.items()}


def has(user, name: str) -> bool:
    """Whether `user` (possibly anonymous or None) holds the named permission."""
    roles = PERMISSIONS[name]
    return user is not None and user.is_authenticated and user.role in roles


def require(user, name: str, error: Exception | None = None) -> None:
    """Raise `error` (403 when none is given) unless `user` holds the named permission."""
    if not has(user, name):
        if error is None:
            abort(403)
        raise error


def _refuse(status: int):
    if is_api_request():
        if status == 401:
            response, status = error_response(401, "需要有效的 API 令牌（Authorization: Bearer …）。", "unauthorized")
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return response, status
        return error_response(403, "该角色无权调用此接口。", "forbidden")
    if status == 401:
        return current_app.login_manager.unauthorized()
    abort(403)


def permission_required(name: str):
    """Anonymous → login redirect (401 on the API); signed in without the permission → 403."""
    if name != LOGGED_IN and name not in PERMISSIONS:
        raise KeyError(name)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _refuse(401)
            if name != LOGGED_IN and not has(current_user, name):
                return _refuse(403)
            return view(*args, **kwargs)

        wrapped.permission = name
        return wrapped

    return decorator
