"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

tests/test_api_openapi.py validates it, checks that every route of the
blueprint is described here, and validates real responses against it.
"""
from marketplace.api.openapi_schemas import SCHEMAS, ref, string
from marketplace.api.pagination import MAX_PER_PAGE
from models import CONTRACT_STATUS_LABELS
from models.vocab import COOPERATION_MODES, MATURITY_LEVELS, TECH_FIELDS, TRANSFER_MODES

JSON = "application/json"
PUBLIC = []  # no security requirement
OPTIONAL_TOKEN = [{}, {"bearerAuth": []}]
TOKEN = [{"bearerAuth": []}]
ERRORS = {
    400: ("BadRequest", "参数或请求体无效（如 JSON 格式错误、分页参数不合法）"),
    401: ("Unauthorized", "缺少令牌、令牌无效或已撤销，或账号已停用"),
    403: ("Forbidden", "角色或单位无权执行（与网站规则相同）"),
    404: ("NotFound", "不存在，或调用者无权查看"),
    409: ("Conflict", "当前状态下不能执行，或幂等键已被他人使用、合同编号重复"),
    413: ("PayloadTooLarge", "请求体超过 1 MB"),
    415: ("UnsupportedMediaType", "请求体不是 application/json"),
    422: ("Unprocessable", "字段未通过校验；error.fields 列出每个字段的问题"),
    429: ("TooManyRequests", "同一网络地址请求过于频繁（登记号核验：默认每分钟 30 次，与网页共用额度）"),
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def query(name: str, description: str, schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or string()}


def path_id(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer", "minimum": 1}}


PAGING = [query("page", "页码，从 1 开始", {"type": "integer", "minimum": 1, "default": 1}),
          query("per_page", f"每页条数，1–{MAX_PER_PAGE}", {"type": "integer", "minimum": 1,
                                                             "maximum": MAX_PER_PAGE, "default": 20})]
FIELD = query("field", "技术领域（11 个统计领域之一）", string(enum=list(TECH_FIELDS)))
REGION = query("region", "六位地区代码；省级代码包含其下所有城市", string(pattern=r"^[0-9]{6}$"))
PERIOD = [query("from", "起始日期 YYYY-MM-DD（登记日期）", string(format="date")),
          query("to", "截止日期 YYYY-MM-DD（登记日期）", string(format="date")),
          query("by", "seller：技术输出（卖方所在地，默认）；buyer：技术吸纳", string(enum=["seller", "buyer"]))]
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "description": "1–64 个字母、数字或 _ . : -；带同一个键重试只会得到同一份合同（首次 201，之后 200）",
               "schema": string(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")}


def op(summary: str, ok: dict, errors=(), security=PUBLIC, parameters=(), body: str | None = None,
       status: int = 200, headers: dict | None = None) -> dict:
    """One operation: its success response, the documented errors, security and parameters."""
    success = dict(ok)
    if headers:
        success["headers"] = headers
    operation = {"summary": summary, "responses": {str(status): success}}
    for code in errors:
        operation["responses"][str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    if security:
        operation["security"] = security
    if parameters:
        operation["parameters"] = list(parameters)
    if body:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
    return operation


LOCATION = {"Location": {"description": "新建对象的地址", "schema": string()}}
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


WAN = string(pattern=r"^[0-9]{1,16}(\.[0-9]{1,6})?$")
FLAG = string(enum=["true", "false", "1", "0"])
KIND_FILTERS = {
    "result": [query("maturity", "成熟度", string(enum=list(MATURITY_LEVELS))),
               query("mode", "转化方式", string(enum=list(TRANSFER_MODES))),
               query("price_min", "最低价格（万元；面议的不在其中）", WAN), query("price_max", "最高价格（万元）", WAN)],
    "need": [query("mode", "合作方式", string(enum=list(COOPERATION_MODES))),
             query("bounty", "只看揭榜挂帅", FLAG), query("expired", "包含已过截止日期的需求", FLAG),
             query("budget_min", "最低预算（万元；面议的不在其中）", WAN), query("budget_max", "最高预算（万元）", WAN)],
}


def _listing_paths(kind: str, path: str, model: str, label: str) -> dict:
    filters = [FIELD, REGION, *KIND_FILTERS[kind]]
    listing_id = path_id(f"{kind}_id", f"{label}编号")
    return {
        f"/{path}": {
            "get": op(f"已发布的{label}，最新发布在前", _json(ref(f"{model}Page"), f"一页{label}"), (400,),
                      parameters=[*filters, *PAGING]),
            "post": op(f"新建{label}草稿（本单位；科研机构、企业角色）", _json(ref(model), "已创建"),
                       (400, 401, 403, 413, 415, 422), TOKEN, body=f"{model}Input", status=201, headers=LOCATION),
        },
        f"/{path}/{{{kind}_id}}": {
            "parameters": [listing_id],
            "get": op(f"一条{label}：已发布的对所有人可见，其他状态仅本单位和审核人员可见",
                      _json(ref(model), label), (404,), OPTIONAL_TOKEN),
            "patch": op(f"修改本单位的{label}（只需给出要改的字段）；已发布的修改后重新进入审核",
                        _json(ref(model), "修改后的内容"), (400, 401, 403, 404, 413, 415, 422), TOKEN,
                        body=f"{model}Patch"),
        },
        f"/{path}/{{{kind}_id}}/actions": {
            "parameters": [listing_id],
            "post": op("生命周期操作：submit、recall、withdraw（本单位）；approve、return、take_down（审核人员）",
                       _json(ref(model), "操作后的内容"), (400, 401, 403, 404, 409, 413, 415, 422), TOKEN,
                       body="ListingAction"),
        },
    }


def _contract_paths() -> dict:
    contract_id = path_id("contract_id", "合同编号（系统内部编号）")
    filing = op("新建合同草稿（卖方单位成员或其技术经纪人）；submit 为 true 时同时提交申报",
                _json(ref("ContractDetail"), "已创建"), (400, 401, 403, 409, 413, 415, 422), TOKEN, [IDEMPOTENCY],
                body="ContractInput", status=201, headers=LOCATION)
    filing["responses"]["200"] = _json(ref("ContractDetail"), "带已用过的幂等键重试：首次创建的同一份合同")
    return {
        "/contracts": {
            "get": op("调用者可见的合同（本单位、经办的合同，或登记机构辖区内已申报的合同），最近更新在前",
                      _json(ref("ContractPage"), "一页合同"), (400, 401), TOKEN,
                      [query("status", "合同状态", string(enum=list(CONTRACT_STATUS_LABELS))), *PAGING]),
            "post": filing,
        },
        "/contracts/{contract_id}": {
            "parameters": [contract_id],
            "get": op("一份合同及其办理记录", _json(ref("ContractDetail"), "合同"), (401, 404), TOKEN),
            "patch": op("修改草稿或补正中的合同（卖方一侧；双方单位不能改）", _json(ref("ContractDetail"), "修改后的合同"),
                        WRITE_ERRORS, TOKEN, body="ContractPatch"),
        },
        "/contracts/{contract_id}/actions": {
            "parameters": [contract_id],
            "post": op("登记流程操作：file、withdraw（卖方一侧）；accept、return、first_review、register、refuse、"
                       "cancel（辖区登记机构）。变更登记请用 /contracts/{contract_id}/amendments",
                       _json(ref("ContractDetail"), "操作后的合同"),
                       (400, 401, 403, 404, 409, 413, 415, 422), TOKEN, body="ContractAction"),
        },
        "/contracts/{contract_id}/amendments": {
            "parameters": [contract_id],
            "post": op("申请变更登记（已登记的合同；卖方一侧或辖区登记机构）：只需给出要变更的字段和 reason；卖方不能变更。"
                       "经登记机构审核后生效（变更前或变更后技术交易额达 500 万元的须复核）",
                       _json(ref("ContractDetail"), "已提交申请的合同（amendments 中为新申请）"), WRITE_ERRORS, TOKEN,
                       body="AmendmentInput", status=201, headers=LOCATION),
        },
        "/contracts/{contract_id}/amendments/{amendment_id}/actions": {
            "parameters": [contract_id, path_id("amendment_id", "变更申请编号")],
            "post": op("审核变更申请：first_review、approve、refuse（辖区登记机构；已结账年度由管理员）；withdraw（卖方一侧）",
                       _json(ref("Amendment"), "操作后的变更申请"), (400, 401, 403, 404, 409, 413, 415, 422), TOKEN,
                       body="AmendmentAction"),
        },
    }


DIMENSIONS = ["type", "field", "seller_type", "buyer_type", "ip"]


def _read_paths() -> dict:
    only = {"result": "（仅 kind=result）", "need": "（仅 kind=need）"}
    kind_filters = [{**param, "description": param["description"] + only[kind]}
                    for kind, params in KIND_FILTERS.items() for param in params if param["name"] != "mode"]
    modes = list(dict.fromkeys(TRANSFER_MODES + COOPERATION_MODES))
    kind_filters.append(query("mode", "转化方式（kind=result）或合作方式（kind=need）", string(enum=modes)))
    search_params = [query("q", "检索词"), query("kind", "result 或 need", string(enum=["result", "need"])), FIELD,
                     REGION, *kind_filters, query("sort", "relevance（默认）、newest 等"), *PAGING]
    region = query("region", "地区代码（默认全国）")
    return {
        "/": {"get": op("API 入口", _json(ref("Index"), "名称与版本"))},
        "/openapi.json": {"get": op("本文档（OpenAPI 3.1）", _json({"type": "object"}, "OpenAPI 文档"))},
        "/me": {"get": op("令牌所属用户", _json(ref("Me"), "当前用户"), (401,), TOKEN)},
        "/search": {"get": op("全文检索已发布的成果或需求，按相关度排序", _json(ref("SearchPage"), "一页检索结果"),
                              (400,), parameters=search_params)},
        "/needs/{need_id}/matches": {
            "parameters": [path_id("need_id", "需求编号")],
            "get": op("为需求推荐的已发布成果（得分与理由），经纪人、登记机构和需求发布单位可用",
                      _json(ref("Matches"), "推荐结果，最佳在前"), (400, 401, 403, 404), TOKEN,
                      [query("limit", "条数", {"type": "integer", "minimum": 1})]),
        },
        "/stats/regions": {"get": op("下级地区的登记件数、成交额与排名", _json(ref("StatsRegions"), "地区表"), (400,),
                                     parameters=[query("parent", "上级地区代码（默认全国，即各省）"), *PERIOD])},
        "/stats/breakdown": {"get": op("按类型、领域、单位类型或知识产权分类的统计",
                                       _json(ref("StatsBreakdown"), "分类表"), (400,),
                                       parameters=[region, query("dim", "分类维度", string(enum=DIMENSIONS)), *PERIOD])},
        "/verify/{registration_no}": {
            "parameters": [{"name": "registration_no", "in": "path", "required": True, "description": "登记号",
                            "schema": string(maxLength=64)}],
            "get": op("公开核验登记号：有效、已变更或已撤销，登记日期、合同类型与双方名称（不含金额、地区）",
                      _json(ref("Verification"), "登记状态"), (404, 429)),
        },
        "/stats/bulletin": {"get": op("统计简报句子", _json(ref("StatsBulletin"), "简报"), (400,),
                                      parameters=[region, *PERIOD])},
    }


def build_spec() -> dict:
    """The whole document (a new dict each call)."""
    paths = {**_read_paths(), **_listing_paths("result", "results", "Result", "成果"),
             **_listing_paths("need", "needs", "Need", "需求"), **_contract_paths()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "技术市场 API", "version": "1",
                 "description": "成果、需求、技术合同与统计的 JSON 接口。金额一律为以元为单位、两位小数的字符串；"
                                "错误为 {\"error\": {\"code\", \"message\"}} 加 4xx 状态码。"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": {name: _json(ref("Error"), description) for name, description in ERRORS.values()},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "flask tokens create USERNAME，或网站“API 令牌”页面"}},
        },
    }

