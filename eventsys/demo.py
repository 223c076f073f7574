"""A realistic bilingual demo: the 5th Sichuan-Chongqing Science and Technology Academic Conference.

Everything here is made in code and deterministic (``random.Random(2026)``): the conference
JSON of the contract (categories, six forums, eight rooms, a two-day timetable with speakers,
check-in lists), demo attendees, signed cooperation projects (签约项目) and demo logins.

The timetable is clean on purpose: no room is double-booked, no speaker is in two sessions at
once and no session holds more people than its room, so conflict detection finds nothing.

The people and projects are made up for the demo, apart from the 科协 leaders quoted in the
seed article (陆为民, 毛大付, 陈红缨, 曾能建, 徐柳), who appear in their public roles.
"""

from __future__ import annotations

import importlib
import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from eventsys.extensions import db

SLUG = "cy-2026"
DAY1 = "2026-12-18"
DAY2 = "2026-12-19"
LOGIN_URL = "http://127.0.0.1:5000/login"

# (email, password, name, role in the demo conference; None for the site admin)
DEMO_USERS: list[tuple[str, str, str, str | None]] = [
    ("organizer@example.com", "demo-organizer", "会务组 Organizer", "organizer"),
    ("staff@example.com", "demo-staff", "工作人员 Staff", "staff"),
    ("checkin@example.com", "demo-checkin", "签到员 Check-in", "checkin"),
    ("admin@example.com", "demo-admin", "系统管理员 Admin", None),
]

# --- the conference -----------------------------------------------------------------------

# code, name, name_en, capacity, requires_approval, invite_only
CATEGORIES = (
    ("delegate", "正式代表", "Delegate", 300, False, False),
    ("guest", "特邀嘉宾", "Invited Guest", 60, False, True),
    ("student", "学生", "Student", 80, True, False),
    ("enterprise", "企业代表", "Enterprise Representative", 120, False, False),
    ("media", "媒体", "Media", 30, True, False),
)

# code, name, name_en, room where its sessions take place
FORUMS = (
    ("ai", "人工智能与数字经济", "Artificial Intelligence and Digital Economy", "forum-1"),
    ("bio", "生物医药与大健康", "Biomedicine and Health", "forum-2"),
    ("mfg", "先进制造与新材料", "Advanced Manufacturing and New Materials", "forum-3"),
    ("energy", "绿色低碳与能源", "Green and Low-Carbon Development and Energy", "forum-4"),
    ("agri", "现代农业与乡村振兴", "Modern Agriculture and Rural Revitalization", "forum-5"),
    ("finance", "科技成果转化与投融资", "Technology Transfer and Investment", "forum-6"),
)

# code, name, name_en, seats
ROOMS = (
    ("main", "主会场（天府厅）", "Main Hall (Tianfu Hall)", 1200),
    ("forum-1", "第一分会场（岷江厅）", "Breakout Room 1 (Minjiang Hall)", 400),
    ("forum-2", "第二分会场（嘉陵江厅）", "Breakout Room 2 (Jialing Hall)", 300),
    ("forum-3", "第三分会场（长江厅）", "Breakout Room 3 (Changjiang Hall)", 300),
    ("forum-4", "第四分会场（沱江厅）", "Breakout Room 4 (Tuojiang Hall)", 240),
    ("forum-5", "第五分会场（涪江厅）", "Breakout Room 5 (Fujiang Hall)", 200),
    ("forum-6", "第六分会场（锦江厅）", "Breakout Room 6 (Jinjiang Hall)", 200),
    ("meeting-1", "第一会议室（青城厅）", "Meeting Room 1 (Qingcheng Hall)", 150),
)

# Parallel time slots (day, start, end) for the forums and the side meetings.
SLOTS = {
    "d1-pm1": (DAY1, "14:00", "15:40"),
    "d1-pm2": (DAY1, "16:00", "17:40"),
    "d2-am1": (DAY2, "09:00", "10:30"),
    "d2-am2": (DAY2, "10:50", "12:10"),
    "d2-pm1": (DAY2, "14:00", "15:30"),
}

