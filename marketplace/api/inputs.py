"""The API's inputs, stated once: request bodies read off the site's forms, and query parameters.

Each request body is validated by a form of the site, fed through `payload.Key`s (JSON
name → form field). Its JSON schema is generated here from those same fields: the type
from the key's kind, `required` and non-blank from DataRequired (or the key), maxLength
from Length, the enum from the field's choices, and what a pattern must say (money,
dates within the form's DateRange, the region codes in the database). The OpenAPI
document (openapi.py) publishes these schemas, and every body and every query is
checked against the very same schemas before a form sees it: what the document refuses
never reaches a form (422 or 400), and what it allows a form accepts, except for rules a
JSON schema cannot state — between fields, check digits, the stored state — which the
forms raise as `form_fields.rule(...)` and which answer 409 `rule_conflict`.
An independent fuzzer (tests/test_api_fuzz.py) holds the two to that.
"""
import re
from dataclasses import dataclass, field
from datetime import date

from flask import request
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from wtforms.validators import DataRequired, Length, NumberRange

from marketplace.api.payload import ApiError, Key, invalid
from marketplace.errors import DomainError
from marketplace.patterns import NOT_BLANK, YUAN, YUAN_ABOVE_ZERO, date_pattern, one_of, python_regex
from marketplace.regions import all_regions

REGION_REF = {"$ref": "#/components/schemas/RegionCode"}
BLANK = {"enum": ["", None]}
TYPE_NAMES = {"string": "字符串", "integer": "整数", "number": "数字", "array": "数组", "boolean": "true 或 false",
              "object": "对象", "null": "null"}
INTEGER = re.compile(r"-?[0-9]{1,18}")
# RFC 3339 with its offset, years 2000–2099 (a real calendar day: a valid shape alone is not a time)
DATETIME = (date_pattern(date(2000, 1, 1), date(2099, 12, 31))[:-1] + r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]"
            r"(?::[0-5][0-9](?:\.[0-9]{1,6})?)?(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])$")
YUAN_NOTE = "元，十进制字符串（不是数字），最多两位小数，小于 1000 亿元，如 \"3501.50\""


@dataclass(frozen=True)
class Body:
    """A request body: the form that validates it, its keys, and what the JSON adds around the form."""

    form: type
    keys: dict[str, Key]
    defaults: tuple[str, ...] = ()  # required by the form, but the call fills them in when missing
    extra: dict = field(default_factory=dict)  # JSON-only properties (submit, idempotency_key)
    patch: bool = False  # every key optional, at least one given
    always: tuple[str, ...] = ()  # required even in a patch (keys), or required at all (JSON-only properties)
    min_properties: int | None = None
    description: str = ""

    def schema(self) -> dict:
        properties, required = {}, []
        for name, key in self.keys.items():
            schema, needed = key_schema(self.form, key)
            if "." in name:  # "deductions.equipment" → {"deductions": {"equipment": …}}
                outer, inner = name.split(".", 1)
                nested = properties.setdefault(outer, {"type": ["object", "null"], "properties": {},
                                                       "additionalProperties": False})
                nested["properties"][inner] = schema
                continue
            properties[name] = schema
            if (needed and not self.patch and name not in self.defaults) or name in self.always:
                required.append(name)
        properties.update(self.extra)
        required += [name for name in self.always if name in self.extra]  # a JSON-only property that must be given
        body = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            body["required"] = required
        if self.patch or self.min_properties:
            body["minProperties"] = self.min_properties or 1
        if self.description:
            body["description"] = self.description
        return body


BODIES: dict[str, Body] = {}


def register_body(name: str, body: Body) -> Body:
    """Declare a body under its component name (the module that reads it does, beside its handler)."""
    BODIES[name] = body
    return body


