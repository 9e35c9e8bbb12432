"""Shared form pieces and template structure: one form-macro library, one pager, CSRF from the macros."""
import re
from pathlib import Path

import pytest
from wtforms import SelectChoice
from wtforms.validators import ValidationError

from marketplace.form_fields import iso_date, options, parse_money
from marketplace.money import parse_wan

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_texts():
    return {path.relative_to(TEMPLATES).as_posix(): path.read_text(encoding="utf-8")
            for path in TEMPLATES.rglob("*.html")}


def test_options_are_select_choices_after_an_optional_prompt():
    assert options(["中试"]) == [SelectChoice("中试", "中试")]
    assert options({"junior": "初级"}, blank="请选择") == [SelectChoice("", "请选择"), SelectChoice("junior", "初级")]


def test_money_and_date_errors_are_chinese_validation_errors():
    assert parse_money(parse_wan, "1.5") == 1_500_000
    with pytest.raises(ValidationError, match="^预算：金额不能为负数。$"):
        parse_money(parse_wan, "-1", "预算")
    with pytest.raises(ValidationError, match="^签订日期格式应为 YYYY-MM-DD。$"):
        iso_date("2026-13-01", "签订日期")


def test_only_the_form_macros_write_a_csrf_input():
    hand_typed = [name for name, text in template_texts().items() if 'name="csrf_token"' in text]
    assert hand_typed == ["_forms.html"]


def test_every_template_imports_the_neutral_macro_libraries():
    imports = {name: re.findall(r'(?:import|from) "([^"]+\.html)"', text.replace("'", '"'))
               for name, text in template_texts().items()}
    used = {path for paths in imports.values() for path in paths}
    assert "auth/_macros.html" not in used and "listings/_pagination.html" not in used
    for name, text in template_texts().items():
        if re.search(r"\b(?:input|checkboxes|post_button|post_form)\(", text) and name != "_forms.html":
            assert "_forms.html" in imports[name], name
        if "pager(" in text and name != "_pagination.html":
            assert "_pagination.html" in imports[name], name


@pytest.mark.parametrize("kind", ["result", "need"])
def test_detail_pages_share_one_layout(kind):
    text = (TEMPLATES / "listings" / f"detail_{kind}.html").read_text(encoding="utf-8")
    assert text.startswith('{% extends "listings/_detail.html" %}')


@pytest.mark.parametrize("url, tab", [("/admin/users", "用户"), ("/admin/users/new", "新建账号"),
                                      ("/admin/organisations", "单位"), ("/admin/security-log", "安全日志")])
def test_each_admin_page_marks_its_own_tab(app, client, auth, url, tab):
    from models import db
    from tests import factories

    with app.app_context():
        factories.make_user("root", role="admin")
        db.session.commit()
    auth.login("root")
    page = client.get(url)
    assert page.status_code == 200 and page.text.count('<h1 class="h4 mb-3">平台管理</h1>') == 1
    assert re.findall(r'class="nav-link text-nowrap active"[^>]*>([^<]+)</a>', page.text) == [tab]