# forum, number, slot, kind, title, title_en, capacity (None: as many as the room holds)
FORUM_SESSIONS = (
    ("ai", 1, "d1-pm1", "forum", "大模型与科学智能", "Large Models and AI for Science", None),
    (
        "ai",
        2,
        "d1-pm2",
        "panel",
        "圆桌对话：数据要素与数字经济高质量发展",
        "Round Table: Data as a Factor of Production and the Digital Economy",
        None,
    ),
    (
        "ai",
        3,
        "d2-am1",
        "forum",
        "智能网联与算力基础设施",
        "Intelligent Connectivity and Computing Infrastructure",
        350,
    ),
    (
        "bio",
        1,
        "d1-pm1",
        "forum",
        "创新药物研发与临床转化",
        "Drug Discovery and Clinical Translation",
        None,
    ),
    (
        "bio",
        2,
        "d1-pm2",
        "forum",
        "中医药传承创新发展",
        "Traditional Chinese Medicine: Heritage and Innovation",
        200,
    ),
    (
        "bio",
        3,
        "d2-am1",
        "forum",
        "高端医疗器械与智慧医疗",
        "High-End Medical Devices and Smart Healthcare",
        None,
    ),
    ("mfg", 1, "d1-pm1", "forum", "航空航天与高端装备", "Aerospace and High-End Equipment", None),
    (
        "mfg",
        2,
        "d1-pm2",
        "forum",
        "钒钛、锂电与先进功能材料",
        "Vanadium-Titanium, Lithium Battery and Advanced Functional Materials",
        None,
    ),
    (
        "mfg",
        3,
        "d2-am2",
        "forum",
        "智能网联新能源汽车",
        "Intelligent Connected New Energy Vehicles",
        280,
    ),
    (
        "energy",
        1,
        "d1-pm1",
        "forum",
        "清洁能源与新型电力系统",
        "Clean Energy and the New Power System",
        None,
    ),
    (
        "energy",
        2,
        "d2-am1",
        "forum",
        "碳达峰碳中和的路径与技术",
        "Pathways and Technologies for Carbon Peaking and Carbon Neutrality",
        None,
    ),
    (
        "agri",
        1,
        "d1-pm1",
        "forum",
        "种业振兴与丘陵山区智慧农业",
        "Seed Industry and Smart Farming in Hilly Areas",
        None,
    ),
    (
        "agri",
        2,
        "d2-am2",
        "panel",
        "圆桌对话：科技志愿服务助力乡村振兴",
        "Round Table: Science Volunteers for Rural Revitalization",
        150,
    ),
    (
        "finance",
        1,
        "d1-pm1",
        "forum",
        "科创中国·天府科技云成果对接",
        "Sci-Tech China and Tianfu Sci-Tech Cloud: Matching Research with Industry",
        None,
    ),
    (
        "finance",
        2,
        "d1-pm2",
        "forum",
        "科技金融与创新链产业链资金链融合",
        "Sci-Tech Finance: Linking the Innovation, Industry and Capital Chains",
        None,
    ),
    (
        "finance",
        3,
        "d2-pm1",
        "workshop",
        "重大科技成果项目路演",
        "Roadshow of Major Scientific and Technological Achievements",
        180,
    ),
)

# Where the speakers of each forum (and of the side meetings) come from.
FORUM_AFFILIATIONS = {
    "ai": (
        "电子科技大学",
        "四川大学",
        "重庆大学",
        "重庆邮电大学",
        "西南交通大学",
        "中国科学院重庆绿色智能技术研究院",
        "成都京东方光电科技有限公司",
        "四川长虹电子控股集团有限公司",
        "四川省计算机学会",
    ),
    "bio": (
        "四川大学华西医院",
        "重庆医科大学",
        "陆军军医大学第一附属医院",
        "成都中医药大学",
        "中国科学院成都生物研究所",
        "四川科伦药业股份有限公司",
        "重庆智飞生物制品股份有限公司",
        "四川省人民医院",
    ),
    "mfg": (
        "西南交通大学",
        "重庆大学",
        "中国航发四川燃气涡轮研究院",
        "东方电气集团",
        "重庆长安汽车股份有限公司",
        "攀钢集团研究院有限公司",
        "中国科学院成都有机化学研究所",
        "赛力斯集团股份有限公司",
        "四川省机械工程学会",
    ),
    "energy": (
        "四川大学",
        "西南石油大学",
        "重庆大学",
        "东方电气集团",
        "国网四川省电力公司",
        "通威股份有限公司",
        "中国科学院成都分院",
        "重庆市能源研究会",
    ),
    "agri": (
        "四川农业大学",
        "西南大学",
        "四川省农业科学院",
        "重庆市农业科学院",
        "新希望集团有限公司",
        "四川省科协",
        "重庆市科协",
        "四川省农学会",
    ),
    "finance": (
        "四川省科协",
        "重庆市科协",
        "四川省技术转移中心",
        "四川大学技术转移中心",
        "重庆大学科技成果转化中心",
        "成都科技创新投资集团有限公司",
        "重庆科技金融集团有限公司",
        "天府科技云服务中心",
    ),
    "youth": (
        "四川大学",
        "重庆大学",
        "电子科技大学",
        "西南交通大学",
        "西南大学",
        "中国科学院成都分院",
        "中国科学院光电技术研究所",
        "重庆医科大学",
        "成都理工大学",
    ),
    "stations": (
        "四川省科协",
        "重庆市科协",
        "绵阳市科协",
        "宜宾市科协",
        "东方电气集团",
        "重庆长安汽车股份有限公司",
        "四川省院士专家工作站协会",
    ),
    "journals": (
        "四川大学学报编辑部",
        "重庆大学期刊社",
        "《西南交通大学学报》编辑部",
        "四川省科技期刊编辑学会",
        "重庆市科技期刊编辑学会",
        "中国科学院成都文献情报中心",
    ),
}

# People named in the seed article, in their public roles, and the fixed cast of the plenary.
LU_WEIMIN = ("陆为民", "天津市科协")  # 党组书记、常务副主席
MAO_DAFU = ("毛大付", "四川省科协")  # 党组书记、副主席
CHEN_HONGYING = ("陈红缨", "宁夏回族自治区科协")  # 党组书记、主席
ZENG_NENGJIAN = ("曾能建", "福建省科协")  # 党组书记、副主席
XU_LIU = ("徐柳", "广州市科协")  # 党组书记、副主席
HOST_SC = ("李晓东", "四川省科协")
HOST_CQ = ("唐国平", "重庆市科协")
CAST_HQ = ("张立新", "中国科协")
KEYNOTES = (
    (
        "keynote-1",
        DAY1,
        "09:40",
        "10:20",
        "主旨报告：人工智能驱动的科学研究新范式",
        "Keynote: A New Paradigm of AI-Driven Scientific Research",
        ("刘志远", "电子科技大学"),
    ),
    (
        "keynote-2",
        DAY1,
        "10:20",
        "11:00",
        "主旨报告：成渝地区建设具有全国影响力的科技创新中心",
        "Keynote: Building a Sci-Tech Innovation Centre of National Influence in Chengdu-Chongqing",
        ("陈德明", "重庆大学"),
    ),
    (
        "keynote-3",
        DAY1,
        "11:00",
        "11:40",
        "主旨报告：新型显示与柔性电子——从实验室到生产线",
        "Keynote: Novel Displays and Flexible Electronics, from Laboratory to Production Line",
        ("赵文博", "成都京东方光电科技有限公司"),
    ),
    (
        "keynote-4",
        DAY2,
        "09:00",
        "09:45",
        "院士报告：高原医学与生命健康前沿",
        "Academician Lecture: Frontiers of High-Altitude Medicine and Life Sciences",
        ("杨国强", "四川大学华西医院"),
    ),
    (
        "keynote-5",
        DAY2,
        "09:45",
        "10:30",
        "院士报告：山地城市绿色低碳转型的科技路径",
        "Academician Lecture: Technology Pathways to Green, Low-Carbon Mountain Cities",
        ("何振宇", "中国科学院重庆绿色智能技术研究院"),
    ),
)

