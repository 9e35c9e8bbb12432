from sqlalchemy import func, select

from models import Region, db


def test_init_db_loads_every_province(app):
    with app.app_context():
        provinces = db.session.scalar(select(func.count()).select_from(Region).where(Region.code == Region.province_code))
        assert provinces == 34
        assert db.session.get(Region, "530100").name == "昆明市"


def test_init_db_twice_is_safe(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "新增 0 条" in result.output


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}
