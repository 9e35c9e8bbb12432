"""JSON request bodies → the site's own WTForms forms, and JSON errors with field messages.

The API validates with the same form classes as the site (fed a MultiDict built
from the JSON body, CSRF off), so a rule cannot differ between the two. This
module only checks what JSON adds: the body is an object, keys are known, and
each value has the right JSON type. Money comes in as yuan decimal strings.
"""
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import jsonify, request
from werkzeug.datastructures import MultiDict

from marketplace.errors import DomainError
from marketplace.form_fields import Rule
from marketplace.money import MoneyError, parse_yuan, wan_input

# Bodies of write calls are small (the longest text field is 5,000 characters).
MAX_BODY_BYTES = 1024 * 1024
# Addresses: the longest legitimate one (a search of 100 characters with every filter) is under 1.5 KB;
# gunicorn itself refuses a request line over 4 KB, with the same status.
MAX_URL_BYTES = 2048
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
MONEY_TYPE_MESSAGE = "金额须写成字符串（单位元，最多两位小数），如 \"3501.50\"。"


class ApiError(DomainError):
    """A refused API call: HTTP status, error code, Chinese message and optional field messages."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message, status=status, code=code)
        self.fields = fields or {}


def error_json(exc: DomainError):
    """The {"error": {"code", "message"[, "fields"]}} response of any refusal, with its status."""
    body = {"code": exc.code, "message": exc.message}
    if getattr(exc, "fields", None):
        body["fields"] = exc.fields
    return jsonify({"error": body}), exc.status


def invalid(fields: dict[str, list[str]]) -> ApiError:
    """422 naming the first problem in the message and every problem in `fields`."""
    key, messages = next(iter(fields.items()))
    return ApiError(422, "validation_failed", f"提交的数据未通过校验（{key}）：{messages[0]}", fields)


def _no_constants(name: str):
    raise ValueError(f"不支持的 JSON 常量 {name}")


def read_json_object() -> dict:
    """The request body as a JSON object; 415 for another content type, 400 for broken JSON."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "请求体须为 JSON，并设置 Content-Type: application/json。")
    raw = request.get_data(cache=True)  # beyond the size limit werkzeug raises 413
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "bad_json", "请求体不是有效的 JSON（须为 UTF-8 编码，不能含 NaN 或 Infinity）。") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "请求体须为 JSON 对象（{…}）。")
    try:
        # A lone surrogate escape ("\ud800") parses but is not text: refuse it here, not in the database.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "bad_json", "请求体含有无效的 Unicode 字符（孤立的代理项 \\uD800–\\uDFFF）。") from None
    return body


