"""The thesaurus admins extend: synonym groups used by search and matching alike."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired

from marketplace import thesaurus
from marketplace.admin import bp
from marketplace.form_fields import choice_field, clean_line, max_length, required
from marketplace.permissions import permission_required
from marketplace.web import committing
from models import SynonymGroup, db
from models.vocab import TECH_FIELDS


class SynonymGroupForm(FlaskForm):
    """A new group: words that name the same thing, separated by spaces (the preferred term first)."""

    words = StringField("同义词（空格分隔，规范术语在前）", filters=[clean_line],
                        validators=[required("同义词"), max_length("同义词", 400)], description="如：除冰 融冰 化冰")
    tech_field = choice_field("技术领域（选填）", TECH_FIELDS, blank="不限")


class RemoveGroupForm(FlaskForm):
    """Which admin's group to take out (any admin may remove any: the groups belong to the platform)."""

    group_id = IntegerField(validators=[InputRequired()])


@bp.route("/thesaurus", methods=["GET", "POST"])
@permission_required("thesaurus.edit")
def thesaurus_page():
    """The shipped synonym groups and the admins' own, with a form to add one."""
    form = SynonymGroupForm()
    if form.validate_on_submit():
        with committing("已添加同义词组，检索和对接推荐即时生效。", form=form) as saved:
            thesaurus.add_group(current_user, form.words.data, form.tech_field.data or "")
        if saved.ok:
            return redirect(url_for("admin.thesaurus_page"))
    added = db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.id.desc())).all()
    _, current = thesaurus.current()
    return render_template("admin/thesaurus.html", form=form, added=added, remove_form=RemoveGroupForm(),
                           shipped=thesaurus.parse(thesaurus.shipped_text()), active="thesaurus",
                           total=len(current.groups))


@bp.route("/thesaurus/remove", methods=["POST"])
@permission_required("thesaurus.edit")
def thesaurus_remove():
    """Take an admin's group out again."""
    form = RemoveGroupForm()
    if not form.validate_on_submit():
        flash("请求无效，请重试。", "danger")
    else:
        with committing("已删除该组同义词。"):
            thesaurus.remove_group(form.group_id.data)
    return redirect(url_for("admin.thesaurus_page"))
