"""Follow and unfollow a listing, save and delete a search, and the page that lists them."""
from urllib.parse import parse_qsl

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import AnyOf, Length

from marketplace import follows
from marketplace.auth.safe_redirect import safe_next
from marketplace.form_fields import EmptyForm, clean_line, options, required
from marketplace.listings.browse import ENDPOINTS
from marketplace.listings.views import load_visible
from marketplace.permissions import LOGGED_IN, permission_required
from marketplace.subscriptions import bp
from marketplace.web import committing, flash_errors
from models import SavedSearch, db


class SaveSearchForm(FlaskForm):
    """The browse page's arguments as they are (the service keeps only the query and filters)."""

    kind = HiddenField(validators=[AnyOf(["result", "need"], message="未知的检索类型。")])
    query = HiddenField(validators=[Length(max=2000, message="检索条件过长。")])
    name = StringField("订阅名称（选填）", filters=[clean_line], validators=[Length(max=60, message="名称不能超过 60 个字符。")])
    frequency = RadioField("通知频率", choices=options(follows.FREQUENCIES), default="instant",
                           validators=[required("通知频率")])


@bp.route("/")
@permission_required(LOGGED_IN)
def index():
    """What I follow and the searches I saved."""
    searches = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == current_user.id)
                                  .order_by(SavedSearch.id.desc())).all()
    return render_template("subscriptions/index.html", follows=follows.my_follows(current_user), searches=searches,
                           frequencies=follows.FREQUENCIES, browse=ENDPOINTS, form=EmptyForm())


def follow_listing(kind: str, listing_id: int):
    listing = load_visible(kind, listing_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with committing() as saved:
        added = follows.follow(current_user._get_current_object(), listing)
    if saved.ok:
        flash("已关注：该条目修改、下架时会通知您。" if added else "您已关注该条目。", "success")
    return redirect(url_for(f"listings.{kind}_detail", listing_id=listing.id))


def unfollow_listing(kind: str, listing_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    with committing() as saved:
        removed = follows.unfollow(current_user._get_current_object(), kind, listing_id)
    if saved.ok and removed:
        flash("已取消关注。", "info")
    return redirect(safe_next(request.form.get("next"), url_for("subscriptions.index")))


for _kind, _path in (("result", "results"), ("need", "needs")):
    bp.add_url_rule(f"/follows/{_path}/<int:listing_id>", f"follow_{_kind}",
                    permission_required(LOGGED_IN)(follow_listing), methods=["POST"], defaults={"kind": _kind})
    bp.add_url_rule(f"/follows/{_path}/<int:listing_id>/delete", f"unfollow_{_kind}",
                    permission_required(LOGGED_IN)(unfollow_listing), methods=["POST"], defaults={"kind": _kind})


@bp.route("/searches", methods=["POST"])
@permission_required(LOGGED_IN)
def save_search():
    form = SaveSearchForm()
    kind = form.kind.data if form.kind.data in ENDPOINTS else "result"
    back = url_for(ENDPOINTS[kind]) + ("?" + form.query.data if form.query.data else "")
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    with committing("已订阅：有新的符合条件的条目时会通知您（可在“关注与订阅”中管理）。") as saved:
        follows.save_search(current_user._get_current_object(), kind, MultiDict(parse_qsl(form.query.data)),
                            form.name.data, form.frequency.data)
    return redirect(url_for("subscriptions.index") if saved.ok else back)


@bp.route("/searches/<int:search_id>/delete", methods=["POST"])
@permission_required(LOGGED_IN)
def delete_search(search_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    with committing() as saved:
        removed = follows.delete_search(current_user._get_current_object(), search_id)
    if not removed:
        abort(404)
    if saved.ok:
        flash("已删除订阅。", "info")
    return redirect(url_for("subscriptions.index"))