DESCRIPTION = (
    "川渝科技学术大会由四川省科协、重庆市科协共同主办，是川渝地区综合性、开放性的学术交流"
    "平台。第五届大会以“协同创新·共建成渝科技创新中心”为主题，设开幕式、主旨报告、川渝科技"
    "合作项目签约仪式、六个专题分论坛、青年科学家论坛和闭幕式，搭建“政产学研用金”协同融合"
    "发展平台，依托“天府科技云”推动科创项目推介、对接与合作。\n\n"
    "（本会议为系统演示数据：日程、报告人、参会者与签约项目均为虚构。）"
)

# --- people ---------------------------------------------------------------------------------

# surname, pinyin; the first ones are the most common and drawn more often
SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
    ("曾", "zeng"),
    ("肖", "xiao"),
    ("田", "tian"),
    ("董", "dong"),
    ("袁", "yuan"),
    ("潘", "pan"),
    ("蒋", "jiang"),
    ("蔡", "cai"),
    ("余", "yu"),
    ("杜", "du"),
    ("叶", "ye"),
    ("程", "cheng"),
    ("魏", "wei"),
    ("苏", "su"),
    ("吕", "lyu"),
    ("丁", "ding"),
    ("任", "ren"),
    ("沈", "shen"),
    ("姚", "yao"),
    ("卢", "lu"),
    ("钟", "zhong"),
    ("谭", "tan"),
    ("廖", "liao"),
    ("范", "fan"),
    ("汪", "wang"),
)
SURNAME_WEIGHTS = tuple(4 if i < 10 else 2 if i < 20 else 1 for i in range(len(SURNAMES)))

# given name, pinyin: one or two characters
GIVEN_NAMES = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("超", "chao"),
    ("霞", "xia"),
    ("刚", "gang"),
    ("斌", "bin"),
    ("鑫", "xin"),
    ("婷", "ting"),
    ("琳", "lin"),
    ("昊", "hao"),
    ("瑶", "yao"),
    ("帆", "fan"),
    ("凯", "kai"),
    ("蕾", "lei"),
    ("颖", "ying"),
    ("旭", "xu"),
    ("宁", "ning"),
    ("毅", "yi"),
    ("建国", "jianguo"),
    ("志强", "zhiqiang"),
    ("海燕", "haiyan"),
    ("丽华", "lihua"),
    ("思远", "siyuan"),
    ("雨桐", "yutong"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("俊杰", "junjie"),
    ("欣怡", "xinyi"),
    ("明轩", "mingxuan"),
    ("嘉怡", "jiayi"),
    ("晓燕", "xiaoyan"),
    ("国华", "guohua"),
    ("红梅", "hongmei"),
    ("永刚", "yonggang"),
    ("建华", "jianhua"),
    ("春梅", "chunmei"),
    ("宇航", "yuhang"),
    ("佳琪", "jiaqi"),
    ("梓萱", "zixuan"),
    ("一鸣", "yiming"),
    ("天佑", "tianyou"),
    ("婉清", "wanqing"),
    ("卫东", "weidong"),
    ("秀英", "xiuying"),
    ("桂英", "guiying"),
    ("玉兰", "yulan"),
    ("淑华", "shuhua"),
    ("志刚", "zhigang"),
    ("学军", "xuejun"),
    ("晓明", "xiaoming"),
    ("小红", "xiaohong"),
    ("文静", "wenjing"),
    ("雪梅", "xuemei"),
    ("海涛", "haitao"),
    ("建军", "jianjun"),
    ("鹏飞", "pengfei"),
    ("云飞", "yunfei"),
    ("亚楠", "yanan"),
    ("晓琳", "xiaolin"),
    ("梦瑶", "mengyao"),
    ("诗雨", "shiyu"),
    ("若曦", "ruoxi"),
    ("泽宇", "zeyu"),
    ("博文", "bowen"),
    ("子轩", "zixuan"),
    ("浩宇", "haoyu"),
    ("雅婷", "yating"),
    ("静怡", "jingyi"),
    ("晨曦", "chenxi"),
    ("国强", "guoqiang"),
    ("渝生", "yusheng"),
    ("成林", "chenglin"),
    ("锦程", "jincheng"),
    ("启明", "qiming"),
    ("星辰", "xingchen"),
    ("丹丹", "dandan"),
    ("晓峰", "xiaofeng"),
    ("春华", "chunhua"),
    ("秋实", "qiushi"),
    ("维嘉", "weijia"),
    ("立群", "liqun"),
    ("玉洁", "yujie"),
    ("少华", "shaohua"),
    ("光明", "guangming"),
    ("永红", "yonghong"),
    ("建平", "jianping"),
    ("冬梅", "dongmei"),
    ("晓波", "xiaobo"),
    ("红霞", "hongxia"),
    ("文杰", "wenjie"),
    ("慧敏", "huimin"),
    ("家豪", "jiahao"),
    ("思琪", "siqi"),
    ("振华", "zhenhua"),
    ("德刚", "degang"),
    ("蜀君", "shujun"),
)