def take_flag(body: dict, key: str) -> bool:
    """Remove an optional boolean (e.g. "submit") from the body."""
    value = body.pop(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid({key: ["应为 true 或 false。"]})
    return value


def idempotency_key(body: dict) -> str | None:
    """The Idempotency-Key header, or the body's "idempotency_key" (the same key the site's form carries)."""
    header = request.headers.get("Idempotency-Key")
    value = body.pop("idempotency_key", None)
    if header is not None and value is not None and header != value:
        raise rule_conflict({"idempotency_key": ["与请求头 Idempotency-Key 不一致。"]})
    key = header if header is not None else value
    if key is None:
        return None
    if not isinstance(key, str) or not IDEMPOTENCY_KEY.fullmatch(key):
        raise invalid({"idempotency_key": ["应为 1–64 个字母、数字或 _ . : - 组成的字符串。"]})
    return key


@dataclass(frozen=True)
class Key:
    """How one JSON key feeds one form field, and what its JSON schema adds to the field's own (api/inputs.py).

    kind: text (string or null), region (a region code), date (YYYY-MM-DD within `dates`),
    datetime (RFC 3339 with an offset, handed to the form in the site's time), list (array of
    strings), keywords (array or string), flag (boolean), int (integer or null), yuan (string
    in 元, passed on), yuan_as_wan (string in 元, handed to a form whose field is in 万元).
    required: the value may not be blank (the form refuses it; a choice field's own
    `validate_…` method says so where WTForms cannot tell). description: for the document.
    """

    form: str
    kind: str = "text"
    label: str = ""
    required: bool = False
    dates: object = None  # a form_fields.DateRange for kind "date"
    pattern: str | None = None  # what a text value must match (anchored), where the form checks a shape
    enum: tuple = ()  # the values a text key takes, where the form checks them against a table
    description: str = ""


def _convert(key: Key, value) -> list[str]:
    """Form input values for one JSON value; raises ValueError with a Chinese message."""
    if key.kind in ("text", "yuan", "region", "date"):
        if value is None:
            return [""]
        if not isinstance(value, str):
            raise ValueError(MONEY_TYPE_MESSAGE if key.kind == "yuan" else "应为字符串。")
        return [value]
    if key.kind == "datetime":
        if value is None:
            return [""]
        if not isinstance(value, str):
            raise ValueError("应为字符串（RFC 3339 时间，须带时区）。")
        return [typed_as_site_time(value)]
    if key.kind in ("list", "keywords"):
        if value is None:
            return []
        if key.kind == "keywords" and isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("应为字符串数组。")
        return [";".join(value)] if key.kind == "keywords" else value
    if key.kind == "flag":
        if value is None:
            return []
        if not isinstance(value, bool):
            raise ValueError("应为 true 或 false。")
        return ["y"] if value else []
    if key.kind == "int":
        if value is None:
            return [""]
        if isinstance(value, float) and value.is_integer():  # JSON has one number type: 8.0 is the integer 8
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("应为整数。")
        return [str(value)]
    if key.kind == "yuan_as_wan":
        if value is None or (isinstance(value, str) and not value.strip()):
            return [""]
        if not isinstance(value, str):
            raise ValueError(MONEY_TYPE_MESSAGE)
        try:
            return [wan_input(parse_yuan(value))]
        except MoneyError as exc:
            raise ValueError(f"{key.label}：{exc}") from None
    raise AssertionError(f"unknown key kind {key.kind}")  # pragma: no cover


def typed_as_site_time(text: str) -> str:
    """An RFC 3339 time with its offset as the site's wall-clock time, the way its forms are typed
    ("2026-12-20T07:00:00Z" → "2026-12-20T15:00:00" in Beijing); anything else is passed on for the form to refuse."""
    from marketplace.jobs.schedule import site_time

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return site_time(moment.astimezone(timezone.utc).replace(tzinfo=None)).isoformat(timespec="seconds")


def formdata(body: dict, keys: dict[str, Key], base: MultiDict | None = None) -> MultiDict:
    """Overlay the body's values on `base` (a form's current input); 422 on unknown keys or wrong types."""
    data = MultiDict(base or {})
    errors = {}
    for name, value in body.items():
        key = keys.get(name)
        if key is None:
            errors[name] = ["未知字段。"]
            continue
        try:
            data.setlist(key.form, _convert(key, value))
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise invalid(errors)
    return data


def current_input(form) -> MultiDict:
    """A form's current values as form input (to edit part of an object, like the site's GET form)."""
    data = MultiDict()
    for field in form:
        if field.type in ("SubmitField", "CSRFTokenField"):
            continue
        if field.type == "BooleanField":
            data.setlist(field.name, ["y"] if field.data else [])
        elif isinstance(field.data, (list, tuple)):
            data.setlist(field.name, [str(v) for v in field.data])
        else:
            data.setlist(field.name, ["" if field.data is None else str(field.data)])
    return data


def check_form(form, keys: dict[str, Key]) -> None:
    """Validate a form, under the JSON names of its fields: 409 rule_conflict when only rules between
    values were broken (form_fields.Rule: what a JSON schema cannot state), else 422."""
    if form.validate():
        return
    json_names = {key.form: name for name, key in keys.items()}
    errors, rules_only = {}, True
    for field_name, messages in form.errors.items():
        errors[json_names.get(field_name, field_name)] = [str(m) for m in messages]
        rules_only = rules_only and all(isinstance(m, Rule) for m in messages)
    if rules_only:
        raise rule_conflict(errors)
    raise invalid(errors)


def rule_conflict(fields: dict[str, list[str]], message: str | None = None) -> ApiError:
    """409 for values each valid by the document that together break a rule (named in the message)."""
    key, messages = next(iter(fields.items()))
    return ApiError(409, "rule_conflict", message or f"提交的数据与规则冲突（{key}）：{messages[0]}", fields)
