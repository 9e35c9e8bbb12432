"""Forms of the thread pages: ask, answer (with attachments), report a post, block its author, decide a report."""
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length

from marketplace.form_fields import clean_line, clean_text, max_length, options, required
from marketplace.threads.services import MAX_BODY, MAX_FILES, MAX_SUBJECT
from models.thread import REPORT_REASONS

FILES_HELP = f"PDF 或 PNG、JPEG、GIF、WebP 图片，最多 {MAX_FILES} 个，每个不超过 10 MB（合计不超过 15 MB）。"


def _files_field() -> MultipleFileField:
    return MultipleFileField("附件（选填）", description=FILES_HELP)


class ReplyForm(FlaskForm):
    body = TextAreaField("留言", filters=[clean_text], validators=[required("留言内容"), max_length("留言", MAX_BODY)])
    files = _files_field()


class AskForm(ReplyForm):
    subject = StringField("主题（选填）", filters=[clean_line], validators=[max_length("主题", MAX_SUBJECT)])


class ReportForm(FlaskForm):
    reason = RadioField("举报原因", choices=options(REPORT_REASONS), validators=[
        required("举报原因"), AnyOf(list(REPORT_REASONS), message="请选择举报原因。")])
    details = TextAreaField("补充说明（选填）", filters=[clean_text], validators=[max_length("补充说明", 1000)])


class BlockForm(FlaskForm):
    reason = StringField("屏蔽原因（选填，仅本单位和管理员可见）", filters=[clean_line],
                         validators=[Length(max=500, message="原因不能超过 500 字。")])


class DecideForm(FlaskForm):
    decision = RadioField("处理", choices=options({"hide": "隐藏该留言", "dismiss": "驳回举报（留言保留）"}), validators=[
        required("处理方式"), AnyOf(["hide", "dismiss"], message="请选择处理方式。")])
    note = StringField("处理说明（隐藏时必填，会告知举报人和留言人）", filters=[clean_line],
                       validators=[Length(max=500, message="说明不能超过 500 字。")])
