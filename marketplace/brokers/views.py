"""Broker directory, public profiles, a broker's own profile, contacting a broker."""
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.brokers import bp, services
from marketplace.brokers.forms import ContactForm, ProfileForm
from marketplace.matching import inbox
from marketplace.permissions import has, permission_required
from marketplace.web import committing, flash_errors
from models import BrokerProfile, db
from models.match import BROKER_LEVELS


def _load_listed(profile_id: int) -> BrokerProfile:
    profile = db.get_or_404(BrokerProfile, profile_id)
    if not (profile.is_listed and has(profile.user, "broker.profile")):
        abort(404)
    return profile


@bp.route("/")
def directory():
    """The public broker directory, filterable by field and level."""
    field, level = request.args.get("field") or None, request.args.get("level") or None
    profiles = services.directory(field, level)
    records = services.track_records([p.user_id for p in profiles])
    return render_template("brokers/directory.html", profiles=profiles, records=records, field=field,
                           level=level, levels=BROKER_LEVELS)


@bp.route("/<int:profile_id>")
def profile(profile_id):
    """A broker's public profile with the track record computed from the data."""
    profile = _load_listed(profile_id)
    record = services.track_record(profile.user)
    form = ContactForm() if current_user.is_authenticated and current_user.id != profile.user_id else None
    return render_template("brokers/profile.html", profile=profile, record=record, form=form,
                           region_names=services.region_names(profile))


@bp.route("/<int:profile_id>/contact", methods=["POST"])
@permission_required("broker.contact")
def contact(profile_id):
    """Send the broker a message through the message centre."""
    profile = _load_listed(profile_id)
    if profile.user_id == current_user.id:
        abort(400)
    form = ContactForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("brokers.profile", profile_id=profile.id))
    organisation = current_user.organisation.name if current_user.organisation else ""
    with committing("消息已发送，经纪人会在站内消息中看到。"):
        inbox.send(profile.user, current_user, f"[联系经纪人] {form.subject.data}",
                   f"{organisation} {current_user.display_name or current_user.username}：\n{form.body.data}")
    return redirect(url_for("brokers.profile", profile_id=profile.id))


@bp.route("/me", methods=["GET", "POST"])
@permission_required("broker.profile")
def edit_profile():
    """A broker edits their own profile."""
    existing = services.profile_of(current_user)
    form = ProfileForm(obj=existing) if request.method == "GET" and existing else ProfileForm()
    if request.method == "GET" and existing:
        form.specialty.data, form.regions.data = existing.field_list, ";".join(existing.region_list)
    if form.validate_on_submit():
        with committing("经纪人档案已保存。") as outcome:
            saved = services.save_profile(current_user, form.level.data, form.certificate_no.data or "",
                                          form.specialty.data or [], form.region_list(), form.bio.data or "",
                                          form.is_listed.data)
        if outcome.ok:
            return redirect(url_for("brokers.profile", profile_id=saved.id) if saved.is_listed
                            else url_for("brokers.edit_profile"))
    return render_template("brokers/edit.html", form=form, profile=existing)
