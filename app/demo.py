"""The Shanghai demo company behind `flask demo load`.

A field-service company in Shanghai: about 40 engineers (six of them from two partner
contractors) based across the districts, about 200 customers (property managers,
hospitals, hotels, malls, factories, offices, schools) with their sites and installed
equipment, one template and one checklist per work type, and about 300 open work orders over the three
days after the reference day, a third of them already assigned. A few closed orders
give some assets a service history, one parent order has two children, and a few repairs
done yesterday wait for the customer's rating with the engineer's whole record: checklist
answers, photos and the customer's signature (small PNGs drawn here, in the file store).

The data is deterministic: the same seed and the same reference day give the same
rows. Database ids and work-order numbers are the exception, since they come from
sequences that a rolled-back load does not rewind.

Like every service this module takes a session, flushes and never commits; the
`flask demo load` command owns the transaction.
"""
from __future__ import annotations

import hashlib
import math
import random
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.auth.models import PartnerCompany, Role, User
from app.auth.passwords import hash_password
from app.auth.service import create_user
from app.customers.models import Asset, Contact, Customer, CustomerTier, Site
from app.engineers.models import Engineer, EngineerSkill, Skill, TimeOff, WorkingHours
from app.errors import ConflictError
from app.files.configured import current as current_file_store
from app.files.service import storage_key
from app.geo import make_point
from app.workorders.checklist_models import (Checklist, ChecklistAnswer, ChecklistItemKind,
                                             WorkOrderChecklist)
from app.workorders.checklists import publish_checklist
from app.workorders.events import record_event
from app.workorders.models import (Attachment, AttachmentKind, Channel, EventKind, FieldKind, NoteVisibility,
                                   Priority, Status, WorkOrder, WorkOrderEvent, WorkOrderSkill,
                                   WorkOrderTemplate, WorkType)
from app.workorders.numbering import next_work_order_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "gongdan-demo"
DEMO_EMAIL_DOMAIN = "demo.gongdan.dev"
# One sign-in per role, in the order `flask demo accounts` and `make run` print them.
DEMO_ACCOUNTS: list[tuple[str, str]] = [
    (role.value, f"{role.value}@{DEMO_EMAIL_DOMAIN}")
    for role in (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER, Role.ENGINEER,
                 Role.PARTNER_ENGINEER, Role.WAREHOUSE, Role.CUSTOMER)
]
_DEMO_EMAIL = dict(DEMO_ACCOUNTS)

ENGINEER_COUNT = 40
CUSTOMER_COUNT = 200
OPEN_ORDER_COUNT = 300
HISTORIC_ASSET_COUNT = 24
# Finished visits of the last weeks, so the managers' dashboard has days to show.
RECENT_WEEKS = 6
RECENT_VISITS_PER_WEEKDAY = (10, 18)
RECENT_PRIORITY_WEIGHTS = {Priority.NORMAL: 68, Priority.HIGH: 20, Priority.URGENT: 7, Priority.LOW: 5}
# A recent visit's appointment: one of three 3-hour windows of the engineer's day.
RECENT_SLOTS = (time(9, 0), time(11, 30), time(14, 30))
# Repairs done yesterday, resolved and waiting for the customer's rating.
COMPLETED_VISIT_COUNT = 4
PLANNED_DAYS = 3

# Appointment windows are offered between these hours; engineers work 08:30–17:30.
WINDOW_OPENS, WINDOW_CLOSES = time(8, 0), time(18, 0)
SHIFT_STARTS, SHIFT_ENDS = time(8, 30), time(17, 30)
# Gap kept between two visits of one engineer, for the drive across town.
TRAVEL_BUFFER = timedelta(minutes=30)


# --- the catalogue --------------------------------------------------------------------------

SKILLS: list[tuple[str, str, str]] = [
    # code, English, Chinese
    ("hvac", "HVAC", "暖通空调"),
    ("electrical", "Electrical", "电气"),
    ("plumbing", "Plumbing", "给排水"),
    ("elevator", "Elevators and escalators", "电梯与扶梯"),
    ("fire_safety", "Fire safety", "消防"),
    ("medical_imaging", "Medical imaging", "医疗影像设备"),
    ("solar_inverter", "Solar inverters", "光伏逆变器"),
    ("it_network", "IT networks", "IT 网络"),
]

# Equipment per skill: (model, serial-number prefix).
ASSET_MODELS: dict[str, list[tuple[str, str]]] = {
    "hvac": [("Daikin VRV X", "DKX"), ("Daikin VRV IV", "DK4"), ("Gree GMV6", "GMV"),
             ("Midea MDV V8", "MDV"), ("Carrier AquaEdge 19DV", "C19"), ("Trane CVHE Chiller", "TCV")],
    "electrical": [("Schneider Galaxy VS UPS", "SGV"), ("Eaton 93PM UPS", "E93"),
                   ("ABB ACS880 Drive", "ABB"), ("Cummins C500D5 Generator", "CUM"),
                   ("Siemens SIVACON S8 Switchgear", "SV8")],
    "plumbing": [("Grundfos Hydro MPC-E", "GHM"), ("Wilo SiBoost Smart", "WSB"),
                 ("A.O. Smith CHP-300 Water Heater", "AOS"), ("KSB Etanorm Pump", "KSB")],
    "elevator": [("Otis Gen2", "OG2"), ("Schindler 3300", "S33"), ("KONE MonoSpace 500", "KM5"),
                 ("Mitsubishi NEXIEZ-MRL", "MNX"), ("Hitachi VFI-II", "HVF")],
    "fire_safety": [("Notifier NFS2-3030 Fire Panel", "NFS"), ("Siemens Cerberus PRO FC724", "CPF"),
                    ("GST200 Fire Alarm Controller", "GST"), ("Grundfos Fire NKF Sprinkler Pump", "GFP")],
    "medical_imaging": [("Siemens SOMATOM go.Up", "SGU"), ("GE Revolution ACT", "GRA"),
                        ("United Imaging uCT 550", "U55"), ("Philips Ingenia 1.5T", "PI15"),
                        ("Mindray Resona 7 Ultrasound", "MR7")],
    "solar_inverter": [("Huawei SUN2000-100KTL", "HWS"), ("Sungrow SG110CX", "SGR"),
                       ("GoodWe GW50K-SMT", "GDW"), ("SMA Sunny Tripower CORE1", "SMA")],
    "it_network": [("Huawei S5735 Switch", "HS5"), ("H3C S6520X Switch", "H3C"),
                   ("Cisco Catalyst 9300", "C93"), ("Hikvision DS-9664NI NVR", "HIK"),
                   ("Ruijie RG-AP880 Access Point", "RJA")],
}

# What goes wrong, per skill: (title, what the caller said, the repair template's `symptom`).
REPAIR_ISSUES: dict[str, list[tuple[str, str, str]]] = {
    "hvac": [("空调不制冷", "办公区温度超过 28℃，室外机运转但出风不冷", "degraded"),
             ("多联机报 E3 高压故障", "控制面板显示 E3，机组反复停机", "alarm"),
             ("冷水机组异响", "压缩机启动时有金属撞击声，已手动停机", "noise"),
             ("风机盘管漏水", "吊顶滴水，下方已放置接水桶", "leak")],
    "electrical": [("UPS 电池告警", "UPS 面板提示电池老化，后备时间不足 5 分钟", "alarm"),
                   ("配电柜频繁跳闸", "二楼配电柜主开关一天内跳闸三次", "outage"),
                   ("柴油发电机无法启动", "月度试机时启动失败，蓄电池电压偏低", "outage"),
                   ("变频器过流故障", "水泵变频器报 OC 过流，水泵停转", "alarm")],
    "plumbing": [("二次供水水压不足", "高区住户反映早晚高峰水压很低", "degraded"),
                 ("热水机组不出热水", "客房热水温度不足 35℃", "outage"),
                 ("水泵机械密封漏水", "泵房地面积水，水泵轴封处滴漏", "leak"),
                 ("地下室排污泵不启动", "集水井水位接近报警线", "outage")],
    "elevator": [("电梯困人后停梯", "昨晚 3 号梯困人，已救出乘客，目前停梯待查", "outage"),
                 ("电梯运行异响", "轿厢运行到 10 层以上有摩擦声", "noise"),
                 ("电梯门反复开关", "厅门关不上，反复开关后报故障", "other"),
                 ("扶梯急停报警", "商场北侧扶梯多次自动急停", "alarm")],
    "fire_safety": [("消防主机报故障", "主机显示 12 个回路故障，无法复位", "alarm"),
                    ("喷淋泵无法自动启动", "联动测试时喷淋泵未自动启动", "outage"),
                    ("烟感频繁误报", "厨房附近烟感每天误报数次", "alarm"),
                    ("消防广播无声", "应急广播测试时 B 区无声音", "other")],
    "medical_imaging": [("CT 球管报警，无法曝光", "早班开机自检报球管温度异常，已暂停检查", "alarm"),
                        ("扫描床无法移动", "检查床升降正常，水平进出无响应", "outage"),
                        ("MRI 液氦压力报警", "监控系统提示液氦压力偏高", "alarm"),
                        ("超声图像出现伪影", "腹部探头图像有竖条纹伪影", "degraded")],
    "solar_inverter": [("逆变器离网报警", "监控平台显示逆变器离网，发电量为零", "outage"),
                       ("发电量骤降 30%", "晴天发电量比上周同期低约三成", "degraded"),
                       ("绝缘阻抗低告警", "雨后逆变器报绝缘阻抗低，无法并网", "alarm"),
                       ("组串电流异常", "第 4 路组串电流为零", "degraded")],
    "it_network": [("核心交换机端口故障", "两个上联口指示灯熄灭，部分楼层断网", "outage"),
                   ("无线 AP 大面积掉线", "三楼会议区无线信号时有时无", "degraded"),
                   ("监控录像机硬盘报警", "NVR 提示两块硬盘故障，录像中断", "alarm"),
                   ("机房网络中断", "早上 7 点起机房到分支的专线中断", "outage")],
}