EMAIL_DOMAINS = ("example.com", "example.cn", "example.org")
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 198 199"
).split()

# Attendees' organizations by kind; positions by kind.
UNIVERSITIES = (
    "四川大学",
    "重庆大学",
    "电子科技大学",
    "西南交通大学",
    "西南财经大学",
    "西南石油大学",
    "成都理工大学",
    "四川农业大学",
    "西南大学",
    "重庆邮电大学",
    "重庆交通大学",
    "重庆医科大学",
    "成都中医药大学",
    "四川师范大学",
    "西南科技大学",
    "重庆理工大学",
)
INSTITUTES = (
    "中国科学院成都分院",
    "中国科学院成都生物研究所",
    "中国科学院光电技术研究所",
    "中国科学院成都有机化学研究所",
    "中国科学院重庆绿色智能技术研究院",
    "中国核动力研究设计院",
    "中国航发四川燃气涡轮研究院",
    "四川省农业科学院",
    "重庆市农业科学院",
    "四川省自然资源科学研究院",
)
CAST_BODIES = (
    "四川省科协",
    "重庆市科协",
    "成都市科协",
    "绵阳市科协",
    "宜宾市科协",
    "德阳市科协",
    "重庆市渝北区科协",
    "重庆市万州区科协",
    "四川省电子学会",
    "四川省机械工程学会",
    "重庆市生物医学工程学会",
    "重庆市土木建筑学会",
)
HOSPITALS = (
    "四川大学华西医院",
    "四川省人民医院",
    "重庆医科大学附属第一医院",
    "陆军军医大学第一附属医院",
    "成都市第三人民医院",
    "重庆市中医院",
)
ENTERPRISES = (
    "成都京东方光电科技有限公司",
    "重庆京东方光电科技有限公司",
    "重庆长安汽车股份有限公司",
    "赛力斯集团股份有限公司",
    "东方电气集团",
    "通威股份有限公司",
    "新希望集团有限公司",
    "四川科伦药业股份有限公司",
    "重庆智飞生物制品股份有限公司",
    "攀钢集团有限公司",
    "四川长虹电子控股集团有限公司",
    "中国五冶集团有限公司",
    "国网四川省电力公司",
    "成都科技创新投资集团有限公司",
    "重庆两江新区产业发展集团有限公司",
    "华为技术有限公司成都研究所",
)
MEDIA = (
    "四川日报",
    "重庆日报",
    "科技日报四川记者站",
    "华西都市报",
    "上游新闻",
    "四川广播电视台",
    "重庆广播电视集团",
    "中国科学报",
)
POSITIONS = {
    "university": ("教授", "教授", "副教授", "副教授", "讲师", "研究员", "院长", "博士生导师"),
    "institute": ("研究员", "研究员", "副研究员", "副研究员", "助理研究员", "高级工程师", "所长"),
    "cast": ("秘书长", "副秘书长", "学会部部长", "办公室主任", "科普部副部长", "主任科员"),
    "hospital": ("主任医师", "副主任医师", "主治医师", "教授", "科室主任"),
    "enterprise": ("总经理", "副总经理", "董事长", "技术总监", "高级工程师", "研发经理"),
    "student": ("博士研究生", "博士研究生", "硕士研究生", "硕士研究生", "博士后"),
    "media": ("记者", "记者", "编辑", "摄影记者", "主任记者"),
    "guest": ("中国工程院院士", "中国科学院院士", "首席科学家", "教授", "研究员", "党组书记"),
}
# category: (share for the default 300, where its people come from)
ATTENDEE_MIX = {
    "delegate": (200, ("university", "university", "institute", "cast", "hospital")),
    "guest": (25, ("university", "institute", "cast")),
    "student": (40, ("student",)),
    "enterprise": (30, ("enterprise",)),
    "media": (5, ("media",)),
}
ORGS_BY_KIND = {
    "university": UNIVERSITIES,
    "institute": INSTITUTES,
    "cast": CAST_BODIES,
    "hospital": HOSPITALS,
    "enterprise": ENTERPRISES,
    "student": UNIVERSITIES,
    "media": MEDIA,
}

# --- signings -------------------------------------------------------------------------------