def _rules(form, key: Key) -> tuple[bool, int | None, list, str]:
    """(required, maxLength, choices, label) of the form field behind `key`; an integer field's choices are
    its NumberRange's bounds when it has no list of choices."""
    unbound = getattr(form, key.form)
    validators = unbound.kwargs.get("validators") or ()
    required = key.required or any(isinstance(v, DataRequired) for v in validators)
    lengths = [v.max for v in validators if isinstance(v, Length) and v.max >= 0]
    choices = [choice.value for choice in unbound.kwargs.get("choices") or () if choice.value != ""]
    if key.kind == "int" and not choices:
        choices = [bound for v in validators if isinstance(v, NumberRange) for bound in (v.min, v.max)]
    label = key.label or (str(unbound.args[0]) if unbound.args else key.form)
    return required, min(lengths) if lengths else None, choices, label


def key_schema(form, key: Key) -> tuple[dict, bool]:
    """The JSON schema of one key, and whether it must be given (and not blank)."""
    required, max_length, choices, label = _rules(form, key)
    description = key.description or label
    kind = key.kind
    if kind == "region":
        base = {**REGION_REF}
    elif kind == "date":
        base = {"type": "string", "pattern": key.dates.pattern()}
        description = f"{description}，YYYY-MM-DD，{key.dates.describe()}"
    elif kind == "datetime":
        base = {"type": "string", "pattern": DATETIME}
        description = f"{description}（RFC 3339 时间，须带时区，如 \"2026-12-20T15:00:00+08:00\" 或 \"…T07:00:00Z\"）"
    elif kind in ("yuan", "yuan_as_wan"):
        base = {"type": "string", "pattern": YUAN_ABOVE_ZERO if required else YUAN}
        description = f"{description}（{YUAN_NOTE}{'，大于 0' if required else ''}）"
    elif kind == "int":
        numbers = sorted(int(choice) for choice in choices)
        base = {"type": "integer", "minimum": numbers[0], "maximum": numbers[-1]}
    elif kind == "flag":
        base = {"type": "boolean"}
    elif kind == "list":
        base = {"type": "array", "items": {"type": "string", "enum": choices}, "uniqueItems": True}
        if required:
            base["minItems"] = 1
    elif kind == "keywords":
        base = _keywords_schema()
    else:
        base = {"type": "string"}
        if key.enum or choices:
            base["enum"] = list(key.enum or choices)
        else:
            if max_length is not None:
                base["maxLength"] = max_length
            if required:
                base.update(minLength=1, pattern=NOT_BLANK)
            if key.pattern:
                base["pattern"] = key.pattern
    schema = base if required else _blank_allowed(base)
    return {**schema, "description": description}, required


def _blank_allowed(base: dict) -> dict:
    """The schema, or "" / null (a blank value: the same as leaving the field empty)."""
    kind = base.get("type")
    if kind == "string" and "enum" in base:
        return {"type": ["string", "null"], "enum": [*base["enum"], "", None]}
    if kind == "string" and "pattern" not in base:
        return {**base, "type": ["string", "null"]}
    if kind in ("integer", "boolean", "array"):
        return {**base, "type": [kind, "null"]}
    return {"anyOf": [base, BLANK]}


def _keywords_schema() -> dict:
    from marketplace.listings.forms import KEYWORD_SEPARATORS, MAX_KEYWORD_LENGTH
    from models.vocab import MAX_KEYWORDS

    separators = KEYWORD_SEPARATORS.pattern.strip("[]")
    word = f"[^{separators}]{{0,{MAX_KEYWORD_LENGTH}}}"
    return {"anyOf": [
        {"type": "array", "maxItems": MAX_KEYWORDS, "items": {"type": "string", "pattern": f"^{word}$"}},
        {"type": "string", "pattern": f"^{word}(?:[{separators}]{word}){{0,{MAX_KEYWORDS - 1}}}$"},
    ]}


# ---------------------------------------------------------------- query parameters

@dataclass(frozen=True)
class Param:
    """One query parameter: its schema (of the value once read as its type) and description.

    A text parameter given empty (`region=`) means "not given", and its schema says so
    (the enum or pattern admits ""); an integer parameter must be an integer.
    """

    name: str
    schema: dict
    description: str
    code: str = "bad_parameter"
    message: str = ""  # what a refused value is told; else the schema's complaint
    explain: object = None  # callable(value) raising the area's own error (its code and message) for a bad value

    @property
    def is_integer(self) -> bool:
        return self.schema.get("type") == "integer"

    def spec(self) -> dict:
        return {"name": self.name, "in": "query", "required": False, "description": self.description,
                "schema": self.schema}


