"""Templated government documents, invented here: one prose template per kind, with the
parties, codes, amounts, dates and 文号 drawn at random. Documents of one kind share nearly
all their text, as a site's 处罚决定书, 中标公告 or 任前公示 do, yet each is its own document."""
from __future__ import annotations

import random
from typing import Callable

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "建国志强海燕丽华文博俊杰晓明春梅秀英德明子涵浩然思远雨婷国平玉兰宏伟雪梅立新红霞永刚学军"
COUNTIES = ("雁江", "安岳", "乐至", "临空", "涪城", "游仙", "安州", "江油", "三台", "盐亭", "梓潼", "北川")
TRADES = ("商贸", "食品", "百货", "餐饮管理", "农产品", "超市", "医药连锁", "建筑工程", "市政园林", "信息技术", "物业服务")
ROADS = ("建设路", "人民南路", "滨江大道", "凤岭路", "迎宾大道", "临江西路", "南北街", "安居路", "和平东路")
GOODS = ("袋装糕点", "瓶装饮料", "速冻水饺", "散装白酒", "预包装牛肉干", "盒装牛奶", "罐头食品", "挂面")
PROJECTS = ("老旧小区改造", "农村饮水安全巩固提升", "中小学校舍维修", "城区道路照明改造", "智慧停车系统建设",
            "河道综合整治", "社区卫生服务中心设备采购", "公园绿化提升", "农贸市场改造")
BUREAUS = ("发展和改革委员会", "财政局", "教育和体育局", "交通运输局", "农业农村局", "住房和城乡建设局",
           "卫生健康委员会", "生态环境局", "水利局", "商务局", "文化广播电视和旅游局")
RANKS = ("副局长", "党组成员、副局长", "副主任", "二级调研员", "办公室主任", "科长")
SCHOOLING = ("大学学历", "研究生学历、管理学硕士", "大学学历、工学学士", "在职研究生学历")
# How a reposting site opens the document: its own source and time line, or a news dateline.
DATELINES = ("来源：资阳市人民政府网 发布时间：2024-06-13 10:20\n", "（记者 王海）2024年6月13日，",
             "本报讯 6月13日电 ")


def _name(r: random.Random) -> str:
    return r.choice(SURNAMES) + "".join(r.sample(GIVEN, r.choice((1, 2))))


def _company(r: random.Random) -> str:
    return f"资阳市{r.choice(COUNTIES)}{''.join(r.sample('鑫盛源丰泰和瑞祥宏达锦华', 2))}{r.choice(TRADES)}有限公司"


def _credit_code(r: random.Random) -> str:
    """统一社会信用代码: 91 (a company), a 6-digit region, a 9-character organisation code, a check character."""
    return "91" + "".join(r.choices("0123456789", k=6)) + "".join(r.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=10))


def _date(r: random.Random) -> str:
    return f"2024年{r.randint(1, 12)}月{r.randint(1, 28)}日"


def _address(r: random.Random) -> str:
    return f"{r.choice(COUNTIES)}区{r.choice(ROADS)}{r.randint(1, 399)}号"


