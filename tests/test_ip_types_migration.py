"""The 0007 migration: IP types stored under the earlier names are converted and the IP statistics recounted."""
from datetime import date

from alembic import command
from sqlalchemy import func, select

from marketplace.cli import init_db
from marketplace.migrations import alembic_config, current_revision, head_revision
from marketplace.stats import rollup
from models import Contract, ListingStatus, Region, StatsDaily, TechResult, db
from tests import factories as f
from tests.test_ip_types import INVENTION, UTILITY
from tests.test_migrations import empty_db  # noqa: F401 (fixture)
from tests.test_stats_data import add_contract

def _old_world():
    """Rows as the previous revision stored them, counted by the rollup under the old names."""
    db.session.add(Region(code="530100", name="昆明市", province_code="530000", province="云南省"))
    db.session.add(Region(code="530300", name="曲靖市", province_code="530000", province="云南省"))
    org = f.make_org(name="昆明理工大学")
    ids = {
        "utility": f.make_result(org, title="旧实用新型", ip_types="专利;技术秘密", ip_numbers=UTILITY).id,
        "two": f.make_result(org, title="旧两件", ip_types="专利", ip_numbers=f"{UTILITY};{INVENTION}").id,
        "bare": f.make_result(org, title="旧无号", ip_types="专利").id,
        "soft": f.make_result(org, title="旧软著", ip_types="软件著作权;植物新品种;集成电路布图设计").id,
        "none": f.make_result(org, title="旧无", ip_types="无").id,
    }
    add_contract("530100", "530300", date(2025, 5, 1), 10_00, ip_types="专利;技术秘密")
    add_contract("530100", "530300", date(2025, 5, 1), 20_00, ip_types="软件著作权")
    add_contract("530100", "530300", date(2025, 5, 2), 30_00, ip_types="专利")
    add_contract("530100", "530300", date(2025, 5, 2), 40_00, ip_types="无")
    add_contract("530100", "530300", status="draft", ip_types="专利")
    db.session.commit()
    return ids


def _types(ids):
    return {name: db.session.get(TechResult, id_).ip_types for name, id_ in ids.items()}


def _ip_cells():
    rows = db.session.execute(select(StatsDaily.side, StatsDaily.category, func.sum(StatsDaily.contracts))
                              .where(StatsDaily.dim == "ip").group_by(StatsDaily.side, StatsDaily.category))
    return {(side, name): int(n) for side, name, n in rows}


def test_migration_converts_old_values_and_keeps_the_rollup_exact(empty_db):  # noqa: F811
    with empty_db.app_context():
        command.upgrade(alembic_config(), "0006_page_speed")
        ids = _old_world()
        assert _ip_cells()[("seller", "专利")] == 2
        db.session.remove()

        init_db()
        assert current_revision() == head_revision()
        assert _types(ids) == {"utility": "实用新型专利;技术秘密", "two": "发明专利;实用新型专利", "bare": "发明专利",
                               "soft": "计算机软件著作权;集成电路布图设计专有权;植物新品种权", "none": "无"}
        contracts = sorted(db.session.scalars(select(Contract.ip_types)))
        assert contracts == ["发明专利", "发明专利", "发明专利;技术秘密", "无", "计算机软件著作权"]
        assert rollup.verify()
        cells = _ip_cells()
        assert cells[("seller", "发明专利")] == 2 and cells[("buyer", "计算机软件著作权")] == 1
        assert cells[("seller", "未涉及/未注明")] == 1 and ("seller", "专利") not in cells
        assert db.session.get(TechResult, ids["bare"]).status == ListingStatus.PUBLISHED
        db.session.remove()

        command.downgrade(alembic_config(), "0006_page_speed")
        assert _types(ids) == {"utility": "专利;技术秘密", "two": "专利", "bare": "专利",
                               "soft": "软件著作权;植物新品种;集成电路布图设计", "none": "无"}
        assert rollup.verify() and _ip_cells()[("seller", "专利")] == 2
        db.session.remove()
