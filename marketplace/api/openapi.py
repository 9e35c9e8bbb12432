"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Request bodies and query parameters come from where the calls read them
(api/inputs.py: the same schemas validate every request); answers are described in
openapi_schemas.py. Links lead from each call that creates or lists objects to the
calls that act on them, so a client can walk create → read → change → act.
tests/test_api_openapi.py validates the document and real answers against it;
tests/test_api_fuzz.py runs an independent fuzzer against a live app.
"""
from marketplace.api import MAX_ID, inputs
from marketplace.api.contracts import STATUS
from marketplace.api.deals import TENDER_PARAMS, TRADE_PARAMS
from marketplace.api.listings import LIST_PARAMS
from marketplace.api.matching import LIMIT
from marketplace.api.openapi_schemas import SCHEMAS, ref, string
from marketplace.api.pagination import PAGING
from marketplace.api.search import SEARCH_PARAMS
from marketplace.api.stats import PARAMS as STATS_PARAMS

JSON = "application/json"
PUBLIC = []  # no security requirement
OPTIONAL_TOKEN = [{}, {"bearerAuth": []}]
TOKEN = [{"bearerAuth": []}]
ERRORS = {
    400: ("BadRequest", "参数或请求体无效（如 JSON 格式错误、参数不符合本文档）"),
    401: ("Unauthorized", "缺少令牌、令牌无效或已撤销，或账号已停用"),
    403: ("Forbidden", "角色或单位无权执行（与网站规则相同）"),
    404: ("NotFound", "不存在，或调用者无权查看"),
    409: ("Conflict", "每个值都符合本文档，但彼此冲突或与当前状态冲突（code 为 rule_conflict 时见 error.fields；"
                      "字段说明中标有“否则 409”的规则）；或当前状态下不能执行该操作、幂等键已被他人使用、合同编号重复"),
    413: ("PayloadTooLarge", "请求体超过 1 MB"),
    414: ("UriTooLong", "请求地址（路径加参数）超过 2 KB"),
    415: ("UnsupportedMediaType", "请求体不是 application/json"),
    422: ("Unprocessable", "请求体不符合本文档的模式；error.fields 列出每个字段的问题"),
    429: ("TooManyRequests", "同一网络地址请求过于频繁（登记号核验：默认每分钟 30 次，与网页共用额度）"),
}
READ_ERRORS = (400, 409)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def path_id(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def params(*groups) -> list[dict]:
    return [param.spec() for group in groups for param in group]


def op(operation_id: str, summary: str, ok: dict, errors=(), security=PUBLIC, parameters=(), body: str | None = None,
       status: int = 200, headers: dict | None = None, links: dict | None = None) -> dict:
    """One operation: its success response (with links), the documented errors, security and parameters."""
    success = dict(ok)
    if headers:
        success["headers"] = headers
    if links:
        success["links"] = links
    operation = {"operationId": operation_id, "summary": summary, "responses": {str(status): success}}
    for code in sorted({*errors, 414}):  # any address may be too long
        operation["responses"][str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    if security:
        operation["security"] = security
    if parameters:
        operation["parameters"] = list(parameters)
    if body:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
    return operation


def link(operation_id: str, description: str, **parameters) -> dict:
    return {"operationId": operation_id, "description": description, "parameters": parameters}


def get_trade(source: str) -> dict:
    """The link from an answer holding a trade's id (at the JSON pointer `source`) to reading that trade."""
    return {"GetTrade": link("getTrade", "读取该交易", trade_id=f"$response.body#{source}")}


def get_tender(source: str) -> dict:
    return {"GetTender": link("getTender", "读取该招标", tender_id=f"$response.body#{source}")}