# sector: (forum, subjects)
SECTORS = {
    "电子信息": (
        "ai",
        ("功率半导体器件", "新型显示面板", "智能传感器", "卫星互联网终端", "高速光通信模块"),
    ),
    "数字经济": (
        "ai",
        ("工业互联网平台", "城市数字孪生", "行业大模型应用", "算力调度平台", "数据要素流通"),
    ),
    "生物医药": (
        "bio",
        ("创新中药", "抗体药物", "细胞治疗", "高端医学影像设备", "疫苗研发", "川产道地药材"),
    ),
    "装备制造": (
        "mfg",
        ("航空发动机叶片", "轨道交通装备", "工业机器人", "智能网联汽车", "清洁能源装备"),
    ),
    "新材料": (
        "mfg",
        ("钒钛新材料", "高性能碳纤维", "锂电正极材料", "稀土功能材料", "电子级多晶硅"),
    ),
    "新能源": (
        "energy",
        ("氢燃料电池", "钠离子电池", "光伏储能", "页岩气高效开发", "动力电池回收"),
    ),
    "节能环保": (
        "energy",
        ("长江上游生态修复", "工业固废资源化", "低碳建筑", "城市污水处理", "碳排放监测"),
    ),
    "现代农业": (
        "agri",
        ("柑橘良种繁育", "生猪智慧养殖", "茶叶精深加工", "丘陵山区农机", "柠檬产业链", "数字乡村"),
    ),
    "科技服务": (
        "finance",
        ("科技成果转化", "概念验证中心", "知识产权运营", "中试熟化平台", "科技企业孵化"),
    ),
}
PROJECT_KINDS = (
    "联合实验室共建项目",
    "产业化项目",
    "中试基地建设项目",
    "技术转让协议",
    "战略合作协议",
    "成果转化项目",
    "示范工程",
    "协同创新中心建设项目",
)
SIGNING_REGIONS = (("四川", 40), ("重庆", 30), ("川渝联合", 18), ("other", 12))
SC_PARTIES = (
    "成都高新技术产业开发区管委会",
    "天府新区成都管委会",
    "绵阳科技城管委会",
    "宜宾市三江新区管委会",
    "德阳市人民政府",
    "四川大学",
    "电子科技大学",
    "西南交通大学",
    "四川农业大学",
    "中国科学院成都分院",
    "四川省农业科学院",
    "四川省技术转移中心",
)
CQ_PARTIES = (
    "重庆两江新区管委会",
    "重庆高新技术产业开发区管委会",
    "重庆市永川区人民政府",
    "重庆市万州区人民政府",
    "重庆大学",
    "西南大学",
    "重庆邮电大学",
    "重庆医科大学",
    "中国科学院重庆绿色智能技术研究院",
    "重庆市农业科学院",
)
# province: its partners
OTHER_PARTIES = {
    "陕西": ("西安交通大学", "西北工业大学"),
    "贵州": ("贵州大学", "贵阳大数据交易所"),
    "云南": ("云南大学", "昆明理工大学"),
    "北京": ("清华大学", "北京航空航天大学"),
    "上海": ("上海交通大学", "中国科学院上海微系统与信息技术研究所"),
    "天津": ("天津大学", "南开大学"),
    "广东": ("华南理工大学", "中山大学"),
}
SC_CITIES = ("成都", "绵阳", "德阳", "宜宾", "泸州", "乐山", "眉山", "遂宁")
CQ_CITIES = ("重庆", "重庆两江", "重庆永川", "重庆万州", "重庆涪陵")
BRANDS = ("天府", "蜀芯", "巴渝", "锦城", "嘉陵", "岷山", "峨眉", "青城", "金沙", "西部", "长嘉")
SECTOR_FIRM = {
    "电子信息": "微电子科技有限公司",
    "数字经济": "数字科技有限公司",
    "生物医药": "生物医药有限公司",
    "装备制造": "智能装备有限公司",
    "新材料": "新材料科技有限公司",
    "新能源": "新能源科技有限公司",
    "节能环保": "环保科技有限公司",
    "现代农业": "农业科技有限公司",
    "科技服务": "科技服务有限公司",
}


# --- the conference JSON --------------------------------------------------------------------


def _person(person: tuple[str, str], role: str) -> dict:
    name, affiliation = person
    return {"name": name, "affiliation": affiliation, "role": role}


def _session(
    code: str,
    title: str,
    title_en: str,
    kind: str,
    room: str | None,
    when: tuple[str, str, str],
    speakers: list[dict] | None = None,
    forum: str | None = None,
    capacity: int | None = None,
    description: str = "",
) -> dict:
    day, start, end = when
    row = {
        "code": code,
        "title": title,
        "title_en": title_en,
        "kind": kind,
        "room": room,
        "forum": forum,
        "starts_at": f"{day}T{start}",
        "ends_at": f"{day}T{end}",
        "capacity": capacity,
        "speakers": speakers or [],
    }
    if description:
        row["description"] = description
    return row


