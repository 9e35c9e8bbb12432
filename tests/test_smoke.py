from sqlalchemy import func, select, text

from marketplace.migrations import head_revision
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


def test_readyz_reports_database_schema_and_index(client, app):
    body = client.get("/readyz")
    assert body.status_code == 200
    assert body.json["status"] == "ok" and body.json["database"] == "ok"
    assert body.json["schema"] == body.json["schema_head"] is not None
    assert body.json["search_index_behind"] is False


def test_readyz_is_503_when_the_schema_is_behind(client, app):
    with app.app_context():
        head = head_revision()
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001_initial'"))
        try:
            response = client.get("/readyz")
        finally:  # PostgreSQL keeps its schema for the whole session
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503
    assert response.json["status"] == "unavailable" and response.json["schema"] == "0001_initial"
