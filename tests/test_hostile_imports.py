"""Hostile rows for `flask listings import` and `flask contracts import`: the file refused whole, problems named."""
import csv

import pytest
from hypothesis import example, given, strategies as st

from marketplace.contracts.importer import CONTRACT_COLUMNS
from marketplace.listings.importer import NEED_COLUMNS, RESULT_COLUMNS
from tests.hostile import (BAD_AMOUNTS, SCRIPT, TEN_MB, TRIED, bad_amount, bounded, marked_text, report,
                           table_counts)
from tests.test_contracts_import import GOOD as GOOD_CONTRACT
from tests.test_import_errors import GOOD_NEED, GOOD_RESULT

IMPORTERS = {
    "result": (["listings", "import", "--kind", "result"], RESULT_COLUMNS, GOOD_RESULT, "price_wan",
               {"price_wan": "NaN", "region_code": "999999"}),
    "need": (["listings", "import", "--kind", "need"], NEED_COLUMNS, GOOD_NEED, "budget_wan",
             {"budget_wan": "inf", "region_code": "999999"}),
    "contract": (["contracts", "import"], CONTRACT_COLUMNS, GOOD_CONTRACT, "contract_amount",
                 {"contract_amount": "1e308", "buyer_region": "999999"}),
}
# Cells no importer may keep: control characters, bidi overrides and invisible format characters.
# The second row differs from the first in its key, so no duplicate check refuses it for us.
SECOND = {"result": {"title": "另一成果"}, "need": {"title": "另一需求"}, "contract": {"contract_no": "2026530100000002"}}
INVISIBLE = ["\x00", "\u202e", "\u202d", "\u2066", "\u200b", "\ufeff", "\x1b[31m"]


def _write(path, columns, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([[row.get(column, "") for column in columns] for row in rows])
    return str(path)


def _refused(app, runner, path, args, label):
    with app.app_context():
        before = table_counts()
    result = runner.invoke(args=[*args[:2], path, *args[2:]])
    with app.app_context():
        after = table_counts()
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a report, not a traceback
    assert "第 3 行" in result.output or "文件" in result.output, result.output
    assert before == after
    TRIED[f"import {label}"] += 1
    return result


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_hostile_cells_refuse_the_whole_file(app, runner, tmp_path, kind):
    args, columns, good, _, spoil = IMPORTERS[kind]
    path = tmp_path / "hostile.csv"

    @bounded
    @given(column=st.sampled_from(columns), value=marked_text | bad_amount)
    @example(column=columns[0], value="\x00" + SCRIPT)
    @example(column=columns[0], value="'; DROP TABLE contracts; --")
    @example(column=columns[0], value="=cmd|' /C calc'!A0")
    def attack(column, value):
        hostile = {**good, **SECOND[kind], **spoil, column: value}
        _refused(app, runner, _write(path, columns, [good, hostile]), args, kind)

    attack()


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_refused(app, runner, tmp_path, kind, char):
    args, columns, good, _, _ = IMPORTERS[kind]
    rows = [good, {**good, **SECOND[kind], "title": "燃料" + char}]
    result = _refused(app, runner, _write(tmp_path / "c.csv", columns, rows), args, kind)
    assert "第 3 行" in result.output


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_bad_amounts_and_huge_cells_are_refused(app, runner, tmp_path, kind):
    args, columns, good, money, _ = IMPORTERS[kind]
    for value in [*BAD_AMOUNTS, "-0", "1e-5"]:
        if value.strip("\x00") == "":
            continue
        rows = [good, {**good, **SECOND[kind], money: value}]
        _refused(app, runner, _write(tmp_path / "c.csv", columns, rows), args, kind)
    rows = [good, {**good, **SECOND[kind], "title": TEN_MB}]
    _refused(app, runner, _write(tmp_path / "c.csv", columns, rows), args, kind)


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
@pytest.mark.parametrize("content", [b"\x00\x01\x02\xff" * 100, b"PK\x03\x04broken", b"", b"\xef\xbb\xbf",
                                     b"<script>alert(1)</script>\n"])
def test_garbage_files_are_refused(app, runner, tmp_path, kind, content):
    args = IMPORTERS[kind][0]
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    with app.app_context():
        before = table_counts()
    result = runner.invoke(args=[*args[:2], str(path), *args[2:]])
    with app.app_context():
        assert table_counts() == before
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    TRIED[f"import {kind}"] += 1


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_two_good_rows_are_imported(app, runner, tmp_path, kind):
    """The pair the hostile tests start from is valid: only the hostile cell refuses the file."""
    args, columns, good, _, _ = IMPORTERS[kind]
    path = _write(tmp_path / "good.csv", columns, [good, {**good, **SECOND[kind]}])
    result = runner.invoke(args=[*args[:2], path, *args[2:]])
    assert result.exit_code == 0, result.output


def test_report_inputs_tried():
    """Runs last in this file: both importers received hostile rows."""
    tried = report("import ")
    assert not tried or len(tried) == len(IMPORTERS), tried