class _Names:
    """Draws distinct plausible Chinese names (with pinyin) from one random generator."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None):
        self.rng = rng
        self.taken = set(taken or ())

    def draw(self) -> tuple[str, str, str]:
        """(name, surname pinyin, given-name pinyin), never one drawn before."""
        for _attempt in range(10_000):
            surname, surname_py = self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
            given, given_py = self.rng.choice(GIVEN_NAMES)
            if surname + given not in self.taken:
                self.taken.add(surname + given)
                return surname + given, surname_py, given_py
        raise RuntimeError("ran out of demo names")


def _fixed_cast() -> set[str]:
    people = [
        LU_WEIMIN,
        MAO_DAFU,
        CHEN_HONGYING,
        ZENG_NENGJIAN,
        XU_LIU,
        HOST_SC,
        HOST_CQ,
        CAST_HQ,
    ]
    people += [keynote[-1] for keynote in KEYNOTES]
    return {name for name, _affiliation in people}


def _panel_of(
    names: _Names, pool: tuple[str, ...], speakers: int, speaker_role: str = "speaker"
) -> list[dict]:
    """A chair and ``speakers`` speakers (or panelists), each a new person from ``pool``."""
    rng = names.rng
    people = [_person((names.draw()[0], rng.choice(pool)), "chair")]
    people += [_person((names.draw()[0], rng.choice(pool)), speaker_role) for _ in range(speakers)]
    return people


def demo_conference_json() -> dict:
    """The contract's conference JSON of the demo conference ``cy-2026``."""
    rng = random.Random(2026)
    names = _Names(rng, _fixed_cast())
    forum_room = {code: room for code, _name, _name_en, room in FORUMS}

    sessions = [
        _session(
            "arrival",
            "代表报到、入场",
            "Registration and Admission",
            "other",
            None,
            (DAY1, "08:00", "09:00"),
            description="凭电子票二维码在主会场入口签到入场。",
        ),
        _session(
            "opening",
            "开幕式",
            "Opening Ceremony",
            "plenary",
            "main",
            (DAY1, "09:00", "09:40"),
            [
                _person(HOST_SC, "host"),
                _person(MAO_DAFU, "speaker"),
                _person(HOST_CQ, "speaker"),
                _person(CAST_HQ, "speaker"),
                _person(LU_WEIMIN, "guest"),
            ],
            description=(
                "四川省科协党组书记、副主席毛大付致辞；重庆市科协、中国科协领导致辞；"
                "天津市科协党组书记、常务副主席陆为民作为兄弟省市科协代表出席。"
            ),
        ),
    ]
    for code, day, start, end, title, title_en, speaker in KEYNOTES:
        sessions.append(
            _session(
                code,
                title,
                title_en,
                "keynote",
                "main",
                (day, start, end),
                [
                    _person(HOST_SC if day == DAY1 else HOST_CQ, "chair"),
                    _person(speaker, "speaker"),
                ],
            )
        )
        if code == "keynote-3":
            sessions.append(
                _session(
                    "signing",
                    "川渝科技合作项目签约仪式",
                    "Sichuan-Chongqing Sci-Tech Cooperation Signing Ceremony",
                    "ceremony",
                    "main",
                    (DAY1, "11:40", "12:20"),
                    [
                        _person(HOST_SC, "host"),
                        _person(MAO_DAFU, "guest"),
                        _person(HOST_CQ, "guest"),
                        _person(LU_WEIMIN, "guest"),
                    ],
                    description="依托“天府科技云”平台对接，川渝两地及兄弟省市合作项目集中签约。",
                ),
            )
            sessions.append(
                _session(
                    "lunch-1",
                    "午餐",
                    "Lunch",
                    "break",
                    None,
                    (DAY1, "12:20", "14:00"),
                    description="自助午餐（会议中心二楼宴会厅）。",
                )
            )
        if code == "keynote-5":
            sessions.append(
                _session("tea-3", "茶歇", "Coffee Break", "break", None, (DAY2, "10:30", "10:50"))
            )
            sessions.append(
                _session(
                    "dialogue",
                    "高端对话：科协组织服务科技自立自强",
                    "High-Level Dialogue: Science Associations Serving Self-Reliance in S&T",
                    "panel",
                    "main",
                    SLOTS["d2-am2"],
                    [
                        _person(HOST_CQ, "moderator"),
                        _person(LU_WEIMIN, "panelist"),
                        _person(CHEN_HONGYING, "panelist"),
                        _person(ZENG_NENGJIAN, "panelist"),
                        _person(XU_LIU, "panelist"),
                        _person(MAO_DAFU, "panelist"),
                    ],
                    description=(
                        "天津、宁夏、福建、广州与川渝科协负责人对话：弘扬科学家精神、"
                        "打造科技人才集聚高地、建设“科创中国”服务平台。"
                    ),
                )
            )
            sessions.append(
                _session("lunch-2", "午餐", "Lunch", "break", None, (DAY2, "12:10", "14:00"))
            )

    for forum, number, slot, kind, title, title_en, capacity in FORUM_SESSIONS:
        pool = FORUM_AFFILIATIONS[forum]
        if kind == "panel":
            speakers = _panel_of(names, pool, rng.randint(3, 4), "panelist")
        else:
            speakers = _panel_of(names, pool, rng.randint(2, 3))
        sessions.append(
            _session(
                f"{forum}-{number}",
                title,
                title_en,
                kind,
                forum_room[forum],
                SLOTS[slot],
                speakers,
                forum=forum,
                capacity=capacity,
            )
        )

    sessions += [
        _session("tea-1", "茶歇", "Coffee Break", "break", None, (DAY1, "15:40", "16:00")),
        _session(
            "stations",
            "院士专家工作站建设经验交流会",
            "Exchange on Academician and Expert Workstations",
            "workshop",
            "meeting-1",
            SLOTS["d1-pm1"],
            _panel_of(names, FORUM_AFFILIATIONS["stations"], 3),
            capacity=120,
        ),
        _session(
            "journals",
            "川渝科技期刊与学术出版研讨会",
            "Symposium on Sichuan-Chongqing Sci-Tech Journals and Academic Publishing",
            "workshop",
            "meeting-1",
            SLOTS["d1-pm2"],
            _panel_of(names, FORUM_AFFILIATIONS["journals"], 3),
        ),
        _session(
            "dinner",
            "川渝科技工作者交流晚宴",
            "Welcome Dinner for Sichuan and Chongqing Scientists",
            "other",
            None,
            (DAY1, "18:30", "20:30"),
        ),
        _session(
            "youth-1",
            "青年科学家论坛（一）：前沿交叉与原始创新",
            "Young Scientists Forum (I): Interdisciplinary Frontiers and Original Innovation",
            "forum",
            "meeting-1",
            SLOTS["d2-am1"],
            _panel_of(names, FORUM_AFFILIATIONS["youth"], 4),
            capacity=150,
        ),
        _session(
            "youth-2",
            "青年科学家论坛（二）：从实验室到产业化",
            "Young Scientists Forum (II): From the Laboratory to Industry",
            "forum",
            "meeting-1",
            SLOTS["d2-am2"],
            _panel_of(names, FORUM_AFFILIATIONS["youth"], 3),
            capacity=150,
        ),
        _session(
            "youth-3",
            "青年科学家论坛（三）：弘扬科学家精神，青年人才成长沙龙",
            "Young Scientists Forum (III): The Spirit of Scientists, a Salon on Growing as "
            "a Young Researcher",
            "panel",
            "meeting-1",
            SLOTS["d2-pm1"],
            _panel_of(names, FORUM_AFFILIATIONS["youth"], 4, "panelist"),
            capacity=100,
        ),
        _session("tea-4", "茶歇", "Coffee Break", "break", None, (DAY2, "15:30", "16:00")),
        _session(
            "closing",
            "闭幕式暨第六届大会承办地交接仪式",
            "Closing Ceremony and Handover to the Host of the 6th Conference",
            "plenary",
            "main",
            (DAY2, "16:00", "17:00"),
            [
                _person(HOST_SC, "host"),
                _person(MAO_DAFU, "speaker"),
                _person(HOST_CQ, "speaker"),
            ],
            description="大会总结，发布优秀论文，第六届川渝科技学术大会将于重庆举办。",
        ),
    ]
    sessions.sort(key=lambda s: (s["starts_at"], s["room"] or "~", s["code"]))

    checkin_lists = [
        {"code": "main", "name": "主会场入口", "name_en": "Main Entrance", "session": None}
    ]
    for s in sessions:
        if s["starts_at"].startswith(DAY1) and s["kind"] in ("ceremony", "keynote"):
            checkin_lists.append(
                {
                    "code": s["code"],
                    "name": f"{s['title']}（入场签到）",
                    "name_en": f"{s['title_en']} (check-in)",
                    "session": s["code"],
                }
            )

    return {
        "slug": SLUG,
        "title": "第五届川渝科技学术大会",
        "title_en": "5th Sichuan-Chongqing Science and Technology Academic Conference",
        "starts_on": DAY1,
        "ends_on": DAY2,
        "timezone": "Asia/Shanghai",
        "venue": "成都 · 天府国际会议中心",
        "venue_en": "Tianfu International Conference Center, Chengdu",
        "description": DESCRIPTION,
        "categories": [
            {
                "code": code,
                "name": name,
                "name_en": name_en,
                "capacity": capacity,
                "requires_approval": requires_approval,
                "invite_only": invite_only,
            }
            for code, name, name_en, capacity, requires_approval, invite_only in CATEGORIES
        ],
        "forums": [
            {"code": code, "name": name, "name_en": name_en}
            for code, name, name_en, _room in FORUMS
        ],
        "rooms": [
            {"code": code, "name": name, "name_en": name_en, "capacity": capacity}
            for code, name, name_en, capacity in ROOMS
        ],
        "sessions": sessions,
        "checkin_lists": checkin_lists,
    }


