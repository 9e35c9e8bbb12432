"""The browse pages' search box goes through the Chinese search index."""
from models import db
from tests import factories as f
from tests.test_browse import corpus, shown  # noqa: F401 - the fixture is used by name

WAN = 1_000_000


def test_traditional_query_finds_simplified_listing(client, corpus):  # noqa: F811
    _response, ids = shown(client, "/results?q=燃料電池")
    assert ids == [corpus["fuel"]]


def test_substring_of_a_title_is_found(client, corpus):  # noqa: F811
    _response, ids = shown(client, "/results?q=料电")
    assert ids == [corpus["fuel"]]


def test_query_words_are_highlighted_and_escaped(app, client):
    with app.app_context():
        org = f.make_org(name="云南大学")
        f.make_result(org, title="三七总皂苷提取纯化工艺", keywords="三七;皂苷",
                      summary="<b>新工艺</b>使三七总皂苷收率提高 20%。")
        db.session.commit()
    response, ids = shown(client, "/results?q=皂苷")
    assert len(ids) == 1
    assert "<mark>皂苷</mark>" in response.text
    assert "&lt;b&gt;新工艺&lt;/b&gt;" in response.text


def test_title_match_ranks_above_body_match_and_filters_still_apply(app, client):
    with app.app_context():
        org = f.make_org(name="昆明理工大学", region_code="530100")
        body = f.make_result(org, title="膜电极制备工艺", keywords="膜电极", summary="用于燃料电池的膜电极",
                             field="新能源与高效节能").id
        title = f.make_result(org, title="燃料电池电堆集成", keywords="电堆", summary="电堆集成技术",
                              field="新能源与高效节能").id
        other_field = f.make_result(org, title="燃料电池汽车测试", keywords="测试", summary="整车测试",
                                    field="现代交通").id
        db.session.commit()
    _response, ids = shown(client, "/results?q=燃料电池")
    assert ids.index(title) < ids.index(body)
    assert set(ids) == {body, title, other_field}
    _response, ids = shown(client, "/results?q=燃料电池&field=新能源与高效节能")
    assert ids == [title, body]
    _response, ids = shown(client, "/results?q=燃料电池&sort=newest")
    assert ids == [other_field, title, body]


def test_unpublished_listings_are_not_found(client, corpus):  # noqa: F811
    response, ids = shown(client, "/results?q=隐藏成果")
    assert ids == []
    assert "没有找到" in response.text or "未找到" in response.text


def test_overlong_query_is_cut_with_a_message(client, corpus):  # noqa: F811
    response, ids = shown(client, "/results?q=" + "燃料" * 60)
    assert "搜索词过长" in response.text
    assert ids == [corpus["fuel"]]