def text_param(name: str, description: str, *, enum=None, pattern: str | None = None, max_length=None,
               region: bool = False, national: bool = False, **refusal) -> Param:
    """A text parameter; empty is allowed and means not given."""
    if region:
        extra = [""] + (["000000"] if national else [])
        schema = {"anyOf": [{**REGION_REF}, {"type": "string", "enum": extra}]}
    elif enum is not None:
        schema = {"type": "string", "enum": [*enum, ""]}
    elif pattern is not None:
        schema = {"type": "string", "pattern": f"^$|{pattern}"}
    else:
        schema = {"type": "string"}
        if max_length is not None:
            schema["maxLength"] = max_length
    return Param(name, schema, description, **refusal)


def int_param(name: str, description: str, low: int, high: int, default: int, code: str = "bad_parameter") -> Param:
    return Param(name, {"type": "integer", "minimum": low, "maximum": high, "default": default}, description,
                 code=code, message=f"{name} 应为 {low} 到 {high} 之间的整数。")


def read_args(params: list[Param]) -> dict:
    """The declared query parameters, checked against their schemas (400 bad_parameter); missing → None.

    Text values are returned as given, "" as None; integers as int.
    """
    values = {}
    for param in params:
        given = request.args.getlist(param.name)
        if not given:
            values[param.name] = None
            continue
        if len(given) > 1:
            raise ApiError(400, param.code, f"参数 {param.name} 只能给一次。")
        raw = given[0]
        value = raw
        if param.is_integer and not INTEGER.fullmatch(raw):
            raise _refused(param, raw, "应为整数。")
        value = int(raw) if param.is_integer else raw
        problem = _first_problem(param.schema, value)
        if problem:
            raise _refused(param, raw, problem)
        values[param.name] = None if value == "" else value
    return values


def _refused(param: Param, raw: str, problem: str) -> ApiError:
    """400 for a value the document refuses, in the words of the area that reads it where it has them."""
    if param.explain is not None:
        try:
            param.explain(raw)
        except DomainError as exc:
            return ApiError(400, exc.code if exc.code != "conflict" else param.code, exc.message)
        except ValueError as exc:  # the search filters' own errors
            return ApiError(400, param.code, str(exc))
    return ApiError(400, param.code, param.message or f"参数 {param.name} 无效：{problem}")


# ---------------------------------------------------------------- validation against the document

def _region_codes() -> list[str]:
    return [region.code for region in all_regions()]


# (day, region codes) → (schemas, validator): the schemas change with the date (date ranges that end
# today) and the regions table, and with nothing else. Keyed by the codes themselves, so a worker
# never checks a request against regions another process has since changed.
_BUILT: dict[tuple, tuple[dict, object]] = {}


def _built() -> tuple[dict, object]:
    codes = tuple(_region_codes())
    key = (date.today().isoformat(), codes)
    found = _BUILT.get(key)
    if found is None:
        schemas = _build_components(codes)
        validator = Validator({"components": {"schemas": schemas}}, format_checker=FormatChecker())
        _BUILT.clear()
        found = _BUILT[key] = (schemas, validator)
    return found


def components() -> dict:
    """The input schemas of the document (bodies and RegionCode), as of today and the regions table."""
    return _built()[0]


def _validator():
    return _built()[1]


def _build_components(codes: tuple[str, ...]) -> dict:
    schemas = {name: body.schema() for name, body in BODIES.items()}
    # A pattern rather than an enum of several hundred values: it states the same set, and a client
    # that tries each value of an enum in turn need not try them all.
    schemas["RegionCode"] = {"type": "string", "pattern": one_of(codes), "examples": list(codes[:3]),
                             "description": f"六位行政区划代码：平台地区表中的省、市（共 {len(codes)} 个）"}
    return schemas


