"""Blueprint: threads between parties about a listing (咨询留言), blocks and reports to the admins."""
from flask import Blueprint

bp = Blueprint("threads", __name__)

from marketplace.threads import views  # noqa: E402,F401
