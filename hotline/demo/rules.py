"""Plain rules that give a demo ticket its request type, district and department from the message text.

Deliberately simple and readable: the demo must not depend on the trained classifier being present.
"""

import re

from hotline.tickets.states import RequestType

# Cue words per request type, strongest first: a 举报 that also says 希望 is still a 举报.
TYPE_CUES: tuple[tuple[RequestType, tuple[str, ...]], ...] = (
    (RequestType.praise, ("表扬", "点赞", "赞扬", "锦旗")),
    (RequestType.report, ("举报", "偷排", "非法", "违法", "传销", "无证经营", "违建", "违章建筑")),
    (RequestType.complaint, ("投诉", "扰民", "乱收费", "不作为", "拖欠", "欠薪", "霸王条款", "刁难")),
    (RequestType.help, ("求助", "救助", "帮帮", "求救", "困难")),
    (RequestType.suggestion, ("建议", "提议", "呼吁", "能否", "可否")),
    (RequestType.consult, ("咨询", "请问", "是否", "如何", "怎么办", "怎样", "何时", "什么时候", "多久")),
)
# In the body only the plain words count: a body is long and mentions everything in passing.
_BODY_WORDS = {request_type: request_type.value for request_type, _ in TYPE_CUES}

# A1–A6 are districts, A7/A8 counties and A9 a county-level city, as the messages call them.
_DISTRICT = re.compile(r"A[1-9](?:区|县|市)")

# Keyword → department code, first match wins: specific subjects before broad ones (医保 before 医院, 停水 before 小区).
DEPARTMENT_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("医保", "医疗保险", "新农合"), "CITY-YB"),
    (("停水", "自来水", "水压", "水表", "水费"), "ENT-WATER"),
    (("停电", "供电", "电费", "电表", "变压器"), "ENT-POWER"),
    (("燃气", "天然气", "煤气"), "ENT-GAS"),
    (("社保", "养老保险", "工资", "欠薪", "劳动合同", "劳动仲裁", "人社", "就业", "失业", "退休", "职称"), "CITY-RS"),
    (("学校", "教师", "老师", "学生", "幼儿园", "入学", "学位", "招生", "教育", "补课", "小学", "中学"), "CITY-JY"),
    (("医院", "医生", "卫生院", "疫苗", "诊所", "计生", "生育", "卫健"), "CITY-WJ"),
    (("公交", "出租车", "的士", "地铁", "客运", "驾校", "网约车", "道路", "公路", "高速", "交通"), "CITY-JT"),
    (("派出所", "户口", "户籍", "身份证", "交警", "违停", "诈骗", "治安", "赌博", "招嫖", "涉黄", "公安"), "CITY-GA"),
    (("污染", "噪音", "噪声", "排污", "臭味", "油烟", "粉尘", "废气", "环保"), "CITY-HB"),
    (("占道", "违建", "违章建筑", "乱搭", "摆摊", "渣土", "垃圾", "城管", "路灯"), "CITY-CG"),
    (("食品", "消费者", "虚假宣传", "价格", "超市", "退款", "退费", "商家", "市场监管", "工商"), "CITY-SJ"),
    (("纳税", "发票", "税务", "个税"), "CITY-TAX"),
    (("规划", "土地", "征地", "不动产", "国土"), "CITY-ZR"),
    (("低保", "养老院", "敬老院", "婚姻登记", "殡葬", "门牌", "地名", "残疾"), "CITY-MZ"),
    (("消防", "安全隐患", "安全生产", "危化品", "应急"), "CITY-YJ"),
    (("水库", "河道", "防洪", "堤坝", "水利"), "CITY-SL"),
    (("旅游", "景区", "网吧", "广电", "文化", "体育"), "CITY-WL"),
    (("农村", "村民", "农田", "养殖", "种植", "农业"), "CITY-NY"),
    (("商务", "外贸", "电商", "招商"), "CITY-SW"),
    (("物业", "小区", "业主", "开发商", "楼盘", "房", "电梯", "拆迁", "住建"), "CITY-ZJ"),
)
FALLBACK_DEPARTMENT = "CITY-BGT"  # no subject and no district: the general office sorts it out


def request_type_of(title: str, body: str) -> RequestType:
    """Cue words in the title first, then the plain type words in the body; else 咨询 for a question, else 投诉."""
    if title.startswith(("感谢", "致谢")):  # "谢谢" inside a complaint is politeness; a title that opens with it is not
        return RequestType.praise
    for request_type, cues in TYPE_CUES:
        if any(cue in title for cue in cues):
            return request_type
    for request_type, _ in TYPE_CUES:
        if _BODY_WORDS[request_type] in body:
            return request_type
    return RequestType.consult if title.rstrip().endswith(("?", "？")) else RequestType.complaint


def district_of(text: str) -> str | None:
    found = _DISTRICT.search(text)
    return found.group(0) if found else None


def subject_department(text: str) -> str | None:
    for keywords, code in DEPARTMENT_RULES:
        if any(keyword in text for keyword in keywords):
            return code
    return None


def department_for(
    title: str, body: str, district: str | None, streets: dict[str, str], district_governments: dict[str, str]
) -> str:
    """Subject in the title → bureau; else a named street office; else the district government; else subject in
    the body → bureau; else the general office. A title names the matter, a body mentions everything in passing.

    `streets` maps a street name as the messages write it ("桂花坪街道", "安沙镇") to its code;
    `district_governments` maps a district ("A2区") to its government's code.
    """
    code = subject_department(title)
    if code:
        return code
    text = title + body
    for street_name, street_code in streets.items():
        if street_name in text:
            return street_code
    if district and district in district_governments:
        return district_governments[district]
    return subject_department(body) or FALLBACK_DEPARTMENT