INSPECTIONS: dict[str, str] = {
    "hvac": "空调系统年度能效检测",
    "electrical": "配电系统预防性试验",
    "plumbing": "二次供水水箱清洗与水质检测",
    "elevator": "电梯年度定期检验配合",
    "fire_safety": "消防设施年度检测",
    "medical_imaging": "影像设备辐射防护与性能检测",
    "solar_inverter": "光伏电站年度巡检",
    "it_network": "机房网络安全巡检",
}

# Skills that often go with a primary skill, for the second and third skill of an engineer.
RELATED_SKILLS: dict[str, list[str]] = {
    "hvac": ["electrical", "plumbing"],
    "electrical": ["hvac", "solar_inverter", "fire_safety"],
    "plumbing": ["hvac", "fire_safety"],
    "elevator": ["electrical"],
    "fire_safety": ["electrical", "plumbing"],
    "medical_imaging": ["electrical", "it_network"],
    "solar_inverter": ["electrical"],
    "it_network": ["electrical"],
}

# Primary skills of the 34 in-house engineers (the demo engineer is the first).
IN_HOUSE_PRIMARY_SKILLS = (["hvac"] * 8 + ["electrical"] * 6 + ["plumbing"] * 4 + ["fire_safety"] * 4
                           + ["medical_imaging"] * 4 + ["it_network"] * 4 + ["elevator"] * 3
                           + ["solar_inverter"])


# --- places -------------------------------------------------------------------------------

@dataclass(frozen=True)
class District:
    name: str
    name_zh: str
    lon: float
    lat: float
    spread_km: float          # how far from the centre points may fall
    customer_weight: int      # share of the customers' sites
    streets: tuple[str, ...]


DISTRICTS: list[District] = [
    District("Huangpu", "黄浦区", 121.484, 31.225, 1.5, 12, ("南京东路", "淮海中路", "西藏中路", "河南南路")),
    District("Xuhui", "徐汇区", 121.437, 31.185, 2.5, 14, ("漕溪北路", "肇嘉浜路", "宜山路", "虹桥路")),
    District("Changning", "长宁区", 121.405, 31.215, 2.5, 10, ("延安西路", "天山路", "仙霞路", "长宁路")),
    District("Jing'an", "静安区", 121.455, 31.245, 2.5, 14, ("南京西路", "延安中路", "共和新路", "江宁路")),
    District("Putuo", "普陀区", 121.400, 31.250, 2.5, 8, ("真北路", "曹杨路", "长寿路", "中山北路")),
    District("Hongkou", "虹口区", 121.488, 31.270, 2.0, 7, ("四川北路", "大连路", "曲阳路", "西江湾路")),
    District("Yangpu", "杨浦区", 121.525, 31.275, 2.5, 9, ("国定路", "黄兴路", "控江路", "长阳路")),
    District("Minhang", "闵行区", 121.385, 31.112, 5.0, 16, ("沪闵路", "七莘路", "虹井路", "剑川路")),
    District("Baoshan", "宝山区", 121.450, 31.360, 5.0, 9, ("牡丹江路", "友谊路", "共康路", "沪太路")),
    District("Jiading", "嘉定区", 121.250, 31.375, 5.0, 9, ("博乐路", "城中路", "曹安公路", "墨玉路")),
    District("Pudong", "浦东新区", 121.585, 31.215, 7.0, 30, ("世纪大道", "张江路", "金科路", "浦东南路", "川沙路")),
    District("Songjiang", "松江区", 121.225, 31.035, 5.0, 9, ("人民北路", "文诚路", "荣乐东路", "新松江路")),
    District("Qingpu", "青浦区", 121.125, 31.150, 5.0, 6, ("公园路", "华新路", "崧泽大道", "淀山湖大道")),
    District("Fengxian", "奉贤区", 121.460, 30.920, 5.0, 5, ("南桥路", "环城东路", "望园路", "百齐路")),
]
_DISTRICT = {d.name: d for d in DISTRICTS}
SUBURBAN_DISTRICTS = ("Minhang", "Baoshan", "Jiading", "Pudong", "Songjiang", "Qingpu", "Fengxian")
# Home bases per district for the 40 engineers: where the work is, more people.
ENGINEER_HOMES = {"Pudong": 6, "Minhang": 4, "Xuhui": 3, "Jing'an": 3, "Huangpu": 2, "Changning": 2,
                  "Putuo": 3, "Hongkou": 2, "Yangpu": 3, "Baoshan": 3, "Jiading": 2, "Songjiang": 3,
                  "Qingpu": 2, "Fengxian": 2}
