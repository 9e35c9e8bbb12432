"""The register (登记台账) page and its CSV / XLSX exports, for registration officials."""
from datetime import date

from flask import Response, abort, current_app, render_template, request, send_file, stream_with_context
from flask_login import current_user

from marketplace.contracts import bp, ledger, ledger_exports
from marketplace.contracts.ledger_forms import LedgerFilterForm
from marketplace.permissions import permission_required, region_scope_prefix
from marketplace.stats.exports import CSV_TYPE, XLSX_TYPE
from models import CONTRACT_STATUS_LABELS


def _form() -> LedgerFilterForm:
    return LedgerFilterForm(request.args, scope=region_scope_prefix(current_user) or "")


def _heading(form: LedgerFilterForm) -> str:
    """What the file holds: the office's region and the filter in words."""
    organisation = current_user.organisation
    parts = [f"{organisation.name if organisation else ''} 技术合同登记台账"]
    parts += [f"{field.label.text}：{field.data}" for field in form
              if field.name not in ("after", "amount_kind") and field.data]
    return " · ".join(parts)


@bp.route("/register")
@permission_required("contract.register")
def ledger_page():
    """The register of the official's region: filters, totals for the filter, one page of contracts."""
    form = _form()
    if not form.validate():
        return render_template("contracts/register.html", form=form, page=None, totals=None), 400
    flt = form.ledger_filter()
    return render_template("contracts/register.html", form=form, page=ledger.page(current_user, flt, form.cursor()),
                           totals=ledger.totals(current_user, flt), ledger_date=ledger.ledger_date,
                           labels=CONTRACT_STATUS_LABELS,
                           query={k: v for k, v in request.args.items() if k != "after"})


@bp.route("/register/export.<fmt>")
@permission_required("contract.register")
def ledger_export(fmt):
    """The filtered register as a CSV (streamed) or XLSX file, one row per contract."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    form = _form()
    if not form.validate():
        abort(400, description=" ".join(form.messages()))
    flt = form.ledger_filter()
    limit = current_app.config["LEDGER_XLSX_MAX_ROWS"]
    if fmt == "xlsx" and ledger.totals(current_user, flt).contracts > limit:
        abort(400, description=f"所选合同超过 {limit:,} 份，Excel 文件请缩小筛选范围；全部合同请导出 CSV。")
    rows = ledger.export_rows(current_user, flt)
    filename = f"register-{region_scope_prefix(current_user) or 'all'}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        return Response(stream_with_context(ledger_exports.csv_chunks(rows, _heading(form))),
                        mimetype=f"{CSV_TYPE}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return send_file(ledger_exports.xlsx_file(rows, _heading(form)), mimetype=XLSX_TYPE, as_attachment=True,
                     download_name=filename)