def penalty(r: random.Random) -> str:
    """行政处罚决定书 of a market-supervision bureau: expired food on sale."""
    value = r.randint(3, 90) * 10
    gain = r.randint(2, value // 10) * 10
    return f"""资阳市市场监督管理局行政处罚决定书
资市监罚〔2024〕{r.randint(10, 480)}号
当事人：{_company(r)}
统一社会信用代码：{_credit_code(r)}
住所：{_address(r)}
法定代表人：{_name(r)}
{_date(r)}，本局执法人员依法对当事人的经营场所进行现场检查，发现其货架上陈列销售的{r.choice(GOODS)}已超过标签标注的保质期，共计{r.randint(5, 80)}件，货值金额{value}元。
经查，当事人于{_date(r)}从供货商处购进上述商品，未按规定查验进货日期和保质期，截至检查时已售出{r.randint(2, 40)}件，违法所得{gain}元。以上事实有现场检查笔录、询问调查笔录、进货单据及当事人营业执照复印件等证据为证。
本局认为，当事人经营超过保质期的食品，违反了《中华人民共和国食品安全法》第三十四条第十项的规定。鉴于当事人积极配合调查，主动下架并封存涉案商品，依据《中华人民共和国食品安全法》第一百二十四条第一款和《中华人民共和国行政处罚法》第三十二条的规定，本局决定对当事人作出如下行政处罚：
一、没收违法所得{gain}元；
二、罚款人民币{r.randint(5, 50) * 1000}元。
当事人应当自收到本决定书之日起十五日内，将罚没款缴至资阳市非税收入汇缴结算户。到期不缴纳罚款的，本局可以每日按罚款数额的百分之三加处罚款。
当事人如对本处罚决定不服，可以在收到本决定书之日起六十日内向资阳市人民政府申请行政复议，也可以在六个月内直接向雁江区人民法院提起行政诉讼。申请行政复议或者提起行政诉讼期间，本处罚决定不停止执行。
资阳市市场监督管理局
{_date(r)}"""


def award(r: random.Random) -> str:
    """中标结果公告 of a public procurement."""
    project = f"{r.choice(COUNTIES)}区{r.choice(PROJECTS)}项目"
    return f"""{project}中标结果公告
一、项目编号：ZYCG-2024-{r.randint(1, 999):04d}
二、项目名称：{project}
三、中标（成交）信息
供应商名称：{_company(r)}
供应商地址：{_address(r)}
中标（成交）金额：{r.randint(30, 900) * 1000 + r.randint(0, 99) * 10}元
四、主要标的信息
服务范围：按招标文件及合同约定完成项目全部内容；服务期限：{r.choice((60, 90, 120, 180, 240))}日历天；质量标准：符合国家及行业现行验收规范，一次性验收合格。
五、评审专家名单：{'、'.join(_name(r) for _ in range(5))}
六、代理服务收费标准及金额：参照国家有关规定收取，收费金额{r.randint(20, 150) * 100}元。
七、公告期限
自本公告发布之日起1个工作日。
八、其他补充事宜
本项目于{_date(r)}在资阳市公共资源交易中心开标，共有{r.randint(3, 12)}家供应商参与投标。各参加政府采购活动的供应商认为自己的权益受到损害的，可以在中标公告期限届满之日起七个工作日内，以书面形式向采购人或采购代理机构提出质疑。
九、凡对本次公告内容提出询问，请按以下方式联系。
采购人：资阳市{r.choice(COUNTIES)}区{r.choice(BUREAUS)}，联系人：{_name(r)}，联系电话：0832-{r.randint(2000000, 8999999)}
采购代理机构：四川{''.join(r.sample('诚信正德众合广源', 2))}工程项目管理有限公司，联系人：{_name(r)}，联系电话：0832-{r.randint(2000000, 8999999)}
{_date(r)}"""


def appointment(r: random.Random) -> str:
    """干部任前公示 of a city's organisation department: two to four people."""
    people = "\n".join(
        f"{_name(r)}，{r.choice('男女')}，汉族，{r.randint(1972, 1990)}年{r.randint(1, 12)}月生，{r.choice(SCHOOLING)}，"
        f"{r.randint(1992, 2012)}年{r.randint(1, 12)}月参加工作，{r.randint(1995, 2015)}年{r.randint(1, 12)}月加入中国共产党，"
        f"现任资阳市{r.choice(BUREAUS)}{r.choice(RANKS)}，拟任资阳市{r.choice(BUREAUS)}{r.choice(RANKS)}。"
        for _ in range(r.randint(2, 4)))
    month, start = r.randint(1, 12), r.randint(2, 20)
    return f"""资阳市委组织部干部任前公示公告
为进一步加强对干部选拔任用工作的监督，根据《党政领导干部选拔任用工作条例》等有关规定，经市委研究，拟提拔任用以下同志，现予以公示：
{people}
公示期为2024年{month}月{start}日至2024年{month}月{start + 6}日（5个工作日）。公示期间，个人和单位可通过来信、来电、来访等方式，向市委组织部反映公示对象在德、能、勤、绩、廉等方面的情况和问题。反映问题要实事求是，客观公正，以署真实姓名为提倡。
受理电话：028-2{r.randint(1000000, 9999999)}（工作日上午9:00—12:00，下午14:00—17:30）
来信地址：资阳市雁江区{r.choice(ROADS)}{r.randint(1, 200)}号市委组织部干部监督科（邮编：641300）
中共资阳市委组织部
2024年{month}月{start - 1}日"""


TEMPLATES: dict[str, Callable[[random.Random], str]] = {
    "行政处罚决定书": penalty, "中标结果公告": award, "任前公示": appointment}


def documents(per_template: int = 30, seed: int = 5) -> dict[str, list[str]]:
    """per_template documents of each kind, the same on every run."""
    rng = random.Random(seed)
    return {kind: [make(rng) for _ in range(per_template)] for kind, make in TEMPLATES.items()}