assert sum(ENGINEER_HOMES.values()) == ENGINEER_COUNT


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points. Pure."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def scatter(rng: random.Random, lon: float, lat: float, radius_km: float) -> tuple[float, float]:
    """A point drawn uniformly from the disc of `radius_km` around (lon, lat). Pure."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111.0
    dlon = distance * math.sin(bearing) / (111.32 * math.cos(math.radians(lat)))
    return round(lon + dlon, 6), round(lat + dlat, 6)


# --- people -------------------------------------------------------------------------------

SURNAMES = [("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
            ("罗", "luo"), ("高", "gao"), ("沈", "shen"), ("顾", "gu"), ("陆", "lu"), ("蒋", "jiang")]
GIVEN_NAMES = [("伟", "wei"), ("敏", "min"), ("静", "jing"), ("磊", "lei"), ("强", "qiang"), ("军", "jun"),
               ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"),
               ("超", "chao"), ("秀英", "xiuying"), ("华", "hua"), ("平", "ping"), ("刚", "gang"),
               ("建华", "jianhua"), ("志强", "zhiqiang"), ("海燕", "haiyan"), ("晓东", "xiaodong"),
               ("文博", "wenbo"), ("俊杰", "junjie"), ("佳怡", "jiayi"), ("浩然", "haoran"), ("思远", "siyuan")]

# The people behind the back-office demo accounts (the field and customer accounts
# take the name of the engineer or contact they belong to).
STAFF_ACCOUNTS = [(Role.ADMIN, "王海峰"), (Role.MANAGER, "陈静"), (Role.AGENT, "李娜"),
                  (Role.DISPATCHER, "刘洋"), (Role.WAREHOUSE, "赵磊")]

PARTNER_COMPANIES = [
    # name, phone, the skill its engineers bring
    ("上海申梯机电工程有限公司", "+86 21 5260 8811", "elevator"),
    ("上海绿源新能源技术服务有限公司", "+86 21 6780 2234", "solar_inverter"),
]
PARTNER_ENGINEERS_PER_COMPANY = 3


# --- customers ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomerKind:
    """One line of business: how its companies and sites are named and what they run."""
    code: str
    count: int
    company_names: tuple[str, ...]     # formats taking {brand}
    site_names: tuple[str, ...]        # formats taking {brand} and {district}
    skill_weights: dict[str, int]
    vip_rate: float
    suburban: bool = False


CUSTOMER_KINDS = [
    CustomerKind("property", 55, ("上海{brand}物业管理有限公司", "上海{brand}物业服务有限公司"),
                 ("{brand}大厦", "{brand}花园", "{brand}国际广场", "{brand}商务中心", "{brand}公寓"),
                 {"hvac": 4, "elevator": 4, "fire_safety": 3, "plumbing": 3, "electrical": 2}, 0.10),
    CustomerKind("office", 35, ("上海{brand}信息技术有限公司", "{brand}软件（上海）有限公司"),
                 ("{brand}科技总部", "{brand}研发中心", "{brand}数据中心", "{brand}{district}办公室"),
                 {"it_network": 4, "hvac": 3, "electrical": 3}, 0.10),
    CustomerKind("factory", 30, ("上海{brand}精密机械有限公司", "上海{brand}电子科技有限公司",
                                 "{brand}汽车零部件（上海）有限公司"),
                 ("{brand}一厂", "{brand}二厂", "{brand}物流仓库", "{brand}研发楼"),
                 {"solar_inverter": 4, "electrical": 4, "hvac": 2}, 0.10, suburban=True),
    CustomerKind("mall", 20, ("上海{brand}商业管理有限公司",),
                 ("{brand}广场", "{brand}购物中心", "{brand}天地", "{brand}奥特莱斯"),
                 {"hvac": 4, "elevator": 4, "fire_safety": 3, "electrical": 2}, 0.20),
    CustomerKind("hotel", 25, ("上海{brand}酒店管理有限公司",),
                 ("{brand}大酒店", "{brand}精选酒店（{district}店）", "{brand}国际酒店", "{brand}度假酒店"),
                 {"hvac": 4, "elevator": 3, "plumbing": 3, "it_network": 2}, 0.20),
    CustomerKind("hospital", 20, ("上海{brand}医院", "上海{brand}口腔医院", "上海{brand}妇产科医院",
                                  "上海{brand}康复医院"),
                 ("{brand}医院本部", "{brand}医院{district}分院", "{brand}医院门诊部", "{brand}体检中心"),
                 {"medical_imaging": 6, "hvac": 2, "electrical": 2, "elevator": 1}, 0.40),
    CustomerKind("school", 15, ("上海市{brand}中学", "上海{brand}外国语学校", "上海{brand}国际学校"),
                 ("{brand}校本部", "{brand}{district}校区", "{brand}体育馆"),
                 {"hvac": 3, "it_network": 3, "fire_safety": 2, "solar_inverter": 1}, 0.05),
]
assert sum(kind.count for kind in CUSTOMER_KINDS) == CUSTOMER_COUNT

BRANDS = [("瑞丰", "ruifeng"), ("恒通", "hengtong"), ("金桥", "jinqiao"), ("华虹", "huahong"),
          ("申城", "shencheng"), ("东方", "dongfang"), ("汇德", "huide"), ("鼎盛", "dingsheng"),
          ("嘉和", "jiahe"), ("新港", "xingang"), ("海纳", "haina"), ("永盛", "yongsheng"),
          ("星河", "xinghe"), ("宏远", "hongyuan"), ("天越", "tianyue"), ("明珠", "mingzhu"),
          ("中盈", "zhongying"), ("宝隆", "baolong"), ("佳和", "jiahe2"), ("凯瑞", "kairui"),
          ("博雅", "boya"), ("润泽", "runze"), ("安盛", "ansheng"), ("世纪", "shiji"), ("华信", "huaxin"),
          ("祥和", "xianghe"), ("信达", "xinda"), ("远景", "yuanjing"), ("正大", "zhengda"),
          ("汇金", "huijin"), ("百联", "bailian"), ("新华", "xinhua"), ("长风", "changfeng"),
          ("天安", "tianan"), ("合生", "hesheng"), ("国盛", "guosheng"), ("云锦", "yunjin"),
          ("浦江", "pujiang"), ("滨江", "binjiang"), ("紫竹", "zizhu"), ("绿地", "lvdi2"),
          ("万源", "wanyuan"), ("锦绣", "jinxiu"), ("同济", "tongji2"), ("春申", "chunshen")]

ACCESS_NOTES = [
    "请从 B2 停车场货梯上楼，需提前一天向物业报备",
    "进入设备机房需联系物业值班室（分机 8001）开门",
    "访客需携带身份证在大堂登记，领取临时门禁卡",
    "夜间与周末施工需物业书面许可",
    "屋顶设备需系安全带，持登高作业证",
    "地下车库限高 2.1 m，工程车请停在北门临时车位",
    "设备间钥匙在保安室，取用需签字",
    "施工前请与工程部主管确认停机时间",
]
HOSPITAL_ACCESS_NOTES = [
    "影像科仅 12:00–13:30 可停机检修，请提前与科室确认",
    "进入放射区域需佩戴剂量计，由设备科陪同",
    "请从后勤通道进入，避开门诊高峰",
]


# --- work orders ----------------------------------------------------------------------------

WORK_TYPE_WEIGHTS = {WorkType.REPAIR: 50, WorkType.MAINTENANCE: 25, WorkType.INSPECTION: 15,
                     WorkType.INSTALLATION: 10}
PRIORITY_WEIGHTS = {Priority.URGENT: 5, Priority.HIGH: 20, Priority.NORMAL: 60, Priority.LOW: 15}
CHANNEL_WEIGHTS = {Channel.PHONE: 45, Channel.WECHAT: 22, Channel.WEB: 15, Channel.EMAIL: 12, Channel.API: 6}
CHANNEL_INTROS = {Channel.PHONE: "客户来电反映：", Channel.WECHAT: "企业微信报修：",
                  Channel.WEB: "网页报修单：", Channel.EMAIL: "邮件报修：", Channel.API: "楼宇管理系统自动告警："}
DURATION_RANGES_MIN = {WorkType.REPAIR: (60, 180), WorkType.MAINTENANCE: (60, 240),
                       WorkType.INSPECTION: (30, 120), WorkType.INSTALLATION: (120, 240)}
# A dispatcher plans the nearest days first and the most pressing orders first.
ASSIGNED_SHARE_BY_DAY = {1: 0.55, 2: 0.30, 3: 0.15}
ASSIGNED_FACTOR_BY_PRIORITY = {Priority.URGENT: 1.3, Priority.HIGH: 1.15, Priority.NORMAL: 1.0,
                               Priority.LOW: 0.7}
RESOLUTIONS = [
    ("part_replaced", "更换故障部件，试运行正常"),
    ("repaired", "检修线路与接头，恢复正常运行"),
    ("adjusted", "重新调整参数与设定值，运行稳定"),
    ("cleaned", "清洁滤网与换热器，性能恢复"),
    ("no_fault_found", "现场测试未复现故障，已向客户说明观察要点"),
]

FieldValue = Callable[[random.Random, date], Any]


@dataclass(frozen=True)
class TemplateField:
    key: str
    label: str
    kind: FieldKind
    required: bool
    sample: FieldValue
    choices: tuple[str, ...] = ()
    # Number fields: the accepted range (None: open on that side).
    min_value: float | None = None
    max_value: float | None = None

    def spec(self) -> dict[str, Any]:
        """The field as stored in `WorkOrderTemplate.fields`."""
        spec = {"key": self.key, "label": self.label, "kind": self.kind.value, "required": self.required}
        if self.choices:
            spec["choices"] = list(self.choices)
        for bound in ("min_value", "max_value"):
            if getattr(self, bound) is not None:
                spec[bound] = getattr(self, bound)
        return spec


def _pick_some(choices: tuple[str, ...]) -> FieldValue:
    return lambda rng, today: sorted(rng.sample(choices, rng.randint(1, min(3, len(choices)))),
                                     key=choices.index)


def _iso_days_from(low: int, high: int) -> FieldValue:
    return lambda rng, today: (today + timedelta(days=rng.randint(low, high))).isoformat()


SYMPTOMS = ("outage", "alarm", "noise", "leak", "degraded", "other")
VISIT_TYPES = ("monthly", "quarterly", "semi_annual", "annual")
MAINTENANCE_TASKS = ("filters", "belts", "refrigerant", "electrical_connections", "safety_devices", "firmware")
INSPECTION_SCOPES = ("fire_code", "electrical_safety", "pressure_vessels", "lift_annual", "radiation_safety")
POWER_SUPPLIES = ("220V", "380V", "10kV")

TEMPLATES: dict[WorkType, tuple[str, list[TemplateField]]] = {
    WorkType.REPAIR: ("报修单 Repair", [
        TemplateField("symptom", "故障现象 Symptom", FieldKind.CHOICE, True,
                      lambda rng, today: rng.choice(SYMPTOMS), SYMPTOMS),
        TemplateField("equipment_down", "设备停机 Equipment down", FieldKind.BOOLEAN, True,
                      lambda rng, today: rng.random() < 0.4),
        TemplateField("fault_code", "故障代码 Fault code", FieldKind.TEXT, False,
                      lambda rng, today: f"{rng.choice('EFHLP')}{rng.randint(1, 99):02d}"),
        TemplateField("first_noticed_on", "首次发现日期 First noticed", FieldKind.DATE, False,
                      _iso_days_from(-7, 0)),
    ]),
    WorkType.MAINTENANCE: ("保养单 Maintenance", [
        TemplateField("contract_no", "维保合同号 Contract no.", FieldKind.TEXT, True,
                      lambda rng, today: f"SH-MC-{today.year - rng.randint(0, 2)}-{rng.randint(1, 999):03d}"),
        TemplateField("visit_type", "保养类型 Visit type", FieldKind.CHOICE, True,
                      lambda rng, today: rng.choice(VISIT_TYPES), VISIT_TYPES),
        TemplateField("tasks", "保养项目 Tasks", FieldKind.MULTI_CHOICE, False,
                      _pick_some(MAINTENANCE_TASKS), MAINTENANCE_TASKS),
        TemplateField("running_hours", "累计运行小时 Running hours", FieldKind.NUMBER, False,
                      lambda rng, today: rng.randrange(500, 40000, 10), min_value=0, max_value=200000),
    ]),
    WorkType.INSPECTION: ("检测单 Inspection", [
        TemplateField("scope", "检测范围 Scope", FieldKind.MULTI_CHOICE, True,
                      _pick_some(INSPECTION_SCOPES), INSPECTION_SCOPES),
        TemplateField("certificate_required", "需出具报告 Certificate required", FieldKind.BOOLEAN, True,
                      lambda rng, today: rng.random() < 0.7),
        TemplateField("previous_report_on", "上次检测日期 Previous report", FieldKind.DATE, False,
                      _iso_days_from(-400, -300)),
    ]),
    WorkType.INSTALLATION: ("安装单 Installation", [
        TemplateField("site_survey_done", "已完成现场勘察 Site survey done", FieldKind.BOOLEAN, True,
                      lambda rng, today: rng.random() < 0.8),
        TemplateField("units", "安装数量 Units", FieldKind.NUMBER, True,
                      lambda rng, today: rng.randint(1, 6), min_value=1, max_value=50),
        TemplateField("go_live_on", "计划投用日期 Go-live date", FieldKind.DATE, True, _iso_days_from(7, 45)),
        TemplateField("power_supply", "电源 Power supply", FieldKind.CHOICE, False,
                      lambda rng, today: rng.choice(POWER_SUPPLIES), POWER_SUPPLIES),
        TemplateField("remarks", "备注 Remarks", FieldKind.TEXT, False,
                      lambda rng, today: rng.choice(["需吊装，提前申请货梯", "旧设备由客户自行处置",
                                                     "夜间停电割接", "需配合弱电单位"])),
    ]),
}


def _item(key: str, label_zh: str, label_en: str, kind: ChecklistItemKind, required: bool = False,
          min_value: float | None = None, max_value: float | None = None, unit: str | None = None) -> dict[str, Any]:
    return {"key": key, "label_zh": label_zh, "label_en": label_en, "kind": kind, "required": required,
            "min_value": min_value, "max_value": max_value, "unit": unit}


CHECK, NUMBER, TEXT, PHOTO = (ChecklistItemKind.CHECK, ChecklistItemKind.NUMBER, ChecklistItemKind.TEXT,
                              ChecklistItemKind.PHOTO)
# What the engineer confirms, measures and photographs on site. Number ranges are the
# plausible readings (a typo is refused), not pass marks: a bad reading is still recorded.
CHECKLISTS: dict[WorkType, tuple[str, list[dict[str, Any]]]] = {
    WorkType.REPAIR: ("报修作业检查表 Repair checklist", [
        _item("power_isolated", "断电确认", "Power isolated", CHECK, True),
        _item("fault_observed", "故障现象", "Fault observed", TEXT, True),
        _item("photo_before", "维修前照片", "Photo before repair", PHOTO),
        _item("root_cause", "故障原因", "Root cause", TEXT, True),
        _item("outlet_temperature", "出风口温度", "Outlet temperature", NUMBER, min_value=0, max_value=40, unit="°C"),
        _item("test_run_ok", "试运行正常", "Test run passed", CHECK, True),
        _item("photo_after", "维修后照片", "Photo after repair", PHOTO, True),
        _item("site_cleaned", "现场已清理", "Work area cleaned up", CHECK, True),
    ]),
    WorkType.MAINTENANCE: ("保养作业检查表 Maintenance checklist", [
        _item("lockout_tagout", "挂牌上锁", "Lock-out / tag-out applied", CHECK, True),
        _item("filters_cleaned", "滤网清洁或更换", "Filters cleaned or replaced", CHECK),
        _item("connections_tightened", "电气连接紧固", "Electrical connections tightened", CHECK, True),
        _item("operating_current", "运行电流", "Operating current", NUMBER, min_value=0, max_value=630, unit="A"),
        _item("running_hours", "累计运行小时", "Running hours", NUMBER, min_value=0, max_value=200000, unit="h"),
        _item("abnormalities", "异常情况记录", "Abnormalities found", TEXT),
        _item("photo_nameplate", "铭牌照片", "Nameplate photo", PHOTO, True),
        _item("customer_briefed", "已向客户说明保养情况", "Customer briefed on the visit", CHECK, True),
    ]),
    WorkType.INSTALLATION: ("安装作业检查表 Installation checklist", [
        _item("site_matches_survey", "现场与勘察一致", "Site matches the survey", CHECK, True),
        _item("power_isolated", "断电确认", "Power isolated", CHECK, True),
        _item("supply_voltage", "电源电压", "Supply voltage", NUMBER, True, min_value=0, max_value=450, unit="V"),
        _item("serial_number", "新设备序列号", "Serial number of the new unit", TEXT, True),
        _item("commissioning_ok", "调试运行正常", "Commissioning run passed", CHECK, True),
        _item("photo_installed", "安装完成照片", "Photo of the finished installation", PHOTO, True),
        _item("customer_trained", "已培训客户操作", "Customer trained to operate it", CHECK),
    ]),
    WorkType.INSPECTION: ("检测作业检查表 Inspection checklist", [
        _item("safety_devices_tested", "安全装置测试", "Safety devices tested", CHECK, True),
        _item("insulation_resistance", "绝缘电阻", "Insulation resistance", NUMBER, min_value=0, max_value=10000,
              unit="MΩ"),
        _item("ambient_temperature", "环境温度", "Ambient temperature", NUMBER, min_value=-20, max_value=50,
              unit="°C"),
        _item("defects_found", "发现的缺陷", "Defects found", TEXT),
        _item("photo_evidence", "检测现场照片", "Photo of the inspection", PHOTO, True),
        _item("report_signed", "客户签字确认报告", "Report signed by the customer", CHECK, True),
    ]),
}
MAINTENANCE_PERIODS = {"monthly": "月度", "quarterly": "季度", "semi_annual": "半年度", "annual": "年度"}


# --- public API ------------------------------------------------------------------------------

def database_is_empty(session: Session) -> bool:
    """True when there are no users and no work orders (a fresh installation)."""
    has_users = session.scalar(select(exists().select_from(User)))
    has_orders = session.scalar(select(exists().select_from(WorkOrder)))
    return not has_users and not has_orders


def reference_day() -> date:
    """Today in Asia/Shanghai: the open orders of the demo fall on the days after it."""
    return datetime.now(SHANGHAI).date()


def load_demo(session: Session, *, seed: int, today: date | None = None) -> dict[str, int]:
    """Create the demo company and return how many of each thing were created.

    `today` is the reference day in Asia/Shanghai (default: the current date there);
    the open orders fall on the three days after it. Raises ConflictError when the
    database is not empty, since the demo accounts and serial numbers would collide."""
    if not database_is_empty(session):
        raise ConflictError("The database already has users or work orders; the demo loads only into "
                            "an empty one")
    today = today or reference_day()
    return _DemoBuilder(session, random.Random(seed), today).build()


# --- the builder -----------------------------------------------------------------------------

@dataclass
class _PlacedAsset:
    asset: Asset
    skill: str


@dataclass
class _PlacedSite:
    site: Site
    lon_lat: tuple[float, float]
    assets: list[_PlacedAsset] = field(default_factory=list)


@dataclass
class _DemoCustomer:
    customer: Customer
    kind: CustomerKind
    sites: list[_PlacedSite] = field(default_factory=list)


@dataclass
class _DemoEngineer:
    engineer: Engineer
    user: User
    home: tuple[float, float]
    skills: dict[str, int]
    weekdays: tuple[int, ...]
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)
    # Booked visits per day: (start, end) in Shanghai time.
    bookings: dict[date, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    is_demo_account: bool = False


@dataclass
class _VisitTimes:
    """When each step of a past visit happened (Shanghai time); no close yet: awaiting feedback."""
    assigned: datetime
    accepted: datetime
    travelling: datetime
    arrived: datetime
    resolved: datetime
    feedback_requested: datetime
    closed: datetime | None


@dataclass
class _PlannedOrder:
    order: WorkOrder
    customer: _DemoCustomer
    site: _PlacedSite
    day_offset: int
    engineer: _DemoEngineer | None = None


@dataclass
class _CompletedVisit:
    order: WorkOrder
    engineer: _DemoEngineer
    signer: str
    # Checklist answers of the repair checklist, photo items filled in once the photos exist.
    answers: dict[str, Any]


class _DemoBuilder:
    """Builds the demo step by step; every random draw comes from one seeded generator, in
    a fixed order, so nothing may depend on database ids or on set iteration order."""

    def __init__(self, session: Session, rng: random.Random, today: date):
        self.session = session
        self.rng = rng
        self.today = today
        self.counts: dict[str, int] = {}
        self.used_names: set[str] = set()
        self.used_serials: set[str] = set()
        self.staff: dict[Role, User] = {}
        self.engineers: list[_DemoEngineer] = []
        self.customers: list[_DemoCustomer] = []
        self.templates: dict[WorkType, WorkOrderTemplate] = {}

    def build(self) -> dict[str, int]:
        self._create_skills()
        companies = self._create_partner_companies()
        self._create_staff_accounts()
        self._create_engineers(companies)
        self._create_customers()
        self._create_templates()
        self._create_checklists()
        planned = self._plan_open_orders()
        self._schedule(planned)
        historic = self._plan_historic_orders(planned) + self._plan_recent_visits(planned)
        historic.sort(key=lambda visit: visit[0].created_at)
        completed = self._plan_completed_visits(planned)
        self._persist_orders(historic, planned, completed)
        self._record_completed_visits(completed)
        self._create_customer_account(planned)
        return self.counts

    # -- reference data and accounts --

    def _create_skills(self) -> None:
        # Skills are a catalogue that may have been filled in before any user existed.
        existing = {s.code: s for s in self.session.scalars(select(Skill))}
        for code, name_en, name_zh in SKILLS:
            skill = existing.get(code) or Skill(code=code)
            skill.name_en, skill.name_zh = name_en, name_zh
            self.session.add(skill)
        self.session.flush()
        self.counts["skills"] = len(SKILLS)

    def _create_partner_companies(self) -> list[tuple[PartnerCompany, str]]:
        companies = [(PartnerCompany(name=name, contact_phone=phone), skill)
                     for name, phone, skill in PARTNER_COMPANIES]
        self.session.add_all(company for company, _ in companies)
        self.session.flush()
        self.counts["partner companies"] = len(companies)
        return companies

    def _create_staff_accounts(self) -> None:
        for role, name in STAFF_ACCOUNTS:
            self.staff[role] = create_user(self.session, email=_DEMO_EMAIL[role.value], name=name, role=role,
                                           password=DEMO_PASSWORD, phone=self._mobile_phone())
        self.counts["accounts"] = len(STAFF_ACCOUNTS)

    # -- engineers --

    def _create_engineers(self, companies: list[tuple[PartnerCompany, str]]) -> None:
        homes = [district for district, n in ENGINEER_HOMES.items() for _ in range(n)]
        self.rng.shuffle(homes)
        # The demo accounts live centrally, so their routes on the map look plausible.
        homes.remove("Xuhui")
        homes.remove("Putuo")
        # argon2 is deliberately slow (~0.1 s a hash at full strength); the field accounts
        # share one password, so it is hashed once here instead of once per engineer.
        shared_hash = hash_password(DEMO_PASSWORD)
        in_house = len(IN_HOUSE_PRIMARY_SKILLS)
        for index in range(ENGINEER_COUNT):
            name, handle = self._person_name()
            if index < in_house:
                company, primary = None, IN_HOUSE_PRIMARY_SKILLS[index]
                district = "Xuhui" if index == 0 else homes.pop()
            else:
                company, primary = companies[(index - in_house) // PARTNER_ENGINEERS_PER_COMPANY]
                district = "Putuo" if index == in_house else homes.pop()
            role = Role.PARTNER_ENGINEER if company else Role.ENGINEER
            is_demo_account = index in (0, in_house)
            if is_demo_account:
                user = create_user(self.session, email=_DEMO_EMAIL[role.value], name=name, role=role,
                                   password=DEMO_PASSWORD, phone=self._mobile_phone(),
                                   partner_company_id=company.id if company else None)
            else:
                user = User(email=f"{handle}@{DEMO_EMAIL_DOMAIN}", username=handle, name=name, role=role,
                            phone=self._mobile_phone(), password_hash=shared_hash, locale="zh_CN",
                            partner_company=company)
            self.engineers.append(self._engineer_for(user, company, primary, district, is_demo_account))
        self._give_time_off()
        self.session.add_all(e.engineer for e in self.engineers)
        self.session.flush()
        self.counts["engineers"] = len(self.engineers)
        self.counts["partner engineers"] = sum(1 for e in self.engineers if e.engineer.partner_company)

    def _engineer_for(self, user: User, company: PartnerCompany | None, primary: str, district_name: str,
                      is_demo_account: bool) -> _DemoEngineer:
        rng = self.rng
        district = _DISTRICT[district_name]
        home = scatter(rng, district.lon, district.lat, district.spread_km)
        skills = {primary: rng.choice((2, 3))}
        for extra in rng.sample(RELATED_SKILLS[primary], min(len(RELATED_SKILLS[primary]), rng.randint(1, 2))):
            skills[extra] = rng.randint(1, 2)
        if is_demo_account:
            # Versatile, so the demo engineer's phone has a route to show.
            skills = ({"hvac": 3, "electrical": 2, "plumbing": 2} if company is None
                      else {"elevator": 3, "electrical": 2})
        weekdays = tuple(range(6)) if is_demo_account or rng.random() < 0.3 else tuple(range(5))
        engineer = Engineer(user=user, home_base=make_point(*home), home_district=district.name,
                            max_jobs_per_day=rng.randint(5, 8), partner_company=company)
        engineer.skills = [EngineerSkill(skill_code=code, level=level) for code, level in sorted(skills.items())]
        engineer.working_hours = [WorkingHours(weekday=d, starts=SHIFT_STARTS, ends=SHIFT_ENDS) for d in weekdays]
        if is_demo_account or rng.random() < 0.85:
            # Where the phone last reported: near home, at the end of yesterday's shift.
            engineer.last_position = make_point(*scatter(rng, *home, 1.0))
            engineer.last_position_at = self._at(self.today - timedelta(days=1),
                                                 time(17, 30)) + timedelta(minutes=rng.randint(0, 120))
        return _DemoEngineer(engineer=engineer, user=user, home=home, skills=skills, weekdays=weekdays,
                             is_demo_account=is_demo_account)

    def _give_time_off(self) -> None:
        day = self.today
        leave = [
            # (days from today, start, days long or end time, reason)
            (2, time(0, 0), timedelta(days=1), "年假 Annual leave"),
            (1, time(13, 0), timedelta(hours=4, minutes=30), "体检 Medical check-up"),
            (3, time(0, 0), timedelta(days=1), "厂家培训 Vendor training"),
            (8, time(0, 0), timedelta(days=5), "探亲假 Home leave"),
            (-6, time(0, 0), timedelta(days=2), "病假 Sick leave"),
        ]
        candidates = [e for e in self.engineers if not e.is_demo_account]
        for engineer, (offset, start, length, reason) in zip(self.rng.sample(candidates, len(leave)), leave):
            starts_at = self._at(day + timedelta(days=offset), start)
            engineer.engineer.time_off.append(TimeOff(starts_at=starts_at, ends_at=starts_at + length,
                                                      reason=reason))
            engineer.time_off.append((starts_at, starts_at + length))
        self.counts["time off entries"] = len(leave)

    # -- customers, sites, assets --

    def _create_customers(self) -> None:
        rng = self.rng
        for kind in CUSTOMER_KINDS:
            for _ in range(kind.count):
                brand, slug, name = self._company_name(kind)
                vip = rng.random() < kind.vip_rate
                customer = Customer(
                    name=name, tier=CustomerTier.VIP if vip else CustomerTier.STANDARD,
                    phone=self._landline(), email=f"service@{slug}.example.com",
                    notes=(f"VIP：4 小时响应，合同号 SH-SLA-{self.today.year - 1}-{rng.randint(100, 999)}"
                           if vip else None))
                customer.contacts = [self._contact(slug, n) for n in range(rng.randint(1, 2))]
                demo_customer = _DemoCustomer(customer=customer, kind=kind)
                home_district = self._site_district(kind)
                site_patterns = rng.sample(kind.site_names, rng.randint(1, min(3, len(kind.site_names))))
                for n, pattern in enumerate(site_patterns):
                    district = home_district if n == 0 else self._site_district(kind)
                    demo_customer.sites.append(self._site(customer, kind, brand, pattern, district))
                self.customers.append(demo_customer)
        self.session.add_all(c.customer for c in self.customers)
        self.session.flush()
        sites = [s for c in self.customers for s in c.sites]
        self.counts["customers"] = len(self.customers)
        self.counts["contacts"] = sum(len(c.customer.contacts) for c in self.customers)
        self.counts["sites"] = len(sites)
        self.counts["assets"] = sum(len(s.assets) for s in sites)

    def _company_name(self, kind: CustomerKind) -> tuple[str, str, str]:
        while True:
            brand, slug = self.rng.choice(BRANDS)
            name = self.rng.choice(kind.company_names).format(brand=brand)
            if name not in self.used_names:
                self.used_names.add(name)
                return brand, f"{slug}-{kind.code}", name

    def _site_district(self, kind: CustomerKind) -> District:
        if kind.suburban:
            return _DISTRICT[self.rng.choice(SUBURBAN_DISTRICTS)]
        return self.rng.choices(DISTRICTS, weights=[d.customer_weight for d in DISTRICTS])[0]

    def _contact(self, company_slug: str, n: int) -> Contact:
        name, handle = self._person_name(unique=False)
        email = f"{handle}@{company_slug}.example.com" if self.rng.random() < 0.7 else None
        return Contact(name=name, phone=self._mobile_phone(), email=email)

    def _site(self, customer: Customer, kind: CustomerKind, brand: str, pattern: str,
              district: District) -> _PlacedSite:
        rng = self.rng
        lon_lat = scatter(rng, district.lon, district.lat, district.spread_km)
        notes = None
        if rng.random() < 0.35:
            notes = rng.choice(HOSPITAL_ACCESS_NOTES if kind.code == "hospital" else ACCESS_NOTES)
        site = Site(customer=customer, name=pattern.format(brand=brand, district=district.name_zh.rstrip("区")),
                    address=f"上海市{district.name_zh}{rng.choice(district.streets)}{rng.randint(1, 2000)}号",
                    district=district.name, location=make_point(*lon_lat),
                    geofence_radius_m=rng.randrange(100, 301, 10), access_notes=notes)
        placed = _PlacedSite(site=site, lon_lat=lon_lat)
        skills = list(kind.skill_weights)
        for skill in rng.choices(skills, weights=[kind.skill_weights[s] for s in skills], k=rng.randint(1, 3)):
            asset = self._asset(skill)
            site.assets.append(asset)
            placed.assets.append(_PlacedAsset(asset=asset, skill=skill))
        return placed

    def _asset(self, skill: str) -> Asset:
        rng = self.rng
        model, prefix = rng.choice(ASSET_MODELS[skill])
        installed_on = self.today - timedelta(days=rng.randint(60, 3000))
        warranty_years = rng.choice((1, 2, 3, 5))
        while True:
            serial = f"{prefix}{installed_on.year % 100:02d}{rng.randrange(10 ** 6):06d}"
            if serial not in self.used_serials:
                self.used_serials.add(serial)
                break
        return Asset(model=model, serial_number=serial, installed_on=installed_on,
                     warranty_until=installed_on + timedelta(days=365 * warranty_years + warranty_years // 4))

    # -- templates --

    def _create_templates(self) -> None:
        for work_type, (name, fields) in TEMPLATES.items():
            self.templates[work_type] = WorkOrderTemplate(work_type=work_type, name=name,
                                                          fields=[f.spec() for f in fields], is_active=True)
        self.session.add_all(self.templates.values())
        self.session.flush()
        self.counts["templates"] = len(self.templates)

    def _create_checklists(self) -> None:
        for work_type, (name, items) in CHECKLISTS.items():
            publish_checklist(self.session, work_type=work_type, name=name, items=items,
                              actor=self.staff[Role.MANAGER])
        self.counts["checklists"] = len(CHECKLISTS)

    def _custom_fields(self, work_type: WorkType, **known: Any) -> dict[str, Any]:
        """Values for the type's template: required fields always, optional ones mostly;
        `known` values (already consistent with the order's title) win over samples."""
        values = {}
        for template_field in TEMPLATES[work_type][1]:
            if template_field.required or self.rng.random() < 0.6:
                values[template_field.key] = template_field.sample(self.rng, self.today)
        values.update(known)
        return values

    def _describe(self, work_type: WorkType, skill: str, model: str) -> tuple[str, str, dict[str, Any]]:
        """Title, what was reported, and the custom fields that agree with them."""
        rng = self.rng
        if work_type is WorkType.REPAIR:
            title, detail, symptom = rng.choice(REPAIR_ISSUES[skill])
            known = {"symptom": symptom}
            if symptom == "outage":
                known["equipment_down"] = True
            return title, detail, self._custom_fields(work_type, **known)
        fields = self._custom_fields(work_type)
        if work_type is WorkType.MAINTENANCE:
            period = MAINTENANCE_PERIODS[fields["visit_type"]]
            return f"{model} {period}保养", f"按维保合同 {fields['contract_no']} 进行{period}保养", fields
        if work_type is WorkType.INSPECTION:
            return INSPECTIONS[skill], f"{INSPECTIONS[skill]}，需现场出具检测记录", fields
        return f"新增 {model} 安装调试", f"新购 {model} 到货，安排安装与调试", fields

    # -- open orders --

    def _plan_open_orders(self) -> list[_PlannedOrder]:
        rng = self.rng
        customer_weights = [3 if c.customer.tier is CustomerTier.VIP else 1 for c in self.customers]
        planned = self._plan_parent_with_children()
        while len(planned) < OPEN_ORDER_COUNT:
            customer = rng.choices(self.customers, weights=customer_weights)[0]
            site = rng.choice(customer.sites)
            work_type = _weighted(rng, WORK_TYPE_WEIGHTS)
            placed_asset = rng.choice(site.assets)
            # A new installation is often of equipment that is not on record yet.
            asset = None if work_type is WorkType.INSTALLATION and rng.random() < 0.5 else placed_asset.asset
            priority = _weighted(rng, PRIORITY_WEIGHTS)
            if work_type is not WorkType.REPAIR and priority is Priority.URGENT:
                priority = Priority.HIGH
            channel = _weighted(rng, CHANNEL_WEIGHTS)
            title, detail, custom_fields = self._describe(work_type, placed_asset.skill, placed_asset.asset.model)
            day_offset = rng.randint(1, PLANNED_DAYS)
            order = self._new_order(
                customer, site, work_type=work_type, priority=priority, channel=channel, title=title,
                description=self._description(channel, detail, site, placed_asset.asset, customer),
                custom_fields=custom_fields, asset=asset,
                required=self._required_skills(placed_asset.skill, work_type),
                day_offset=day_offset, duration=self._duration(work_type))
            planned.append(_PlannedOrder(order=order, customer=customer, site=site, day_offset=day_offset))
        return planned

    def _plan_parent_with_children(self) -> list[_PlannedOrder]:
        """A chiller replacement at a mall: the project order and its two trades."""
        candidates = [(c, s) for c in self.customers if c.kind.code == "mall" for s in c.sites
                      if any(a.skill == "hvac" for a in s.assets)]
        customer, site = self.rng.choice(candidates)
        chiller = next(a.asset for a in site.assets if a.skill == "hvac")
        intro = f"{site.site.name}冷水机组更换：旧机组 {chiller.model}（{chiller.serial_number}）"
        parts = [
            ("冷水机组更换工程", f"{intro}整体项目，协调拆除与安装两个班组。", {"hvac": 2}, 1, time(9), 240),
            ("旧冷水机组断电隔离与拆除", f"{intro}，先断电挂牌、拆除配电与控制线路。", {"electrical": 2}, 1,
             time(13), 180),
            ("新冷水机组吊装就位与调试", f"{intro}，新机组就位后接管、充注与调试。", {"hvac": 3}, 2, time(9), 240),
        ]
        planned = []
        for title, description, required, day_offset, start, duration in parts:
            order = self._new_order(customer, site, work_type=WorkType.INSTALLATION, priority=Priority.HIGH,
                                    channel=Channel.EMAIL, title=title, description=description,
                                    custom_fields=self._custom_fields(WorkType.INSTALLATION), asset=chiller,
                                    required=required, day_offset=day_offset, duration=duration,
                                    window=(start, 3))
            if planned:
                order.parent = planned[0].order
            planned.append(_PlannedOrder(order=order, customer=customer, site=site, day_offset=day_offset))
        return planned

    def _new_order(self, customer: _DemoCustomer, site: _PlacedSite, *, work_type: WorkType,
                   priority: Priority, channel: Channel, title: str, description: str,
                   custom_fields: dict[str, Any], asset: Asset | None, required: dict[str, int],
                   day_offset: int, duration: int,
                   window: tuple[time, int] | None = None) -> WorkOrder:
        start_time, hours = window or self._window(priority)
        window_start = self._at(self.today + timedelta(days=day_offset), start_time)
        order = WorkOrder(
            channel=channel, work_type=work_type, priority=priority, status=Status.NEW, title=title,
            description=description, customer=customer.customer, site=site.site, asset=asset,
            template=self.templates[work_type], custom_fields=custom_fields,
            estimated_duration_min=duration, window_start=window_start,
            window_end=window_start + timedelta(hours=hours), created_by=self.staff[Role.AGENT])
        order.required_skills = [WorkOrderSkill(skill_code=code, level=level)
                                 for code, level in sorted(required.items())]
        return order

    def _window(self, priority: Priority) -> tuple[time, int]:
        """An appointment window of 2–4 hours inside 08:00–18:00; urgent ones are short and early."""
        hours = 2 if priority is Priority.URGENT else self.rng.choice((2, 3, 3, 4))
        latest = (WINDOW_CLOSES.hour - hours) * 60
        minutes = self.rng.randrange(WINDOW_OPENS.hour * 60, latest + 1, 30)
        if priority is Priority.URGENT:
            minutes = min(minutes, 11 * 60)
        return time(minutes // 60, minutes % 60), hours

    def _required_skills(self, skill: str, work_type: WorkType) -> dict[str, int]:
        rng = self.rng
        level = rng.choices((1, 2, 3), weights=(50, 40, 10))[0]
        if skill == "medical_imaging" or work_type is WorkType.INSTALLATION:
            level = max(level, 2)
        required = {skill: level}
        if rng.random() < 0.15:
            required[rng.choice(RELATED_SKILLS[skill])] = 1
        return self._dispatchable(required)

    def _dispatchable(self, required: dict[str, int]) -> dict[str, int]:
        """Lower or drop requirements that no engineer meets, so every order can be staffed."""
        required = {code: min(level, max((e.skills.get(code, 0) for e in self.engineers)))
                    for code, level in required.items()}
        if not any(all(e.skills.get(c, 0) >= lvl for c, lvl in required.items()) for e in self.engineers):
            primary = next(iter(required))
            required = {primary: required[primary]}
        return required

    def _duration(self, work_type: WorkType) -> int:
        low, high = DURATION_RANGES_MIN[work_type]
        return self.rng.randrange(low, high + 1, 15)

    def _description(self, channel: Channel, detail: str, site: _PlacedSite, asset: Asset,
                     customer: _DemoCustomer) -> str:
        contact = customer.customer.contacts[0]
        return (f"{CHANNEL_INTROS[channel]}{detail}。\n地点：{site.site.name}，{site.site.address}。\n"
                f"设备：{asset.model}，序列号 {asset.serial_number}。\n联系人：{contact.name} {contact.phone}")

    # -- dispatch: a greedy first plan, like a dispatcher's morning --

    def _schedule(self, planned: list[_PlannedOrder]) -> None:
        """Assign about a third of the orders to a qualified, free engineer nearby, most
        pressing first; the rest stay `new` for the dispatcher and the optimizer."""
        rank = {p: n for n, p in enumerate(PRIORITY_WEIGHTS)}
        queue = sorted(planned, key=lambda p: (rank[p.order.priority], p.order.window_start))
        for item in queue:
            share = ASSIGNED_SHARE_BY_DAY[item.day_offset] * ASSIGNED_FACTOR_BY_PRIORITY[item.order.priority]
            if self.rng.random() < share:
                self._assign_first_fit(item)

    def _assign_first_fit(self, item: _PlannedOrder) -> None:
        order = item.order
        required = {s.skill_code: s.level for s in order.required_skills}
        day = order.window_start.astimezone(SHANGHAI).date()
        candidates = []
        for engineer in self.engineers:
            if day.weekday() not in engineer.weekdays or len(engineer.bookings.get(day, [])) >= \
                    engineer.engineer.max_jobs_per_day:
                continue
            if any(engineer.skills.get(code, 0) < level for code, level in required.items()):
                continue
            distance = distance_km(engineer.home, item.site.lon_lat) + self.rng.uniform(0, 3)
            # A head start for the demo accounts, so signing in as them shows a route.
            if engineer.is_demo_account:
                distance -= 10
            candidates.append((distance, engineer))
        candidates.sort(key=lambda pair: pair[0])
        for _, engineer in candidates:
            slot = self._free_slot(engineer, order, day)
            if slot:
                start, end = slot
                engineer.bookings.setdefault(day, []).append(slot)
                order.status = Status.ASSIGNED
                order.scheduled_engineer = engineer.engineer
                order.scheduled_start, order.scheduled_end = start, end
                item.engineer = engineer
                return

    def _free_slot(self, engineer: _DemoEngineer, order: WorkOrder, day: date) -> tuple[datetime, datetime] | None:
        """The first start inside the window and the shift that clashes with no booking
        (travel buffer included) and no time off."""
        duration = timedelta(minutes=order.estimated_duration_min)
        start = max(order.window_start, self._at(day, SHIFT_STARTS))
        shift_end = self._at(day, SHIFT_ENDS)
        while start <= order.window_end and start + duration <= shift_end:
            end = start + duration
            busy = any(start < b_end + TRAVEL_BUFFER and b_start - TRAVEL_BUFFER < end
                       for b_start, b_end in engineer.bookings.get(day, []))
            away = any(start < off_end and off_start < end for off_start, off_end in engineer.time_off)
            if not busy and not away:
                return start, end
            start += timedelta(minutes=15)
        return None

    # -- history: closed orders on assets that have open ones --

    def _plan_historic_orders(self, planned: list[_PlannedOrder]) -> list[_PastVisit]:
        rng = self.rng
        with_assets = []
        for item in planned:
            if item.order.asset is not None and all(item.order.asset is not o.asset for o, _, _ in with_assets):
                skill = next(a.skill for a in item.site.assets if a.asset is item.order.asset)
                with_assets.append((item.order, item, skill))
        historic = []
        for open_order, item, skill in rng.sample(with_assets, HISTORIC_ASSET_COUNT):
            asset = open_order.asset
            for _ in range(rng.randint(1, 2)):
                work_type = rng.choice((WorkType.REPAIR, WorkType.MAINTENANCE, WorkType.MAINTENANCE,
                                        WorkType.INSPECTION))
                day = self.today - timedelta(days=rng.randint(14, 420))
                day -= timedelta(days=max(0, day.weekday() - 4))   # weekends back to Friday
                start_time, hours = self._window(Priority.NORMAL)
                window_start = self._at(day, start_time)
                duration = self._duration(work_type)
                scheduled_start = window_start + timedelta(minutes=rng.randrange(0, 61, 15))
                required = self._dispatchable({skill: rng.randint(1, 2)})
                engineer = rng.choice([e for e in self.engineers
                                       if all(e.skills.get(c, 0) >= lvl for c, lvl in required.items())])
                title, detail, custom_fields = self._describe(work_type, skill, asset.model)
                code, notes = rng.choice(RESOLUTIONS)
                order = WorkOrder(
                    channel=_weighted(rng, CHANNEL_WEIGHTS), work_type=work_type, priority=Priority.NORMAL,
                    status=Status.CLOSED, title=title, description=f"{detail}。", customer=item.customer.customer,
                    site=item.site.site, asset=asset, template=self.templates[work_type],
                    custom_fields=custom_fields, estimated_duration_min=duration,
                    window_start=window_start, window_end=window_start + timedelta(hours=hours),
                    scheduled_engineer=engineer.engineer, scheduled_start=scheduled_start,
                    scheduled_end=scheduled_start + timedelta(minutes=duration), resolution_code=code,
                    resolution_notes=notes, created_by=self.staff[Role.AGENT],
                    created_at=window_start - timedelta(days=rng.randint(1, 3)))
                order.required_skills = [WorkOrderSkill(skill_code=c, level=lvl) for c, lvl in sorted(required.items())]
                historic.append((order, engineer, self._textbook_times(order)))
        return historic

    @staticmethod
    def _textbook_times(order: WorkOrder) -> _VisitTimes:
        """An old visit, told simply: answered within the hour, on time, closed two days later."""
        start, end = order.scheduled_start, order.scheduled_end
        return _VisitTimes(assigned=order.created_at + timedelta(hours=1),
                           accepted=order.created_at + timedelta(hours=2),
                           travelling=start - timedelta(minutes=40), arrived=start, resolved=end,
                           feedback_requested=end + timedelta(minutes=10), closed=end + timedelta(days=2))

    def _plan_recent_visits(self, planned: list[_PlannedOrder]) -> list[_PastVisit]:
        """Ten to eighteen finished visits on each weekday of the last weeks, with the
        spread a real service has: answers within minutes or hours, a few late arrivals,
        visits that overrun; the last days' visits still wait for the customer's rating."""
        rng = self.rng
        sources = [item for item in planned if item.order.asset is not None]
        now = datetime.now(SHANGHAI)
        visits = []
        for days_back in range(RECENT_WEEKS * 7, 0, -1):
            day = self.today - timedelta(days=days_back)
            if day.weekday() >= 5:
                continue
            booked: Counter[int] = Counter()      # visits per engineer that day
            for _ in range(rng.randint(*RECENT_VISITS_PER_WEEKDAY)):
                item = rng.choice(sources)
                asset = item.order.asset
                skill = next(a.skill for a in item.site.assets if a.asset is asset)
                required = self._dispatchable({skill: rng.randint(1, 2)})
                able = [e for e in self.engineers if day.weekday() in e.weekdays and booked[id(e)] < len(RECENT_SLOTS)
                        and all(e.skills.get(c, 0) >= lvl for c, lvl in required.items())]
                if not able:
                    continue
                engineer = rng.choice(able)
                window_start = self._at(day, RECENT_SLOTS[booked[id(engineer)]])
                booked[id(engineer)] += 1
                priority = _weighted(rng, RECENT_PRIORITY_WEIGHTS)
                work_type = rng.choice((WorkType.REPAIR, WorkType.REPAIR, WorkType.MAINTENANCE, WorkType.INSPECTION))
                duration = self._duration(work_type)
                scheduled_start = window_start + timedelta(minutes=rng.randrange(0, 61, 15))
                if priority is Priority.URGENT:     # called in the same morning
                    created = window_start - timedelta(minutes=rng.randint(60, 180))
                else:
                    created = window_start - timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 300))
                times = self._recent_times(created, scheduled_start, window_start + timedelta(hours=3), duration)
                if times.resolved > now:
                    continue
                title, detail, custom_fields = self._describe(work_type, skill, asset.model)
                code, notes = rng.choice(RESOLUTIONS)
                order = WorkOrder(
                    channel=_weighted(rng, CHANNEL_WEIGHTS), work_type=work_type, priority=priority,
                    status=Status.CLOSED if times.closed else Status.AWAITING_FEEDBACK, title=title,
                    description=f"{detail}。", customer=item.customer.customer, site=item.site.site, asset=asset,
                    template=self.templates[work_type], custom_fields=custom_fields, estimated_duration_min=duration,
                    window_start=window_start, window_end=window_start + timedelta(hours=3),
                    scheduled_engineer=engineer.engineer, scheduled_start=scheduled_start,
                    scheduled_end=scheduled_start + timedelta(minutes=duration), resolution_code=code,
                    resolution_notes=notes, created_by=self.staff[Role.AGENT], created_at=created)
                order.required_skills = [WorkOrderSkill(skill_code=c, level=lvl) for c, lvl in sorted(required.items())]
                visits.append((order, engineer, times))
        self.counts["recent finished visits"] = len(visits)
        return visits

    def _recent_times(self, created: datetime, scheduled_start: datetime, window_end: datetime,
                      duration: int) -> _VisitTimes:
        rng = self.rng
        assigned = created + timedelta(minutes=rng.choice((rng.randint(5, 45), rng.randint(30, 240))))
        if rng.random() < 0.12:      # held up: arrives after the window closed
            arrived = window_end + timedelta(minutes=rng.randint(5, 50))
        else:
            arrived = scheduled_start + timedelta(minutes=rng.randint(-10, 25))
        travelling = arrived - timedelta(minutes=rng.randint(15, 50))
        assigned = min(assigned, travelling - timedelta(minutes=30))
        accepted = min(assigned + timedelta(minutes=rng.randint(5, 60)), travelling - timedelta(minutes=5))
        resolved = arrived + timedelta(minutes=duration + rng.randint(-15, 45))
        closed = resolved + timedelta(days=2)
        return _VisitTimes(assigned=assigned, accepted=accepted, travelling=travelling, arrived=arrived,
                           resolved=resolved, feedback_requested=resolved + timedelta(minutes=10),
                           closed=closed if closed <= datetime.now(SHANGHAI) else None)

    # -- writing orders and their events --

    def _persist_orders(self, historic: list[_PastVisit], planned: list[_PlannedOrder],
                        completed: list[_CompletedVisit]) -> None:
        # Past visits take their numbers first, in the order they were created, so numbers grow with time.
        for order in sorted([order for order, _, _ in historic] + [visit.order for visit in completed],
                            key=lambda order: order.created_at):
            order.number = next_work_order_number(self.session, at=order.created_at.astimezone(SHANGHAI))
        now = datetime.now(SHANGHAI)
        for item in planned:
            item.order.number = next_work_order_number(self.session, at=now)
        self.session.add_all([order for order, _, _ in historic] + [visit.order for visit in completed]
                             + [item.order for item in planned])
        self.session.flush()

        events = 0
        for order, engineer, times in historic:
            events += self._write_history(order, engineer, times)
        agent, dispatcher = self.staff[Role.AGENT], self.staff[Role.DISPATCHER]
        for item in planned:
            order = item.order
            record_event(self.session, order=order, kind=EventKind.CREATED, actor=agent, to_status=Status.NEW,
                         payload={"channel": order.channel.value})
            events += 1
            if order.status is Status.ASSIGNED:
                record_event(self.session, order=order, kind=EventKind.STATUS_CHANGED, actor=dispatcher,
                             action="assign", from_status=Status.NEW, to_status=Status.ASSIGNED,
                             payload=_assignment_payload(order))
                events += 1
        self.counts["open work orders"] = len(planned)
        self.counts["assigned work orders"] = sum(1 for p in planned if p.order.status is Status.ASSIGNED)
        self.counts["closed work orders"] = sum(1 for order, _, _ in historic if order.status is Status.CLOSED)
        self.counts["events"] = events

    def _write_history(self, order: WorkOrder, engineer: _DemoEngineer, times: _VisitTimes) -> int:
        """The whole lifecycle of a past visit, stamped with the times it happened.

        `record_event` stamps the server's current time, which suits live changes but
        would date a visit of last year to today; history is written directly instead."""
        agent, dispatcher, field_user = self.staff[Role.AGENT], self.staff[Role.DISPATCHER], engineer.user
        steps = [
            (EventKind.CREATED, None, None, Status.NEW, agent, order.created_at, {"channel": order.channel.value}),
            (EventKind.STATUS_CHANGED, "assign", Status.NEW, Status.ASSIGNED, dispatcher, times.assigned,
             _assignment_payload(order)),
            (EventKind.STATUS_CHANGED, "accept", Status.ASSIGNED, Status.ACCEPTED, field_user, times.accepted,
             {"engineer_id": engineer.engineer.id}),
            (EventKind.STATUS_CHANGED, "start_travel", Status.ACCEPTED, Status.EN_ROUTE, field_user,
             times.travelling, {}),
            (EventKind.STATUS_CHANGED, "check_in", Status.EN_ROUTE, Status.ON_SITE, field_user, times.arrived, {}),
            (EventKind.STATUS_CHANGED, "resolve", Status.ON_SITE, Status.RESOLVED, field_user, times.resolved,
             {"resolution_code": order.resolution_code,
              "time_spent_min": round((times.resolved - times.arrived).total_seconds() / 60)}),
            (EventKind.STATUS_CHANGED, "request_feedback", Status.RESOLVED, Status.AWAITING_FEEDBACK, agent,
             times.feedback_requested, {}),
        ]
        if times.closed is not None:
            steps.append((EventKind.STATUS_CHANGED, "close", Status.AWAITING_FEEDBACK, Status.CLOSED, agent,
                          times.closed, {"comment": None}))
        self.session.add_all(
            WorkOrderEvent(work_order_id=order.id, kind=kind, action=action, from_status=source,
                           to_status=target, actor_id=actor.id, server_time=at, payload=payload)
            for kind, action, source, target, actor, at, payload in steps)
        self.session.flush()
        return len(steps)

    # -- yesterday's repairs: resolved, with checklist, photos and signature --

    def _plan_completed_visits(self, planned: list[_PlannedOrder]) -> list[_CompletedVisit]:
        """Repairs of air conditioners visited yesterday, done and waiting for the rating."""
        rng = self.rng
        yesterday = self.today - timedelta(days=1)
        hvac_jobs = []
        for item in planned:
            asset = item.order.asset
            if asset is not None and any(a.asset is asset and a.skill == "hvac" for a in item.site.assets):
                if all(asset is not other.order.asset for other in hvac_jobs):
                    hvac_jobs.append(item)
        fitters = [e for e in self.engineers if e.skills.get("hvac", 0) >= 1 and not e.is_demo_account
                   and e.engineer.partner_company_id is None]
        visits = []
        for index, item in enumerate(rng.sample(hvac_jobs, COMPLETED_VISIT_COUNT)):
            asset, customer = item.order.asset, item.customer
            engineer = rng.choice(fitters)
            title, detail, custom_fields = self._describe(WorkType.REPAIR, "hvac", asset.model)
            window_start = self._at(yesterday, time(9 + 2 * index))
            duration = rng.randrange(60, 121, 15)
            scheduled_start = window_start + timedelta(minutes=rng.randrange(0, 31, 15))
            code, notes = rng.choice(RESOLUTIONS)
            order = WorkOrder(
                channel=Channel.PHONE, work_type=WorkType.REPAIR, priority=Priority.HIGH, status=Status.RESOLVED,
                title=title, description=f"{CHANNEL_INTROS[Channel.PHONE]}{detail}。", customer=customer.customer,
                site=item.site.site, asset=asset, template=self.templates[WorkType.REPAIR],
                custom_fields=custom_fields, estimated_duration_min=duration, window_start=window_start,
                window_end=window_start + timedelta(hours=2), scheduled_engineer=engineer.engineer,
                scheduled_start=scheduled_start, scheduled_end=scheduled_start + timedelta(minutes=duration),
                resolution_code=code, resolution_notes=notes, created_by=self.staff[Role.AGENT],
                created_at=window_start - timedelta(days=1, hours=rng.randint(1, 6)))
            order.required_skills = [WorkOrderSkill(skill_code="hvac", level=1)]
            answers = {"power_isolated": True, "fault_observed": detail, "root_cause": notes,
                       "outlet_temperature": round(rng.uniform(12, 18), 1), "test_run_ok": True,
                       "site_cleaned": True}
            visits.append(_CompletedVisit(order=order, engineer=engineer,
                                          signer=customer.customer.contacts[0].name, answers=answers))
        return visits

    def _record_completed_visits(self, visits: list[_CompletedVisit]) -> None:
        """The visits' lifecycle, files and checklist as the phone would have left them,
        stamped with the times they happened (like `_write_history`)."""
        checklist = self.session.scalar(select(Checklist).where(Checklist.work_type == WorkType.REPAIR,
                                                                Checklist.is_active))
        store = current_file_store().store
        agent, dispatcher = self.staff[Role.AGENT], self.staff[Role.DISPATCHER]
        for number, visit in enumerate(visits):
            order, field_user = visit.order, visit.engineer.user
            start, end = order.scheduled_start, order.scheduled_end
            files = [(AttachmentKind.PHOTO, "photo_before", "维修前", _photo_png(number, after=False), start + timedelta(minutes=8)),
                     (AttachmentKind.PHOTO, "photo_after", "维修后", _photo_png(number, after=True), end - timedelta(minutes=12)),
                     (AttachmentKind.SIGNATURE, None, None, _signature_png(number), end - timedelta(minutes=4))]
            events = [
                (EventKind.CREATED, None, None, Status.NEW, agent, order.created_at, None, {"channel": "phone"}),
                (EventKind.STATUS_CHANGED, "assign", Status.NEW, Status.ASSIGNED, dispatcher,
                 order.created_at + timedelta(hours=1), None, _assignment_payload(order)),
                (EventKind.STATUS_CHANGED, "accept", Status.ASSIGNED, Status.ACCEPTED, field_user,
                 order.created_at + timedelta(hours=2), None, {"engineer_id": visit.engineer.engineer.id}),
                (EventKind.STATUS_CHANGED, "start_travel", Status.ACCEPTED, Status.EN_ROUTE, field_user,
                 start - timedelta(minutes=35), start - timedelta(minutes=35, seconds=20), {}),
                (EventKind.STATUS_CHANGED, "check_in", Status.EN_ROUTE, Status.ON_SITE, field_user,
                 start, start - timedelta(seconds=25), {}),
            ]
            for kind, item_key, caption, content, at in files:
                sha = hashlib.sha256(content).hexdigest()
                key = storage_key(order.id, sha)
                if not store.exists(key):
                    store.put(key, content, content_type="image/png")
                attachment = Attachment(
                    work_order_id=order.id, kind=kind, filename=f"{item_key or 'signature'}.png",
                    content_type="image/png", size_bytes=len(content), storage_key=key, sha256=sha,
                    visibility=NoteVisibility.CUSTOMER if kind is AttachmentKind.SIGNATURE else NoteVisibility.INTERNAL,
                    caption=caption, signer_name=visit.signer if kind is AttachmentKind.SIGNATURE else None,
                    device_time=at - timedelta(seconds=30), uploaded_by_id=field_user.id, created_at=at, updated_at=at)
                self.session.add(attachment)
                self.session.flush()
                if item_key is not None:
                    visit.answers[item_key] = attachment.id
                payload = {"attachment_id": attachment.id, "kind": kind.value, "filename": attachment.filename,
                           "visibility": attachment.visibility.value}
                if attachment.signer_name:
                    payload["signer_name"] = attachment.signer_name
                events.append((EventKind.ATTACHMENT_ADDED, None, None, None, field_user, at,
                               attachment.device_time, payload))
            answered_at = end - timedelta(minutes=10)
            self.session.add(WorkOrderChecklist(work_order_id=order.id, checklist_id=checklist.id, pinned_at=answered_at))
            self.session.flush()
            self.session.add_all(ChecklistAnswer(work_order_id=order.id, checklist_id=checklist.id, item_key=key,
                                                 value=value, device_time=answered_at - timedelta(seconds=40),
                                                 answered_at=answered_at, answered_by_id=field_user.id)
                                 for key, value in visit.answers.items())
            events += [
                (EventKind.CHECKLIST, "answered", None, None, field_user, answered_at,
                 answered_at - timedelta(seconds=40),
                 {"checklist_id": checklist.id, "version": checklist.version, "pinned": True,
                  "answers": [{"item_key": key, "value": value} for key, value in visit.answers.items()]}),
                (EventKind.STATUS_CHANGED, "resolve", Status.ON_SITE, Status.RESOLVED, field_user, end,
                 end - timedelta(seconds=15),
                 {"resolution_code": order.resolution_code, "time_spent_min": order.estimated_duration_min}),
            ]
            self.session.add_all(
                WorkOrderEvent(work_order_id=order.id, kind=kind, action=action, from_status=source,
                               to_status=target, actor_id=actor.id, server_time=at, device_time=device_time,
                               payload=payload)
                for kind, action, source, target, actor, at, device_time, payload in events)
        self.session.flush()
        self.counts["resolved visits awaiting a rating"] = len(visits)

    def _create_customer_account(self, planned: list[_PlannedOrder]) -> None:
        """The customer sign-in speaks for the customer with the most open orders."""
        open_orders = Counter(id(p.customer) for p in planned)
        customer = max(self.customers, key=lambda c: open_orders[id(c)])   # first of the busiest
        contact = customer.customer.contacts[0]
        contact.email = _DEMO_EMAIL[Role.CUSTOMER.value]
        contact.user = create_user(self.session, email=contact.email, name=contact.name, role=Role.CUSTOMER,
                                   password=DEMO_PASSWORD, phone=contact.phone)
        self.session.flush()
        self.counts["accounts"] += 3   # engineer, partner engineer and customer

    # -- small draws --

    def _person_name(self, *, unique: bool = True) -> tuple[str, str]:
        """A Chinese name and a pinyin handle (unique among the demo users when asked)."""
        while True:
            surname, surname_py = self.rng.choice(SURNAMES)
            given, given_py = self.rng.choice(GIVEN_NAMES)
            name = surname + given
            if not unique or name not in self.used_names:
                self.used_names.add(name)
                return name, f"{surname_py}.{given_py}"

    def _mobile_phone(self) -> str:
        return f"+86 1{self.rng.choice('3589')}{self.rng.randint(0, 9)} {self.rng.randint(0, 9999):04d} " \
               f"{self.rng.randint(0, 9999):04d}"

    def _landline(self) -> str:
        return f"+86 21 {self.rng.randint(5000, 6999)} {self.rng.randint(0, 9999):04d}"

    @staticmethod
    def _at(day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=SHANGHAI)


