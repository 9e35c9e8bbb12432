"""The thesaurus: a query word finds its synonyms and lay terms; admins add groups that work at once."""
import pytest
from sqlalchemy import select

import search_index
from marketplace import thesaurus
from models import SynonymGroup, db
from tests import factories as f


@pytest.fixture
def corpus(app):
    with app.app_context():
        return _corpus()


def _corpus():
    org = f.make_org()
    listings = {
        "potato": f.make_result(org, title="马铃薯晚疫病绿色防控技术", keywords="马铃薯;晚疫病", summary="药剂减量。"),
        "yangyu": f.make_result(org, title="高寒山区洋芋脱毒种薯繁育", keywords="脱毒种薯", summary="种薯繁育。"),
        "paris": f.make_result(org, title="七叶一枝花林下仿生种植", keywords="林下种植", summary="中药材种植。"),
        "deice": f.make_result(org, title="高速公路桥面融冰涂层", keywords="融冰;涂层", summary="冬季路面。"),
        "other": f.make_result(org, title="茶园病虫害监测系统", keywords="监测", summary="物联网。"),
        "same_word": f.make_result(org, title="土豆淀粉加工", keywords="淀粉", summary="加工。"),
        "same_synonym": f.make_result(org, title="红薯淀粉加工", keywords="淀粉", summary="加工。"),
    }
    db.session.commit()
    return {name: listing.id for name, listing in listings.items()}


def test_the_shipped_file_parses_into_groups_and_neighbouring_fields():
    parsed = thesaurus.parse(thesaurus.shipped_text())
    assert ("马铃薯", "洋芋", "土豆", "山药蛋", "荷兰薯") in parsed.groups
    assert "七叶一枝花" in parsed.synonyms_of("重楼") and "马铃薯" in parsed.synonyms_of("洋芋")
    assert parsed.are_neighbours("电子信息", "新能源与高效节能") and not parsed.are_neighbours("农业", "航空航天")
    assert "ai" in parsed.index and "3d打印" in parsed.index  # normalised as queries are


def test_a_lay_term_finds_the_technical_one_and_the_word_as_written_ranks_first(app, corpus):
    with app.app_context():
        found = search_index.search("result", "洋芋")
        assert set(found.ids) == {corpus["potato"], corpus["yangyu"], corpus["same_word"]}
        # Two listings alike but for the word: the one that says 甘薯's synonym 红薯 as asked ranks first.
        assert search_index.search("result", "红薯 淀粉").ids == [corpus["same_synonym"]]
        sweet = search_index.search("result", "甘薯 淀粉")
        assert sweet.ids == [corpus["same_synonym"]]
        potato = search_index.search("result", "土豆 淀粉")
        assert potato.ids == [corpus["same_word"]]


def test_a_term_the_segmenter_splits_is_joined_and_bridged(app, corpus):
    with app.app_context():
        assert search_index.search("result", "重楼").ids == [corpus["paris"]]
        assert search_index.search("result", "七叶一枝花 种植").ids == [corpus["paris"]]
        assert search_index.search("result", "除冰").ids == [corpus["deice"]]
        assert search_index.search("result", "融冰").ids == [corpus["deice"]]


def test_the_word_as_written_ranks_above_its_synonym(app):
    with app.app_context():
        org = f.make_org()
        synonym = f.make_result(org, title="马铃薯储藏保鲜", keywords="储藏", summary="保鲜。")
        written = f.make_result(org, title="洋芋储藏保鲜", keywords="储藏", summary="保鲜。")
        db.session.commit()
        found = search_index.search("result", "洋芋 储藏")
        assert found.ids == [written.id, synonym.id] and found.scores[written.id] > found.scores[synonym.id]


