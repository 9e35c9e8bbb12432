"""The registration office's year: the working-day calendar, year-end closes, closed-year amendments."""
from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from marketplace.contracts import amendments, bp, deadlines, year_close
from marketplace.contracts.forms import DecisionForm
from marketplace.contracts.forms_office import DAY_KINDS, CalendarDayForm, RemoveDayForm, YearCloseForm
from marketplace.permissions import has, permission_required
from marketplace.regions import region_choices, region_full_name
from marketplace.web import committing
from models import AmendmentStatus, CalendarDay, ContractAmendment, Region, db


@bp.route("/office/calendar", methods=["GET", "POST"])
@permission_required("calendar.edit")
def calendar():
    """Holidays and 调休 working days entered for years the shipped calendar does not know."""
    form = CalendarDayForm()
    if form.validate_on_submit():
        with committing(form=form) as saved:
            deadlines.enter_day(current_user, form.parsed_day, form.kind.data == "workday", form.name.data)
            moved = deadlines.recompute_due(current_user)
            saved.success = f"已录入 {form.parsed_day}（{DAY_KINDS[form.kind.data]}）；{moved} 份在审合同的办结期限已重算。"
        if saved.ok:
            return redirect(url_for("contracts.calendar"))
    entered = db.session.scalars(select(CalendarDay).order_by(CalendarDay.day.desc())).all()
    return render_template("contracts/calendar.html", form=form, entered=entered, remove_form=RemoveDayForm(),
                           first_year=deadlines.PACKAGE_FIRST_YEAR, last_year=deadlines.PACKAGE_LAST_YEAR)


@bp.route("/office/calendar/remove", methods=["POST"])
@permission_required("calendar.edit")
def calendar_remove():
    """Take an entered day out; the deadlines under review follow."""
    form = RemoveDayForm()
    if form.validate_on_submit():
        with committing() as saved:
            deadlines.remove_day(form.parsed_day)
            saved.success = f"已删除 {form.parsed_day}；{deadlines.recompute_due(current_user)} 份在审合同的办结期限已重算。"
    else:
        flash("请求无效，请重试。", "danger")
    return redirect(url_for("contracts.calendar"))


def _close_choices() -> list:
    if has(current_user, "scope.everywhere"):
        return region_choices(include_blank="请选择地区")
    code = current_user.organisation.region_code if current_user.organisation else ""
    return [(code, region_full_name(code))] if code else []


@bp.route("/office/years", methods=["GET", "POST"])
@permission_required("year.close")
def years():
    """Close a past year for one's region; the frozen totals stand beside the live ones."""
    form = YearCloseForm()
    form.region.choices = _close_choices()
    if not form.year.data:
        form.year.data = str(date.today().year - 1)
    if form.validate_on_submit():
        region = db.session.get(Region, form.region.data or "")
        with committing(form=form) as saved:
            if region is None:
                raise year_close.YearCloseError("请选择有效的地区。")
            close = year_close.close_year(current_user, region, form.parsed_year)
            saved.success = f"{region.full_name} {close.year} 年度已结账，登记 {close.contracts} 份合同的数字已冻结。"
        if saved.ok:
            return redirect(url_for("contracts.years"))
    return render_template("contracts/years.html", form=form, closes=year_close.closes_of(current_user),
                           live=year_close.live_figures)


@bp.route("/office/amendments")
@permission_required("year.override")
def closed_amendments():
    """Open amendment applications of closed years, which an admin decides."""
    pending = db.session.scalars(select(ContractAmendment).where(ContractAmendment.status.in_(AmendmentStatus.OPEN))
                                 .order_by(ContractAmendment.proposed_at)).all()
    waiting = [a for a in pending if amendments.decided_by_admin(a.contract)]
    actions = {a.id: amendments.actions_for(current_user, a) for a in waiting}
    return render_template("contracts/closed_amendments.html", waiting=waiting, actions=actions, form=DecisionForm(),
                           labels=amendments.FIELD_LABELS, shown=amendments.shown_value)
