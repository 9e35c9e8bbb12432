"""The words of a listing that say what it is about: stop words, numerals and overlaps removed.

Enterprises open a description with place and background (地名, 一带, 农户, 多年…) and name the
problem later, so the whole description is read; the index then keeps the rarest of its words
(search_index.candidates), not the first ones.
"""
import re

from flask import has_app_context

import search_index
from marketplace.regions import all_regions

CJK_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")  # as the index segments CJK runs

MAX_BODY_CHARS = 2000
SOURCE_WEIGHTS = {"keywords": 1.5, "title": 1.0, "body": 0.8}  # a need's title is often a vague lay summary
# Words found in almost every listing, or that only frame the problem: never a shared subject.
STOP_WORDS = frozenset((
    "技术 研究 需求 开发 系统 方法 应用 关键 关键技术 项目 提升 提高 实现 基于 一种 相关 进行 要求 需要 我们 公司 "
    "企业 解决 问题 以上 以下 以内 达到 用于 及其 通过 包括 具有 能够 可以 寻求 低于 高于 不低于 不高于 不超过 技术需求 "
    "科技成果 成果 使用 生产 利用 处理 平台 工艺 工业 控制 产品 设备 装置 方案 改造 智能 管理 综合 含量 特色 小时 部署 "
    "安全 材料 数据 服务 效率 成本 质量 "
    # frequent verbs, adverbs and judgements
    "超过 产生 不足 快速 下降 集中 发现 希望 想要 采用 引进 目前 现有 现在 经常 多次 部分 只能 不够 不知道 怎么 及时 "
    "严重 主要 大量 不少 各种 一些 一套 大面积 影响 损失 压力 困扰 较大 很大 较高 很高 较低 很低 费用 难度 品质 稳定 "
    "不稳定 运行 出现 存在 导致 造成 形成 开展 加快 增加 减少 降低 获得 找到 合作 合作方 相关 技术合作 自动 实时 有效 "
    "简单 难以 无法 不能 能否 已经 一直 还是 而且 但是 同时 以及 或者 如果 因为 所以 其中 左右 之间 以来 以后 之后 "
    "我厂 我院 我司 本公司 该公司 贵单位 单位 用户 客户 工人 人员 人工 老师傅 成本高 效率低 招工难 负荷 全国 国外 海外 "
    # background: place-ish filler and time
    "一带 周边 当地 附近 地区 区域 山区 辖区 基地 多年 每年 每天 每月 近年 近几年 近年来 多年来 常年 历年 年产 年均 "
    "求助 急需 迫切 打算 听说 寻找 想找 想用 想做 想把 全县 全市 全省 收入 来源 一来 经验 "
    "目前为止 春季 夏季 秋季 冬季 雨季 旱季 高峰 时段 节假日 农户 村民 群众 老百姓 农民").split())
DIGITS = set("零〇一二三四五六七八九")
# A run of these with at least one magnitude or measure is a quantity; bare digits (三七) are not.
MAGNITUDES = set("十百千万亿两几半数多余第每")
MEASURES = set("个只台辆吨亩人次年月日天周张家条项倍度米公里斤元分之成％%级层座间套批份")


REGION_SUFFIXES = ("自治区", "自治州", "地区", "省", "市", "州", "盟")
PLACE_AND_SUBJECT = frozenset({"白银", "普洱"})  # a metal and a tea as often as a city: kept as subject words
ETHNIC_TAIL = re.compile(r"(?:[^族]{1,2}族)+")


def place_stems(names) -> frozenset:
    """'昆明' of 昆明市, '文山' of 文山壮族苗族自治州: the way people name a place inside a sentence."""
    stems = set()
    for name in names:
        base = next((name[:-len(s)] for s in REGION_SUFFIXES if name.endswith(s) and len(name) > len(s) + 1), name)
        stems.add(base)
        stems.update(base[:i] for i in range(2, len(base)) if ETHNIC_TAIL.fullmatch(base[i:]))
    return frozenset(stem for stem in stems if len(stem) >= 2) - PLACE_AND_SUBJECT


_PLACES: dict = {}


def places() -> frozenset:
    """Stems of every region's name (the region list is read once per process and change)."""
    if not has_app_context():  # plain word handling, as in unit tests: no region list to read
        return frozenset()
    regions = all_regions()
    if _PLACES.get("source") is not regions:
        _PLACES.update(source=regions, stems=place_stems(region.name for region in regions))
    return _PLACES["stems"]


def is_filler(unit: str) -> bool:
    """A stop word, a place, a numeral or quantity (百分之九十, 万吨, 两千多), or too short to mean anything."""
    if unit in STOP_WORDS or unit in places():
        return True
    if CJK_WORD.fullmatch(unit):
        if len(unit) < 2:
            return True
        if all(ch in DIGITS or ch in MAGNITUDES or ch in MEASURES for ch in unit) and not all(
                ch in DIGITS for ch in unit):
            return True  # 百分之九十, 万吨, 两千多, 三百多台
        # Place names (昆明市, 云南省) are the region factor's business, not the text's.
        return len(unit) >= 3 and unit[-1] in "省市县区州"
    return len(unit) < 3 or unit.isdigit()


def _longest_only(units: list[tuple[str, float, str]]) -> list[tuple[str, float, str]]:
    """Drop a unit contained in a longer one (高速 beside 高速公路): a shared word counts once."""
    words = [u for u, _w, _s in units]
    kept = []
    for unit, weight, source in units:
        if any(unit != other and unit in other for other in words):
            continue
        kept.append((unit, weight, source))
    return kept


def listing_units(keywords: list[str], title: str, body: str) -> list[tuple[str, float, str]]:
    """(unit, weight, source) of a listing: keywords, title, then the whole description, filler dropped."""
    units, seen = [], set()
    sources = [("keywords", " ".join(keywords)), ("title", title or ""), ("body", (body or "")[:MAX_BODY_CHARS])]
    for source, text in sources:
        for unit in search_index.keywords_of(text):
            if unit in seen or is_filler(unit):
                continue
            seen.add(unit)
            units.append((unit, SOURCE_WEIGHTS[source], source))
    return _longest_only(units)


def of(listing) -> list[tuple[str, float, str]]:
    """The subject units of a result or a need."""
    return listing_units(listing.keyword_list, listing.title, listing.body)
