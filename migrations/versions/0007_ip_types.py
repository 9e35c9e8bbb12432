"""IP types as the contract registration forms list them: 发明专利, 实用新型专利, 外观设计专利, 计算机软件著作权,
集成电路布图设计专有权, 植物新品种权, 生物医药新品种, 技术秘密, 其他 (and 无 for "involves none", unchanged).

Stored values of tech_results.ip_types and contracts.ip_types are renamed:
软件著作权 → 计算机软件著作权, 植物新品种 → 植物新品种权, 集成电路布图设计 → 集成电路布图设计专有权.

The old 专利 did not say which kind. A result whose ip_numbers hold ZL numbers takes the kinds those
numbers state (the digit after the 4-digit year: 1/8 发明, 2/9 实用新型, 3 外观设计). Without a number
(every contract, and results that gave none) 专利 becomes 发明专利: technology transfer and licence
contracts overwhelmingly concern invention patents, and keeping the right a patent keeps patent totals
right, where 其他 would hide it among non-patent rights. Owners can correct a listing on its edit page.

The 'ip' cells of stats_daily are recounted from the contracts, so the rollup still equals a recount;
the cache tokens are replaced so no process keeps serving figures cached under the old names.

Downgrade maps back: the three patent kinds → 专利, the renamed types → their old names; 生物医药新品种
and 其他 had no old name and are dropped (a contract left with none counts as 未涉及/未注明).

Revision ID: 0007_ip_types
Revises: 0006_page_speed
Create Date: 2026-12-01
"""
import re

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_ip_types'
down_revision = '0006_page_speed'
branch_labels = None
depends_on = None

DEFAULT_PATENT = '发明专利'
RENAMED = {'软件著作权': '计算机软件著作权', '植物新品种': '植物新品种权', '集成电路布图设计': '集成电路布图设计专有权'}
NEW_ORDER = ('发明专利', '实用新型专利', '外观设计专利', '计算机软件著作权', '集成电路布图设计专有权', '植物新品种权',
             '生物医药新品种', '技术秘密', '其他', '无')
OLD_NAMES = {'发明专利': '专利', '实用新型专利': '专利', '外观设计专利': '专利', '计算机软件著作权': '软件著作权',
             '植物新品种权': '植物新品种', '集成电路布图设计专有权': '集成电路布图设计', '技术秘密': '技术秘密', '无': '无'}
OLD_ORDER = ('专利', '软件著作权', '植物新品种', '集成电路布图设计', '技术秘密', '无')
KIND_DIGITS = {'1': '发明专利', '8': '发明专利', '2': '实用新型专利', '9': '实用新型专利', '3': '外观设计专利'}
ZL_NUMBER = re.compile(r'ZL\s*(\d{4}|\d{2})\s*(\d)\s*\d{5}', re.IGNORECASE)
NO_IP = '未涉及/未注明'
CATEGORY_LENGTH = 20


def _split(text):
    for sep in ('；', ',', '，', '、'):
        text = (text or '').replace(sep, ';')
    return [part.strip() for part in text.split(';') if part.strip()]


def _ordered(names, order):
    unique = list(dict.fromkeys(names))
    return ';'.join(sorted(unique, key=lambda n: order.index(n) if n in order else len(order)))


def _patent_kinds(numbers):
    return [KIND_DIGITS[m.group(2)] for m in ZL_NUMBER.finditer(numbers or '') if m.group(2) in KIND_DIGITS]


def new_types(old, numbers=''):
    """The new stored list for an old one (numbers: the listing's ip_numbers, if any)."""
    names = []
    for name in _split(old):
        if name == '专利':
            names += _patent_kinds(numbers) or [DEFAULT_PATENT]
        else:
            names.append(RENAMED.get(name, name))
    return _ordered(names, NEW_ORDER)


def old_types(new):
    """The old stored list for a new one (types without an old name are dropped)."""
    return _ordered([OLD_NAMES[n] for n in _split(new) if n in OLD_NAMES], OLD_ORDER)


def _convert_results(conn, convert):
    rows = conn.execute(sa.text("SELECT id, ip_types, ip_numbers FROM tech_results WHERE ip_types <> ''")).all()
    update = sa.text('UPDATE tech_results SET ip_types = :new WHERE id = :id')
    changes = [{'id': row.id, 'new': convert(row.ip_types, row.ip_numbers)} for row in rows]
    changes = [c for c, row in zip(changes, rows) if c['new'] != row.ip_types]
    if changes:
        conn.execute(update, changes)


def _convert_contracts(conn, convert):
    # One UPDATE per distinct stored list (a handful), however many contracts there are.
    values = conn.execute(sa.text("SELECT DISTINCT ip_types FROM contracts WHERE ip_types <> ''")).scalars().all()
    update = sa.text('UPDATE contracts SET ip_types = :new WHERE ip_types = :old')
    changes = [{'old': v, 'new': convert(v)} for v in values if convert(v) != v]
    if changes:
        conn.execute(update, changes)


def _categories(value):
    names = [n for n in _split(value) if n != '无'] or [NO_IP]
    return [n[:CATEGORY_LENGTH] for n in dict.fromkeys(names)]


def _recount_ip_cells(conn):
    """Replace the 'ip' cells of stats_daily by a recount of registered contracts (as the rollup counts)."""
    conn.execute(sa.text("DELETE FROM stats_daily WHERE dim = 'ip'"))
    cells = {}
    for side, region in (('seller', 'seller_region'), ('buyer', 'buyer_region')):
        rows = conn.execute(sa.text(
            f'SELECT registered_on, {region}, ip_types, count(*), sum(contract_amount_fen), sum(tech_amount_fen) '
            "FROM contracts WHERE status = 'registered' AND registered_on IS NOT NULL "
            f'GROUP BY registered_on, {region}, ip_types'))
        for day, code, value, count, contract_fen, tech_fen in rows:
            for name in _categories(value):
                total = cells.setdefault((side, day, code, name), [0, 0, 0])
                for i, amount in enumerate((count, contract_fen, tech_fen)):
                    total[i] += int(amount or 0)
    rows = [{'side': side, 'day': day, 'region_code': code, 'category': name,
             'contracts': v[0], 'contract_amount_fen': v[1], 'tech_amount_fen': v[2]}
            for (side, day, code, name), v in sorted(cells.items()) if any(v)]
    if rows:
        conn.execute(sa.text(
            'INSERT INTO stats_daily (side, dim, day, region_code, category, contracts, contract_amount_fen, '
            "tech_amount_fen) VALUES (:side, 'ip', :day, :region_code, :category, :contracts, "
            ':contract_amount_fen, :tech_amount_fen)'), rows)


def _forget_cached_figures(conn):
    if sa.inspect(conn).has_table('cache_versions'):
        conn.execute(sa.text('UPDATE cache_versions SET token = token + 1'))


def upgrade():
    conn = op.get_bind()
    _convert_results(conn, new_types)
    _convert_contracts(conn, new_types)
    _recount_ip_cells(conn)
    _forget_cached_figures(conn)


def downgrade():
    conn = op.get_bind()
    _convert_results(conn, lambda types, _numbers: old_types(types))
    _convert_contracts(conn, old_types)
    _recount_ip_cells(conn)
    _forget_cached_figures(conn)