LOCATION = {"Location": {"description": "新建对象的地址", "schema": string()}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "description": "1–64 个字母、数字或 _ . : -；带同一个键重试只会得到同一份合同（首次 201，之后 200）",
               "schema": string(pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")}


def _listing_links(kind: str, model: str, label: str, source: str) -> dict:
    """From an answer that holds a listing (`source`: a JSON pointer to its id) to the calls on it."""
    ident = {f"{kind}_id": f"$response.body#{source}"}
    links = {f"Get{model}": link(f"get{model}", f"读取该{label}", **ident),
             f"Update{model}": link(f"update{model}", f"修改该{label}", **ident),
             f"ActOn{model}": link(f"actOn{model}", "提交审核、撤回等操作", **ident)}
    if kind == "need":
        links["NeedMatches"] = link("needMatches", "为该需求推荐的成果", need_id=f"$response.body#{source}")
        links["PublishTender"] = link("publishTender", "为该需求发布招标（已发布的需求，本单位）", **ident)
    else:
        links["PublishTrade"] = link("publishTrade", "为该成果定价交易（已发布的成果，本单位）", **ident)
    return links


def _listing_paths(kind: str, path: str, model: str, label: str) -> dict:
    listing_id = path_id(f"{kind}_id", f"{label}编号")
    return {
        f"/{path}": {
            "get": op(f"list{model}s", f"已发布的{label}，最新发布在前", _json(ref(f"{model}Page"), f"一页{label}"),
                      READ_ERRORS, parameters=params(LIST_PARAMS[kind]),
                      links=_listing_links(kind, model, label, "/items/0/id")),
            "post": op(f"create{model}", f"新建{label}草稿（本单位；科研机构、企业角色）", _json(ref(model), "已创建"),
                       (400, 401, 403, 409, 413, 415, 422), TOKEN, body=f"{model}Input", status=201,
                       headers=LOCATION, links=_listing_links(kind, model, label, "/id")),
        },
        f"/{path}/{{{kind}_id}}": {
            "parameters": [listing_id],
            "get": op(f"get{model}", f"一条{label}：已发布的对所有人可见，其他状态仅本单位和审核人员可见",
                      _json(ref(model), label), (404,), OPTIONAL_TOKEN),
            "patch": op(f"update{model}", f"修改本单位的{label}（只需给出要改的字段）；已发布的修改后重新进入审核",
                        _json(ref(model), "修改后的内容"), WRITE_ERRORS, TOKEN, body=f"{model}Patch",
                        links=_listing_links(kind, model, label, "/id")),
        },
        f"/{path}/{{{kind}_id}}/actions": {
            "parameters": [listing_id],
            "post": op(f"actOn{model}", "生命周期操作：submit、recall、withdraw（本单位）；approve、return、take_down（审核人员）",
                       _json(ref(model), "操作后的内容"), WRITE_ERRORS, TOKEN, body="ListingAction",
                       links=_listing_links(kind, model, label, "/id")),
        },
    }


def _contract_links(source: str) -> dict:
    ident = {"contract_id": f"$response.body#{source}"}
    return {"GetContract": link("getContract", "读取该合同及其办理记录", **ident),
            "UpdateContract": link("updateContract", "修改草稿或补正中的合同", **ident),
            "ActOnContract": link("actOnContract", "提交申报、受理、登记等操作", **ident),
            "AmendContract": link("amendContract", "申请变更登记（已登记的合同）", **ident),
            "GetPayments": link("getPayments", "付款计划与到账记录（已登记的合同）", **ident)}


def _contract_paths() -> dict:
    contract_id = path_id("contract_id", "合同编号（系统内部编号）")
    filing = op("createContract", "新建合同草稿（卖方单位成员或其技术经纪人）；submit 为 true 时同时提交申报",
                _json(ref("ContractDetail"), "已创建"), (400, 401, 403, 409, 413, 415, 422), TOKEN, [IDEMPOTENCY],
                body="ContractInput", status=201, headers=LOCATION, links=_contract_links("/id"))
    filing["responses"]["200"] = {**_json(ref("ContractDetail"), "带已用过的幂等键重试：首次创建的同一份合同"),
                                  "links": _contract_links("/id")}
    amendment = {"contract_id": "$response.body#/contract_id", "amendment_id": "$response.body#/id"}
    return {
        "/contracts": {
            "get": op("listContracts", "调用者可见的合同（本单位、经办的合同，或登记机构辖区内已申报的合同），最近更新在前",
                      _json(ref("ContractPage"), "一页合同"), (400, 401), TOKEN, params([STATUS], PAGING),
                      links=_contract_links("/items/0/id")),
            "post": filing,
        },
        "/contracts/{contract_id}": {
            "parameters": [contract_id],
            "get": op("getContract", "一份合同及其办理记录", _json(ref("ContractDetail"), "合同"), (401, 404), TOKEN,
                      links={"ActOnAmendment": link(
                          "actOnAmendment", "审核或撤回该合同的第一份变更申请",
                          contract_id="$response.body#/id", amendment_id="$response.body#/amendments/0/id")}),
            "patch": op("updateContract", "修改草稿或补正中的合同（卖方一侧；双方单位不能改）",
                        _json(ref("ContractDetail"), "修改后的合同"), WRITE_ERRORS, TOKEN, body="ContractPatch",
                        links=_contract_links("/id")),
        },
        "/contracts/{contract_id}/actions": {
            "parameters": [contract_id],
            "post": op("actOnContract", "登记流程操作：file、withdraw（卖方一侧）；accept、return、first_review、register、refuse、"
                                        "cancel（辖区登记机构）。变更登记请用 /contracts/{contract_id}/amendments",
                       _json(ref("ContractDetail"), "操作后的合同"), WRITE_ERRORS, TOKEN, body="ContractAction",
                       links=_contract_links("/id")),
        },
        "/contracts/{contract_id}/amendments": {
            "parameters": [contract_id],
            "post": op("amendContract", "申请变更登记（已登记的合同；卖方一侧或辖区登记机构）：只需给出要变更的字段和 reason；"
                                        "卖方不能变更。经登记机构审核后生效（变更前或变更后技术交易额达 500 万元的须复核）",
                       _json(ref("ContractDetail"), "已提交申请的合同（amendments 中为新申请）"), WRITE_ERRORS, TOKEN,
                       body="AmendmentInput", status=201, headers=LOCATION, links={
                           "GetContract": link("getContract", "读取该合同", contract_id="$response.body#/id"),
                           "ActOnAmendment": link("actOnAmendment", "审核或撤回该合同的第一份变更申请（合同的第一次变更时即为本申请）",
                                                  contract_id="$response.body#/id",
                                                  amendment_id="$response.body#/amendments/0/id")}),
        },
        "/contracts/{contract_id}/amendments/{amendment_id}/actions": {
            "parameters": [contract_id, path_id("amendment_id", "变更申请编号")],
            "post": op("actOnAmendment", "审核变更申请：first_review、approve、refuse（辖区登记机构；已结账年度由管理员）；"
                                         "withdraw（卖方一侧）",
                       _json(ref("Amendment"), "操作后的变更申请"), WRITE_ERRORS, TOKEN, body="AmendmentAction",
                       links={"ActOnAmendment": link("actOnAmendment", "下一步审核", **amendment),
                              "GetContract": link("getContract", "读取该合同",
                                                  contract_id="$response.body#/contract_id")}),
        },
    }


def _deal_paths() -> dict:
    """Trades and their bids, tenders, and a contract's payments on record (api/deals.py)."""
    trade_id, tender_id = path_id("trade_id", "交易编号"), path_id("tender_id", "招标编号")
    contract_id = path_id("contract_id", "合同编号（系统内部编号）")
    key = {**IDEMPOTENCY, "description": "1–64 个字母、数字或 _ . : -；带同一个键重试只记录一次（首次 201，之后 200）"}
    bid = op("placeBid", "以本单位名义出价（已获准参与该竞价的单位成员）：增价竞价不低于当前价加加价幅度，密封竞价每家一次",
             _json(ref("Bid"), "已接受的出价"), WRITE_ERRORS, TOKEN, [key], body="BidInput", status=201, headers=LOCATION,
             links=get_trade("/trade_id"))
    bid["responses"]["200"] = _json(ref("Bid"), "带已用过的键重试：首次接受的同一笔出价")
    payment = op("recordPayment", "登记一笔到账（已登记合同的双方单位成员或其经纪人），附付款回单 PDF；累计不超过合同成交额",
                 _json(ref("Payment"), "已登记的到账"), WRITE_ERRORS, TOKEN, [key], body="PaymentInput", status=201,
                 headers=LOCATION, links={"GetPayments": link("getPayments", "该合同的付款计划与到账记录",
                                                              contract_id="$response.body#/contract_id"),
                                          "VoidPayment": link("voidPayment", "作废这笔到账（如系误登记）",
                                                              contract_id="$response.body#/contract_id",
                                                              payment_id="$response.body#/id")})
    payment["responses"]["200"] = _json(ref("Payment"), "带已用过的键重试：首次登记的同一笔到账")
    return {
        "/trades": {"get": op("listTrades", "成果定价与交易（协议定价公示、挂牌、拍卖、密封竞价），最新在前",
                              _json(ref("TradePage"), "一页交易"), (400,), parameters=params(TRADE_PARAMS),
                              links={"GetTrade": link("getTrade", "读取第一项交易",
                                                      trade_id="$response.body#/items/0/id")})},
        "/trades/{trade_id}": {
            "parameters": [trade_id],
            "get": op("getTrade", "一项交易：结束后含全部出价记录；进行中只含调用者本单位的出价", _json(ref("TradeDetail"), "交易"),
                      (404,), OPTIONAL_TOKEN, links={
                          "PlaceBid": link("placeBid", "对该交易出价", trade_id="$response.body#/id"),
                          "RegisterForTrade": link("registerForTrade", "报名参与该交易", trade_id="$response.body#/id"),
                          "ObjectToTrade": link("objectToTrade", "对该协议定价公示提出异议", trade_id="$response.body#/id"),
                          "WithdrawTrade": link("withdrawTrade", "撤回该交易（发布单位）", trade_id="$response.body#/id"),
                          "DraftTradeContract": link("draftTradeContract", "成交后生成合同草稿（发布单位）",
                                                     trade_id="$response.body#/id")}),
        },
        "/trades/{trade_id}/bids": {"parameters": [trade_id], "post": bid},
        "/trades/{trade_id}/registrations": {
            "parameters": [trade_id],
            "post": op("registerForTrade", "以本单位名义报名：挂牌交易登记为意向受让方（即时生效），拍卖、密封竞价报名竞买（发布单位审核、"
                                           "登记保证金后方可出价）", _json(ref("TradeParty"), "报名"), WRITE_ERRORS, TOKEN,
                       body="RegistrationInput", status=201, headers=LOCATION,
                       links={**get_trade("/trade_id"),
                              "DecideRegistration": link("decideRegistration", "审核该报名（发布单位）",
                                                         trade_id="$response.body#/trade_id",
                                                         party_id="$response.body#/id")}),
        },
        "/trades/{trade_id}/objections": {
            "parameters": [trade_id],
            "post": op("objectToTrade", "公示期内对协议定价提出异议（登录用户，每人每项最多 3 条），发布单位须答复",
                       _json(ref("Objection"), "已提交的异议"), (400, 401, 404, 409, 413, 415, 422), TOKEN,
                       body="ObjectionInput", status=201,
                       headers=LOCATION,
                       links={**get_trade("/trade_id"),
                              "AnswerObjection": link("answerObjection", "答复该异议（发布单位）",
                                                      trade_id="$response.body#/trade_id",
                                                      objection_id="$response.body#/id")}),
        },
        "/trades/{trade_id}/registrations/{party_id}/decision": {
            "parameters": [trade_id, path_id("party_id", "报名编号")],
            "post": op("decideRegistration", "发布单位审核竞买报名：approve（登记已收保证金，元）或 reject（写明原因）",
                       _json(ref("TradeParty"), "审核后的报名"), WRITE_ERRORS, TOKEN, body="PartyDecision",
                       links=get_trade("/trade_id")),
        },
        "/trades/{trade_id}/objections/{objection_id}/answer": {
            "parameters": [trade_id, path_id("objection_id", "异议编号")],
            "post": op("answerObjection", "发布单位答复异议：dismiss（不成立）或 uphold（成立，协议定价不成交）",
                       _json(ref("Objection"), "答复后的异议"), WRITE_ERRORS, TOKEN, body="ObjectionAnswer",
                       links=get_trade("/trade_id")),
        },
        "/trades/{trade_id}/withdraw": {
            "parameters": [trade_id],
            "post": op("withdrawTrade", "发布单位撤回进行中的交易（已有出价的竞价不能撤回），写明原因",
                       _json(ref("TradeDetail"), "撤回后的交易"), WRITE_ERRORS, TOKEN, body="TradeWithdrawal",
                       links=get_trade("/id")),
        },
        "/tenders/{tender_id}/proposals/{proposal_id}/award": {
            "parameters": [tender_id, path_id("proposal_id", "投标编号")],
            "post": op("awardTender", "招标单位在开标后定标：选定一份投标，其余投标单位收到未中标通知",
                       _json(ref("Tender"), "定标后的招标"), WRITE_ERRORS, TOKEN, body="TenderDecision",
                       links=get_tender("/id")),
        },
        "/tenders/{tender_id}/fail": {
            "parameters": [tender_id],
            "post": op("failTender", "招标单位宣布流标（开标后）或撤回（开标前），写明原因；各投标单位收到通知",
                       _json(ref("Tender"), "结束后的招标"), WRITE_ERRORS, TOKEN, body="TenderDecision",
                       links=get_tender("/id")),
        },
        "/tenders": {"get": op("listTenders", "技术需求招标，最新在前", _json(ref("TenderPage"), "一页招标"), (400,),
                               parameters=params(TENDER_PARAMS),
                               links={"GetTender": link("getTender", "读取第一项招标",
                                                        tender_id="$response.body#/items/0/id")})},
        "/tenders/{tender_id}": {
            "parameters": [tender_id],
            "get": op("getTender", "一项招标：要求、预算上限、截止与开标时间和投标数（开标前投标内容任何人不可见）",
                      _json(ref("Tender"), "招标"), (404,), links={
                          "SubmitProposal": link("submitProposal", "投标", tender_id="$response.body#/id"),
                          "FailTender": link("failTender", "流标或撤回（招标单位）", tender_id="$response.body#/id"),
                          "DraftTenderContract": link("draftTenderContract", "定标后生成合同草稿（中标单位）",
                                                      tender_id="$response.body#/id")}),
        },
        "/tenders/{tender_id}/proposals": {
            "parameters": [tender_id],
            "post": op("submitProposal", "以本单位名义投标（科研机构、高校成员；截止前再次提交即替换）：开标前任何人都看不到报价和方案",
                       _json(ref("Proposal"), "已提交的投标（只返回本单位自己的）"), WRITE_ERRORS, TOKEN,
                       body="ProposalInput", status=201, headers=LOCATION,
                       links={**get_tender("/tender_id"),
                              "AwardTender": link("awardTender", "开标后定标该投标（招标单位）",
                                                  tender_id="$response.body#/tender_id",
                                                  proposal_id="$response.body#/id"),
                              "ScoreProposal": link("scoreProposal", "开标后为该投标评分（招标单位）",
                                                    tender_id="$response.body#/tender_id",
                                                    proposal_id="$response.body#/id")}),
        },
        "/contracts/{contract_id}/payments": {
            "parameters": [contract_id],
            "get": op("getPayments", "合同的付款计划与到账记录（合同双方、其经纪人和辖区登记机构）",
                      _json(ref("PaymentRecord"), "付款计划与到账"), (401, 404), TOKEN,
                      links={"RecordPayment": link("recordPayment", "为该合同登记一笔到账",
                                                   contract_id="$response.body#/contract_id"),
                             "SetPaymentPlan": link("setPaymentPlan", "登记或修改付款计划",
                                                    contract_id="$response.body#/contract_id"),
                             "VoidPayment": link("voidPayment", "作废第一笔到账", contract_id="$response.body#/contract_id",
                                                 payment_id="$response.body#/payments/0/id")}),
            "post": payment,
        },
        "/contracts/{contract_id}/payment-plan": {
            "parameters": [contract_id],
            "put": op("setPaymentPlan", "登记或替换付款计划（已登记合同的双方单位成员或其经纪人；最多 12 期，合计不超过合同成交额）",
                      _json(ref("PaymentRecord"), "保存后的付款计划与到账"), WRITE_ERRORS, TOKEN, body="PaymentPlan",
                      links={"GetPayments": link("getPayments", "付款计划与到账记录",
                                                 contract_id="$response.body#/contract_id")}),
        },
        "/contracts/{contract_id}/payments/{payment_id}/void": {
            "parameters": [contract_id, path_id("payment_id", "到账记录编号")],
            "post": op("voidPayment", "作废一笔误登记的到账（登记它的单位，须写明原因）：记录保留，不再计入到账金额",
                       _json(ref("Payment"), "已作废的到账"), WRITE_ERRORS, TOKEN, body="PaymentVoid",
                       links={"GetPayments": link("getPayments", "付款计划与到账记录",
                                                  contract_id="$response.body#/contract_id")}),
        },
    }


def _deal_making_paths() -> dict:
    """Putting a result or a need up for a deal, scoring, and the deal's contract draft (api/deal_making.py)."""
    trade_id, tender_id = path_id("trade_id", "交易编号"), path_id("tender_id", "招标编号")
    trade_links = {**get_trade("/id"),
                   "WithdrawTrade": link("withdrawTrade", "撤回该交易", trade_id="$response.body#/id"),
                   "DraftTradeContract": link("draftTradeContract", "成交后生成合同草稿", trade_id="$response.body#/id")}
    tender_links = {**get_tender("/id"),
                    "FailTender": link("failTender", "撤回或流标", tender_id="$response.body#/id")}
    drafts = {}
    for name, path, who, parameter in (
            ("draftTradeContract", "/trades/{trade_id}/contract", "成交的交易由成果所属单位", trade_id),
            ("draftTenderContract", "/tenders/{tender_id}/contract", "定标的招标由中标单位", tender_id)):
        draft = op(name, f"生成合同草稿：{who}生成，双方、价格和定价方式已填好，之后照常修改、申报登记；每项交易只生成一份",
                   _json(ref("ContractDetail"), "新生成的合同草稿"), WRITE_ERRORS, TOKEN, body="ContractDraftInput",
                   status=201, headers=LOCATION, links=_contract_links("/id"))
        draft["responses"]["200"] = _json(ref("ContractDetail"), "此前已生成的同一份合同（不再新建）")
        drafts[path] = {"parameters": [parameter], "post": draft}
    return {
        "/results/{result_id}/trades": {
            "parameters": [path_id("result_id", "成果编号")],
            "post": op("publishTrade", "为本单位已发布的成果定价交易：协议定价公示（agreed）、挂牌（listed）、拍卖（auction）、"
                                       "密封竞价（sealed）；每项成果同时只能有一项进行中或已成交的交易",
                       _json(ref("TradeDetail"), "已发布的交易"), WRITE_ERRORS, TOKEN, body="TradeInput",
                       status=201, headers=LOCATION, links=trade_links),
        },
        "/needs/{need_id}/tenders": {
            "parameters": [path_id("need_id", "需求编号")],
            "post": op("publishTender", "为本单位已发布的需求发布招标：要求、公开的预算上限、投标截止和开标时间",
                       _json(ref("Tender"), "已发布的招标"), WRITE_ERRORS, TOKEN, body="TenderInput",
                       status=201, headers=LOCATION, links=tender_links),
        },
        "/tenders/{tender_id}/proposals/{proposal_id}/score": {
            "parameters": [tender_id, path_id("proposal_id", "投标编号")],
            "post": op("scoreProposal", "招标单位在开标后为投标评分（0–100）并写评语；再次评分即替换，每次都记入招标记录",
                       _json(ref("Proposal"), "评分后的投标"), WRITE_ERRORS, TOKEN, body="ProposalScore",
                       links={**get_tender("/tender_id"),
                              "AwardTender": link("awardTender", "定标该投标", tender_id="$response.body#/tender_id",
                                                  proposal_id="$response.body#/id")}),
        },
        **drafts,
    }


def _read_paths() -> dict:
    return {
        "/": {"get": op("index", "API 入口", _json(ref("Index"), "名称与版本"))},
        "/openapi.json": {"get": op("openapi", "本文档（OpenAPI 3.1）", _json({"type": "object"}, "OpenAPI 文档"))},
        "/me": {"get": op("me", "令牌所属用户", _json(ref("Me"), "当前用户"), (401,), TOKEN)},
        "/search": {"get": op("search", "全文检索已发布的成果或需求，按相关度排序",
                              _json(ref("SearchPage"), "一页检索结果"), READ_ERRORS,
                              parameters=params(SEARCH_PARAMS))},
        "/needs/{need_id}/matches": {
            "parameters": [path_id("need_id", "需求编号")],
            "get": op("needMatches", "为需求推荐的已发布成果（得分与理由），经纪人、登记机构和需求发布单位可用",
                      _json(ref("Matches"), "推荐结果，最佳在前"), (400, 401, 403, 404), TOKEN, params([LIMIT]),
                      links={"GetResult": link("getResult", "读取推荐的第一项成果",
                                               result_id="$response.body#/items/0/result_id")}),
        },
        "/stats/regions": {"get": op("statsRegions", "下级地区的登记件数、成交额与排名",
                                     _json(ref("StatsRegions"), "地区表"), READ_ERRORS,
                                     parameters=params(STATS_PARAMS["regions"]))},
        "/stats/breakdown": {"get": op("statsBreakdown", "按类型、领域、单位类型或知识产权分类的统计",
                                       _json(ref("StatsBreakdown"), "分类表"), READ_ERRORS,
                                       parameters=params(STATS_PARAMS["breakdown"]))},
        "/verify/{registration_no}": {
            "parameters": [{"name": "registration_no", "in": "path", "required": True, "description": "登记号",
                            "schema": string(maxLength=64)}],
            "get": op("verify", "公开核验登记号：有效、已变更或已撤销，登记日期、合同类型与双方名称（不含金额、地区）",
                      _json(ref("Verification"), "登记状态"), (404, 429)),
        },
        "/stats/paid": {"get": op("statsPaid", "到账金额（资金结算登记）：按下级地区、合同类型或技术领域，按到账日期计入期间，含上年同期",
                                  _json(ref("StatsPaid"), "到账表"), READ_ERRORS,
                                  parameters=params(STATS_PARAMS["paid"]))},
        "/stats/bulletin": {"get": op("statsBulletin", "统计简报句子", _json(ref("StatsBulletin"), "简报"), READ_ERRORS,
                                      parameters=params(STATS_PARAMS["bulletin"]))},
    }


def build_spec() -> dict:
    """The whole document (a new dict each call; the input schemas are as of today and the regions table)."""
    paths = {**_read_paths(), **_listing_paths("result", "results", "Result", "成果"),
             **_listing_paths("need", "needs", "Need", "需求"), **_contract_paths(), **_deal_paths(),
             **_deal_making_paths()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "技术市场 API", "version": "1",
                 "description": "成果、需求、技术合同、成果定价与交易、招标、资金结算登记与统计的 JSON 接口。金额一律为以元为单位、两位小数的字符串；"
                                "错误为 {\"error\": {\"code\", \"message\"}} 加 4xx 状态码：不符合本文档的为 400（参数）"
                                "或 422（请求体），符合本文档但彼此冲突或与当前状态冲突的为 409。"
                                "文本参数给空值（如 region=）等于不给。"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **inputs.components()},
            "responses": {name: _json(ref("Error"), description) for name, description in ERRORS.values()},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "flask tokens create USERNAME，或网站“API 令牌”页面"}},
        },
    }