# --- attendees ------------------------------------------------------------------------------


def _category_counts(count: int) -> dict[str, int]:
    """Split ``count`` like 200/25/40/30/5 of 300 (largest remainders), within capacities."""
    capacities = {code: capacity for code, _n, _e, capacity, _a, _i in CATEGORIES}
    if not 0 <= count <= sum(capacities.values()):
        raise ValueError(f"count must be between 0 and {sum(capacities.values())}")
    total_share = sum(share for share, _kinds in ATTENDEE_MIX.values())
    exact = {code: count * share / total_share for code, (share, _k) in ATTENDEE_MIX.items()}
    counts = {code: min(int(value), capacities[code]) for code, value in exact.items()}
    # The rest go first to the largest remainders, then to whoever has room left.
    missing = count - sum(counts.values())
    for code in sorted(exact, key=lambda code: (int(exact[code]) - exact[code], code)):
        if missing and counts[code] < capacities[code]:
            counts[code] += 1
            missing -= 1
    for code in sorted(capacities, key=lambda code: counts[code] - capacities[code]):
        spare = min(missing, capacities[code] - counts[code])
        counts[code] += spare
        missing -= spare
    return counts


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _email(rng: random.Random, surname_py: str, given_py: str, taken: set[str]) -> str:
    style = rng.randrange(3)
    local = {
        0: f"{surname_py}{given_py}",
        1: f"{given_py}.{surname_py}",
        2: f"{surname_py}.{given_py}",
    }[style]
    domain = rng.choice(EMAIL_DOMAINS)
    email = f"{local}@{domain}"
    number = 1
    while email in taken:
        number += 1
        email = f"{local}{number}@{domain}"
    taken.add(email)
    return email


def demo_attendees(count: int = 300) -> list[dict]:
    """``count`` deterministic demo attendees; no category gets more than its capacity."""
    rng = random.Random(2026)
    names = _Names(rng)
    emails: set[str] = set()
    phones: set[str] = set()
    plan = [code for code, n in _category_counts(count).items() for _ in range(n)]
    rng.shuffle(plan)
    attendees = []
    for category in plan:
        kind = rng.choice(ATTENDEE_MIX[category][1])
        name, surname_py, given_py = names.draw()
        position_kind = "guest" if category == "guest" else kind
        attendees.append(
            {
                "category": category,
                "name": name,
                "email": _email(rng, surname_py, given_py, emails),
                "phone": _phone(rng, phones),
                "organization": rng.choice(ORGS_BY_KIND[kind]),
                "position": rng.choice(POSITIONS[position_kind]),
            }
        )
    return attendees


# --- signings -------------------------------------------------------------------------------


def _firm(rng: random.Random, cities: tuple[str, ...], sector: str) -> str:
    return rng.choice(cities) + rng.choice(BRANDS) + SECTOR_FIRM[sector]


