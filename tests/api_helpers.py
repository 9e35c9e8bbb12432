"""A small world for API tests: organisations, a user of every role, and a bearer token each."""
from marketplace.api.tokens import create_token
from models import db
from tests.factories import make_org, make_user

RESULT_BODY = {
    "title": "低成本钙钛矿太阳能电池封装技术", "field": "新能源与高效节能", "keywords": ["钙钛矿", "封装"],
    "summary": "水汽透过率低于 1e-4 g/m²/day，组件寿命提升三倍。", "maturity": "中试",
    "transfer_modes": ["转让", "许可"], "price": "1500000.50",
}
NEED_BODY = {
    "title": "锂电池极片缺陷在线检测", "field": "先进制造", "keywords": "机器视觉；缺陷检测",
    "description": "产线速度 60 m/min，漏检率低于 0.1%。", "cooperation_modes": ["合作开发"], "budget": "800000.00",
}
CONTRACT_BODY = {
    "contract_type": "技术转让", "title": "三七总皂苷提取工艺转让", "tech_field": "生物医药和医疗器械",
    "buyer_name": "云南某能源公司（测试）", "buyer_type": "企业", "buyer_region": "530300",
    "signed_on": "2026-03-02", "contract_amount": "3501000.50", "deductions": {"equipment": "1000.25"},
}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def build_world(app) -> dict:
    """Users (institute, a second institute elsewhere, enterprise, broker, officials, admin) and their tokens."""
    with app.app_context():
        inst_org = make_org("昆明理工大学（测试）", "高等院校", "530100")
        ent_org = make_org("云南某能源公司（测试）", "企业", "530300")
        far_org = make_org("四川某研究院（测试）", "科研机构", "510100")
        users = {
            "inst": make_user("inst", "institute", inst_org),
            "inst_mate": make_user("inst_mate", "institute", inst_org),
            "far": make_user("far", "institute", far_org),
            "ent": make_user("ent", "enterprise", ent_org),
            "broker": make_user("broker", "broker"),
            "official_km": make_user("official_km", "official", make_org("昆明市科学技术局（测试）", "机关", "530100")),
            "official_km2": make_user("official_km2", "official", make_org("昆明市技术市场（测试）", "机关", "530100")),
            "official_cd": make_user("official_cd", "official", make_org("成都市科学技术局（测试）", "机关", "510100")),
            "admin": make_user("admin", "admin"),
        }
        world = {"tokens": {name: create_token(user, "测试") for name, user in users.items()},
                 "ids": {name: user.id for name, user in users.items()},
                 "orgs": {"inst": inst_org.id, "ent": ent_org.id, "far": far_org.id}}
        db.session.commit()
    return world


def auth_for(world: dict, name: str | None) -> dict:
    return bearer(world["tokens"][name]) if name else {}
