"""A deterministic, realistic corpus of technology results and needs for the search benchmark."""
import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from models import Organisation, Region, TechNeed, TechResult, db
from models.vocab import MATURITY_LEVELS, TECH_FIELDS, TRANSFER_MODES

TERMS = {
    "电子信息": "人工智能 机器学习 深度学习 计算机视觉 知识图谱 区块链 物联网 边缘计算 工业互联网 数字孪生 集成电路 芯片设计 传感器 激光雷达 北斗导航 网络安全 大数据 语音识别",
    "航空航天": "无人机 卫星遥感 航空发动机 复合材料构件 飞行控制 导航定位 遥感影像 轻量化结构",
    "先进制造": "工业机器人 增材制造 数控机床 智能制造 精密加工 激光焊接 无损检测 视觉检测 减速器 伺服电机",
    "生物医药和医疗器械": "单克隆抗体 基因编辑 细胞治疗 疫苗 中药 三七总皂苷 灯盏花素 天麻素 体外诊断 医学影像 手术机器人 药物递送",
    "新材料及其应用": "石墨烯 碳纤维 碳化硅 氮化镓 稀土永磁 高温合金 钛合金 纳米材料 生物降解材料 聚乳酸 涂层材料 铂基催化剂",
    "新能源与高效节能": "燃料电池 质子交换膜 膜电极 储氢 电解水制氢 锂离子电池 固态电池 钠离子电池 液流电池 热管理 光伏组件 钙钛矿 风力发电 储能电站 余热回收 热泵",
    "环境保护与资源综合利用": "污水处理 固废处理 土壤修复 重金属污染 磷石膏 尾矿 垃圾焚烧 碳捕集 烟气脱硝 资源化利用",
    "核应用技术": "辐照 同位素 核技术 辐射防护 中子探测 放射性废物",
    "农业": "高原特色农业 智慧农业 节水灌溉 水肥一体化 咖啡 普洱茶 花卉 食用菌 马铃薯 橡胶 甘蔗 病虫害防治 种质资源",
    "现代交通": "新能源汽车 自动驾驶 轨道交通 智能网联 动力电池 充电桩 交通信号控制",
    "城市建设与社会发展": "装配式建筑 智慧城市 海绵城市 建筑节能 应急管理 文物保护 智慧养老",
}
PREFIXES = ["高性能", "低成本", "新型", "智能", "高效", "一种", "绿色", "大规模", "高可靠", "便携式", ""]
SUFFIXES = ["关键技术研究", "制备方法", "系统", "装置", "工艺", "及其应用", "产业化示范", "检测方法", "平台", "技术"]
SENTENCES = [
    "本成果围绕{a}开展攻关，突破了{b}的关键瓶颈。", "项目形成{b}与{c}的集成方案，已在{city}完成中试验证。",
    "主要技术指标达到国内领先水平，{a}性能提升{n}%。", "拥有发明专利{n}项，可采用转让、许可或合作开发方式转化。",
    "适用于{c}、{b}等场景，具有成本低、稳定性好的特点。", "团队长期从事{a}研究，具备工程化能力。",
    "需求方希望解决{a}在{c}中的应用难题，目标指标明确。", "预计年新增产值{n}00万元，市场前景广阔。",
]
ORG_SUFFIXES = ["大学", "理工大学", "研究院", "研究所", "科技有限公司", "新材料有限公司", "生物科技股份有限公司", "智能装备有限公司"]


def _text(rng, terms, city, length):
    parts = []
    while sum(len(p) for p in parts) < length:
        parts.append(rng.choice(SENTENCES).format(a=rng.choice(terms), b=rng.choice(terms), c=rng.choice(terms),
                                                  city=city, n=rng.randint(2, 60)))
    return "".join(parts)


def generate(count: int, seed: int = 2026, need_share: float = 0.3, batch: int = 5000) -> dict:
    """Insert `count` published listings (about 30 % needs) with organisations; returns counts."""
    rng = random.Random(seed)
    regions = db.session.execute(select(Region.code, Region.name).where(Region.code != Region.province_code)).all()
    org_rows = []
    for i in range(max(50, count // 50)):
        code, city = rng.choice(regions)
        org_rows.append({"name": f"{city.rstrip('市州')}{rng.choice(['华', '云', '川', '滇', '蜀', '创'])}{i}"
                                 f"{rng.choice(ORG_SUFFIXES)}", "org_type": rng.choice(["企业", "科研机构", "高等院校"]),
                         "region_code": code})
    db.session.execute(insert(Organisation), org_rows)
    orgs = db.session.execute(select(Organisation.id, Organisation.region_code, Organisation.name)).all()
    names = dict(regions)
    start = datetime(2024, 1, 1)
    results, needs = [], []
    for i in range(count):
        field = rng.choice(TECH_FIELDS)
        terms = TERMS[field].split()
        org = rng.choice(orgs)
        core = rng.choice(terms)
        model = f" {rng.choice(['XK', 'MX', 'HT', 'YN'])}-{rng.randint(100, 999)}型" if rng.random() < 0.05 else ""
        title = f"{rng.choice(PREFIXES)}{core}{rng.choice(SUFFIXES)}{model}".strip()
        keywords = ";".join(dict.fromkeys([core] + rng.sample(terms, min(len(terms), rng.randint(2, 4)))))
        body = _text(rng, terms, names.get(org.region_code, "昆明市"), rng.randint(150, 350))
        common = dict(title=title, field=field, keywords=keywords, status="published", organisation_id=org.id,
                      region_code=org.region_code, published_at=start + timedelta(minutes=i * 5))
        if rng.random() < need_share:
            bounty = rng.random() < 0.15
            needs.append(dict(common, description=body, budget_fen=rng.choice([None, rng.randint(5, 2000) * 1_000_000]),
                              cooperation_modes=rng.choice(["合作开发", "委托开发", "技术转让"]), is_bounty=bounty,
                              bounty_fen=rng.randint(50, 3000) * 1_000_000 if bounty else None,
                              deadline=(start + timedelta(days=900)).date() if bounty else None))
        else:
            results.append(dict(common, summary=body, maturity=rng.choice(MATURITY_LEVELS),
                                transfer_modes=";".join(rng.sample(TRANSFER_MODES, rng.randint(1, 3))),
                                price_fen=rng.choice([None, rng.randint(1, 5000) * 1_000_000])))
        for rows, model_cls in ((results, TechResult), (needs, TechNeed)):
            if len(rows) >= batch:
                db.session.execute(insert(model_cls), rows)
                rows.clear()
    for rows, model_cls in ((results, TechResult), (needs, TechNeed)):
        if rows:
            db.session.execute(insert(model_cls), rows)
    db.session.commit()
    return {"organisations": len(org_rows), "listings": count}