def _amount_wan(rng: random.Random) -> Decimal:
    """An amount in 万元: mostly a few million yuan, now and then a billion-yuan project."""
    tier = rng.random()
    if tier < 0.35:
        return Decimal(rng.randrange(5_000, 300_000)) / 100  # 50.00 to 2,999.99
    if tier < 0.8:
        low, high, step = 3_000, 12_000, 50
    elif tier < 0.96:
        low, high, step = 12_000, 40_000, 500
    else:
        low, high, step = 50_000, 100_000, 5_000
    return Decimal(rng.randrange(low, high + 1, step))


def demo_signings(count: int = 60) -> list[dict]:
    """``count`` deterministic signed cooperation projects (签约项目) of the demo conference."""
    rng = random.Random(2026)
    regions = [region for region, _w in SIGNING_REGIONS]
    weights = [weight for _r, weight in SIGNING_REGIONS]
    titles: set[str] = set()
    signings = []
    for _index in range(count):
        sector = rng.choice(list(SECTORS))
        forum, subjects = SECTORS[sector]
        if rng.random() < 0.2:
            forum = "finance"  # brought to the signing by the technology-transfer forum
        region = rng.choices(regions, weights)[0]
        if region == "四川":
            party_a = _firm(rng, SC_CITIES, sector)
            party_b = rng.choice(SC_PARTIES)
        elif region == "重庆":
            party_a = _firm(rng, CQ_CITIES, sector)
            party_b = rng.choice(CQ_PARTIES)
        elif region == "川渝联合":
            party_a = _firm(rng, SC_CITIES, sector)
            party_b = rng.choice(CQ_PARTIES)
            if rng.random() < 0.5:
                party_a, party_b = _firm(rng, CQ_CITIES, sector), rng.choice(SC_PARTIES)
        else:
            region = rng.choice(list(OTHER_PARTIES))
            party_a = _firm(rng, SC_CITIES + CQ_CITIES, sector)
            party_b = rng.choice(OTHER_PARTIES[region])
        prefix = "川渝" if region == "川渝联合" else ""
        title = prefix + rng.choice(subjects) + rng.choice(PROJECT_KINDS)
        while title in titles:
            prefix = rng.choice(("川渝", "成渝", "西部", "长江上游")) + rng.choice(("", "二期"))
            title = prefix + rng.choice(subjects) + rng.choice(PROJECT_KINDS)
        titles.add(title)
        signings.append(
            {
                "title": title,
                "party_a": party_a,
                "party_b": party_b,
                "region": region,
                "sector": sector,
                "amount_wan": _amount_wan(rng).quantize(Decimal("0.01")),
                "forum": forum,
                "signed_on": date(2026, 12, 18) if rng.random() < 0.65 else date(2026, 12, 19),
            }
        )
    return signings


# --- seeding --------------------------------------------------------------------------------


def _optional_seeder(module_name: str, function_name: str):
    """``module.function`` if that part of the program exists yet, else None."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name not in (module_name, module_name.rpartition(".")[0]):
            raise  # the module is there but itself imports something missing: a real error
        return None
    return getattr(module, function_name, None)


def _login_lines() -> list[str]:
    lines = [f"Log in at {LOGIN_URL} with one of:"]
    for email, password, _name, role in DEMO_USERS:
        what = f"{role} of {SLUG}" if role else "site admin"
        lines.append(f"  {email:<24} password {password:<16} ({what})")
    return lines


def seed_demo(replace: bool = False) -> list[str]:
    """Load the demo conference, its logins, attendees and signings; return what to print.

    Does nothing but print the logins when the conference exists and ``replace`` is False, so
    running it twice is harmless. With ``replace`` the conference is brought back to the demo
    (logins are created if missing); attendees and signings are only seeded into a conference
    this call created, so they are never doubled. Flushes, never commits: the caller commits.
    """
    from eventsys.auth.services import create_user, find_user, set_membership
    from eventsys.conferences.jsonio import load_conference
    from eventsys.conferences.models import Conference

    data = demo_conference_json()
    existing = db.session.execute(
        select(Conference).where(Conference.slug == SLUG)
    ).scalar_one_or_none()
    if existing is not None and not replace:
        return [
            f"Demo conference {SLUG} already exists; nothing loaded (use --replace to reload it).",
            *_login_lines(),
        ]

    conference = load_conference(data, replace=replace)
    lines = [
        f"{'Reloaded' if existing else 'Loaded'} demo conference {SLUG} ({data['title']}): "
        f"{len(data['categories'])} categories, {len(data['forums'])} forums, "
        f"{len(data['rooms'])} rooms, {len(data['sessions'])} sessions, "
        f"{len(data['checkin_lists'])} check-in lists."
    ]

    for email, password, name, role in DEMO_USERS:
        user = find_user(email)
        if user is None:
            user = create_user(email, password, name=name, is_admin=role is None)
        if role is not None:
            set_membership(conference, user, role)
    db.session.flush()

    if existing is None:
        seed_registrations = _optional_seeder(
            "eventsys.registration.services", "seed_registrations"
        )
        if seed_registrations is not None:
            attendees = demo_attendees()
            seed_registrations(conference, attendees)
            lines.append(f"Registered {len(attendees)} demo attendees.")
        seed_signings = _optional_seeder("eventsys.signing.services", "seed_signings")
        if seed_signings is not None:
            signings = demo_signings()
            seed_signings(conference, signings)
            total = sum(s["amount_wan"] for s in signings)
            lines.append(
                f"Recorded {len(signings)} signed projects, {total / 10_000:.2f} 亿元 in all."
            )
        db.session.flush()

    return lines + _login_lines()
