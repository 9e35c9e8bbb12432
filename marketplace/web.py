"""The site's one road for a write: commit or roll back once, then tell the user."""
from flask import flash, redirect, url_for

from marketplace.errors import DomainError
from models import db


def flash_errors(form) -> None:
    """Flash the first message of each field that failed validation."""
    for messages in form.errors.values():
        flash(messages[0], "danger")


def show_error(exc: DomainError, form=None, category: str = "danger") -> None:
    """Show a service refusal next to the form field it names, or as a flash message."""
    field = form._fields.get(exc.field) if form is not None and exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        flash(exc.message, category)


# A DomainError raised inside the block is caught: the changes are rolled back (with
# keep_on_error committed: a failed log-in attempt must stay counted) and its message is
# shown, beside `form`'s field when it names one. `saved.ok` tells the view which way it
# went; `saved.success` may be set inside the block once the message is known.
class committing:
    """`with committing("已保存。") as saved:` services; then commit and flash, or roll back and show the refusal."""

    def __init__(self, success: str = "", *, form=None, failure: str = "danger", keep_on_error: bool = False):
        self.success, self.form, self.failure, self.keep_on_error = success, form, failure, keep_on_error
        self.ok = False
        self.error: DomainError | None = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is None:
            db.session.commit()
            self.ok = True
            if self.success:
                flash(self.success, "success")
            return False
        if not issubclass(exc_type, DomainError):
            return False  # the app's error handler rolls back and answers 500
        if self.keep_on_error:
            db.session.commit()
        else:
            db.session.rollback()
        self.error = exc
        show_error(exc, self.form, self.failure)
        return True


def contract_draft_answer(form, back: str, make):
    """A deal page's 生成合同草稿 (a trade or a tender): the signing date from `form`, then `make(signed_on)`
    committed once; the contract's page, or back to `back` with the refusal shown."""
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    with committing("已生成合同草稿，请核对后申报登记。") as saved:
        contract = make(form.signed_on_date)
    if saved.ok:
        return redirect(url_for("contracts.detail", contract_id=contract.id))
    return redirect(back)