def test_an_admins_group_works_at_once_and_goes_again(app, client, auth, corpus):
    with app.app_context():
        f.make_user("root", "admin")
        f.make_user("inst_user", "institute")
        db.session.commit()
    with app.app_context():
        assert search_index.search("result", "虫情").total == 0
    auth.login("inst_user")
    assert client.get("/admin/thesaurus").status_code == 403
    assert client.post("/admin/thesaurus", data={"words": "虫情 病虫害"}).status_code == 403
    auth.logout()
    auth.login("root")
    assert "马铃薯 = 洋芋" in client.get("/admin/thesaurus").get_data(as_text=True)
    page = client.post("/admin/thesaurus", data={"words": "虫情 病虫害", "tech_field": "农业"}, follow_redirects=True)
    assert "已添加同义词组" in page.get_data(as_text=True)
    with app.app_context():
        assert search_index.search("result", "虫情").ids == [corpus["other"]]
    api = client.get("/api/v1/search", query_string={"q": "虫情"}).json
    assert [item["id"] for item in api["items"]] == [corpus["other"]]
    with app.app_context():
        group_id = db.session.scalar(select(SynonymGroup.id))
    client.post("/admin/thesaurus/remove", data={"group_id": group_id})
    with app.app_context():
        assert search_index.search("result", "虫情").total == 0
    assert client.get("/api/v1/search", query_string={"q": "虫情"}).json["total"] == 0


@pytest.mark.parametrize("words, message", [
    ("", "请填写同义词"), ("单独", "至少要有两个词"), (" ".join(f"词{i}" for i in range(13)), "最多 12 个词"),
    ("正常 " + "长" * 21, "不是有效的词语"), ("正常 ？？", "不是有效的词语"),
])
def test_bad_groups_are_refused_and_store_nothing(app, client, auth, words, message):
    with app.app_context():
        f.make_user("root", "admin")
        db.session.commit()
    auth.login("root")
    page = client.post("/admin/thesaurus", data={"words": words}).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalars(select(SynonymGroup)).all() == []
    missing = client.post("/admin/thesaurus/remove", data={"group_id": "999"}, follow_redirects=True)
    assert "未找到该组同义词" in missing.get_data(as_text=True)


def test_matching_bridges_a_lay_term_and_names_the_bridge(app):
    from marketplace.matching import engine

    with app.app_context():
        lab, buyer = f.make_org(name="植保研究所", region_code="510100"), f.make_org(org_type="企业", region_code="530100")
        technical = f.make_result(lab, title="马铃薯晚疫病监测预警系统", keywords="马铃薯;晚疫病;预警",
                                  summary="田间小气候监测，提前七天预警。", field="农业")
        unrelated = f.make_result(lab, title="柑橘黄龙病快速检测", keywords="柑橘;黄龙病", summary="田间检测。",
                                  field="农业", region_code="530100")
        need = f.make_need(buyer, title="洋芋叶子发黑求助", field="农业", keywords="洋芋",
                           description="山区农户种洋芋，雨季叶片发黑成片死亡，想提前知道什么时候打药。")
        db.session.commit()
        ranked = engine.suggest_results(need, 5)
        assert ranked[0].listing.id == technical.id and ranked[0].score > next(
            s.score for s in ranked if s.listing.id == unrelated.id)
        assert "洋芋 = 马铃薯" in ranked[0].reasons[0]


def test_a_result_one_field_over_gets_part_of_the_field_points(app):
    from marketplace.matching import engine

    with app.app_context():
        assert engine.field_fit("电子信息", "新能源与高效节能") == engine.NEIGHBOUR_FIELD_FIT
        assert engine.field_fit("农业", "航空航天") == 0.0 and engine.field_fit("农业", "农业") == 1.0
        lab, buyer = f.make_org(region_code="530100"), f.make_org(org_type="企业", region_code="530100")
        result = f.make_result(lab, title="光伏逆变器故障诊断算法", keywords="逆变器;故障诊断", summary="电站运维。",
                               field="电子信息")
        need = f.make_need(buyer, title="光伏电站逆变器故障多", field="新能源与高效节能", keywords="逆变器;故障诊断",
                           description="电站逆变器故障频发，需要故障诊断。")
        db.session.commit()
        best = engine.suggest_results(need, 3)[0]
        assert best.listing.id == result.id
        assert any("相邻领域：电子信息的成果常用于新能源与高效节能" in reason for reason in best.reasons)