# A finished visit of the demo's past: the order, who did it, and when each step happened.
_PastVisit = tuple[WorkOrder, _DemoEngineer, _VisitTimes]


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _assignment_payload(order: WorkOrder) -> dict[str, Any]:
    """The payload the lifecycle's `assign` action records, for the same timeline shape."""
    return {"engineer_id": order.scheduled_engineer.id, "previous_engineer_id": None,
            "scheduled_start": order.scheduled_start.isoformat(),
            "scheduled_end": order.scheduled_end.isoformat(), "warnings": []}


# --- pictures for the completed visits ----------------------------------------------------------

def _png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """An RGB PNG drawn by `pixel(x, y)`: enough for demo photos without an imaging library."""
    rows = b"".join(b"\x00" + bytes(channel for x in range(width) for channel in pixel(x, y))
                    for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _photo_png(number: int, *, after: bool) -> bytes:
    """An indoor unit on a wall: grimy and red-lit before the repair, clean after it."""
    wall = (214, 206, 190) if after else (180, 170, 150)
    unit = (245, 247, 250) if after else (205, 200, 188)
    light = (60, 190, 90) if after else (220, 60, 50)
    shade = number * 7

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        if 40 <= x < 200 and 50 <= y < 110:
            if 176 <= x < 184 and 96 <= y < 102:
                return light
            if y >= 100 and (x // 6) % 2 == 0:
                return (150, 150, 150)      # the louvres
            return unit
        return tuple(max(0, c - shade - y // 8) for c in wall)

    return _png(240, 160, pixel)


def _signature_png(number: int) -> bytes:
    """A customer's scrawl: a dark pen stroke on white."""
    def pixel(x: int, y: int) -> tuple[int, int, int]:
        stroke = 40 + 18 * math.sin((x + number * 11) / 14) * math.cos(x / 37)
        return (30, 40, 90) if abs(y - stroke) < 2.2 and 20 < x < 280 else (255, 255, 255)

    return _png(300, 80, pixel)