def _ecma_pattern(validator, pattern, instance, schema):
    """`pattern` as the document's readers (ECMA-262) take it: "2026-03-06\n" does not match "^…$"."""
    if validator.is_type(instance, "string") and not python_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def _first_problem(schema: dict, value) -> str | None:
    errors = sorted(_validator().evolve(schema=schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    return _message(errors[0]) if errors else None


def flatten(body: dict, keys: dict[str, Key]) -> dict:
    """The body's form keys only, nested objects spread: {"deductions": {"other": …}} → {"deductions.other": …}."""
    flat = {}
    for name, value in body.items():
        if isinstance(value, dict):
            flat.update({f"{name}.{inner}": item for inner, item in value.items() if f"{name}.{inner}" in keys})
        elif name in keys:
            flat[name] = value
    return flat


def check_body(name: str, body: dict, explain=None) -> None:
    """422 validation_failed, naming every field, unless `body` is valid by the document's schema `name`.

    `explain(flat_body)`, if given, builds the call's form from the body's form keys: where the
    form refuses a field the document refused, its message (as on the site) is the one given.
    """
    schema = components()[name]
    errors = list(_validator().evolve(schema=schema).iter_errors(body))
    if not errors:
        return
    fields: dict[str, list[str]] = {}
    for error in errors:
        for path, message in _located(error):
            fields.setdefault(path, []).append(message)
    if explain is not None:
        keys = BODIES[name].keys
        told = _form_messages(explain, flatten(body, keys), keys)
        fields = {path: told.get(path) or messages for path, messages in fields.items()}
    raise invalid(fields)


def _form_messages(explain, flat: dict, keys: dict[str, Key]) -> dict[str, list[str]]:
    try:
        form = explain(flat)
    except ApiError as exc:  # a value of the wrong JSON type: payload.formdata names it
        return exc.fields
    if form.validate():
        return {}
    json_names = {key.form: name for name, key in keys.items()}
    return {json_names.get(field_name, field_name): [str(m) for m in messages]
            for field_name, messages in form.errors.items()}


def _located(error) -> list[tuple[str, str]]:
    path = ".".join(part for part in error.absolute_path if isinstance(part, str))  # "ip_types", not "ip_types.0"
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return [(".".join(filter(None, [path, name])), "必填。") for name in missing]
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        return [(".".join(filter(None, [path, name])), "未知字段。") for name in error.instance if name not in known]
    if error.validator == "minProperties":
        return [(path or "body", "没有要修改的字段。" if error.validator_value == 1 else "内容不足。")]
    return [(path or "body", _message(error))]


def _message(error) -> str:
    validator, expected, schema = error.validator, error.validator_value, error.schema
    hint = schema.get("description") or error.parent and error.parent.schema.get("description") or ""
    if validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        if "string" in kinds and "元" in hint:
            return "金额须写成字符串（单位元，最多两位小数），如 \"3501.50\"。"
        return f"类型不正确，应为{'或'.join(TYPE_NAMES.get(kind, kind) for kind in kinds)}。"
    if validator in ("enum", "const"):
        values = [value for value in (expected if validator == "enum" else [expected]) if value not in ("", None)]
        shown = "、".join(str(value) for value in values[:12]) + ("…" if len(values) > 12 else "")
        return f"不是可选的值之一：{shown}。" if shown else "值无效。"
    if validator == "maxLength":
        return f"不能超过 {expected} 个字符。"
    if validator == "minLength" or (validator == "pattern" and expected == NOT_BLANK):
        return "不能为空。"
    if validator == "minItems":
        return f"至少选择 {expected} 项。"
    if validator == "maxItems":
        return f"最多 {expected} 项。"
    if validator == "uniqueItems":
        return "不能重复。"
    if validator in ("minimum", "maximum"):
        return f"应在 {schema.get('minimum', '')}–{schema.get('maximum', '')} 之间。"
    return f"格式不正确（{hint}）。" if hint else "格式不正确。"
