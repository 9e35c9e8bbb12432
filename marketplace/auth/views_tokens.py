"""My API tokens: list, create (the token is shown once) and revoke."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace.api.tokens import MAX_ACTIVE_TOKENS, active_token_count, create_token, revoke_token, user_tokens
from marketplace.auth import bp
from marketplace.auth.forms import TokenForm
from marketplace.form_fields import EmptyForm
from marketplace.permissions import LOGGED_IN, permission_required
from models import ApiToken, db


def _page(form, new_token: str | None = None, status: int = 200):
    user = current_user._get_current_object()
    return render_template("auth/tokens.html", form=form, tokens=user_tokens(user), new_token=new_token,
                           max_active=MAX_ACTIVE_TOKENS, token_days=current_app.config["API_TOKEN_DAYS"]), status


@bp.route("/tokens", methods=["GET", "POST"])
@permission_required(LOGGED_IN)
def tokens():
    """My API tokens; POST creates one and shows it on this response only."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form)
    user = current_user._get_current_object()
    if active_token_count(user) >= MAX_ACTIVE_TOKENS:
        form.name.errors = [f"有效令牌最多 {MAX_ACTIVE_TOKENS} 个，请先撤销不用的令牌。"]
        return _page(form)
    raw = create_token(user, form.name.data)
    db.session.commit()
    # Rendered, not redirected: the token must not travel through the session cookie or the history.
    return _page(TokenForm(formdata=None), new_token=raw)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"], endpoint="revoke_token")
@permission_required(LOGGED_IN)
def revoke(token_id: int):
    """Revoke one of my tokens; another user's token is not found."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if revoke_token(token):
        db.session.commit()
        flash(f"已撤销令牌“{token.name or token.id}”，使用它的程序将立即无法访问。", "success")
    return redirect(url_for("auth.tokens"))
