"""Shared set-up of the signed-project tests."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from tests.factories import make_conference

HEADER = ["项目名称", "甲方", "乙方", "地区", "行业", "金额（万元）", "分论坛", "签约日期"]


def signing_conference(**changes):
    forums = [
        {"code": "ai", "name": "人工智能分论坛", "name_en": "AI Forum"},
        {"code": "bio", "name": "生物医药分论坛"},
    ]
    return make_conference(**{"forums": forums, **changes})


def write_csv(path: Path, rows, header=HEADER, encoding="utf-8-sig") -> Path:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows, header=HEADER, merge=None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


AWKWARD = [
    [
        "氢燃料电池联合攻关",
        "成都氢能科技有限公司",
        "四川大学",
        "四川",
        "新能源",
        "1234.5",
        "ai",
        "2026-12-18",
    ],
    [
        "钒钛新材料成果转化",
        "攀枝花钒钛有限公司",
        "重庆大学",
        "重庆市",
        "新材料",
        "1,234.50",
        "人工智能分论坛",
        "2026/12/18",
    ],
    [
        "创新中药产业化",
        "重庆药业有限公司",
        "西南医科大学",
        "重庆",
        "生物医药",
        "1234.5万元",
        "bio",
        "2026年12月19日",
    ],
    [
        "卫星互联网终端",
        "绵阳电子有限公司",
        "电子科技大学",
        "四川",
        "电子信息",
        "2.8亿",
        "AI Forum",
        "2026-12-19",
    ],
    [
        "工业互联网平台",
        "上海数科有限公司",
        "重庆邮电大学",
        "上海",
        "数字经济",
        "2.8亿元",
        "",
        "2026-12-18",
    ],
    [
        "动力电池回收",
        "宜宾锂电有限公司",
        "四川大学",
        "四川",
        "新能源",
        "１２３４.５",
        "ai",
        "2026-12-18",
    ],
    [
        "智能网联汽车",
        "重庆汽车有限公司",
        "清华大学",
        "北京",
        "装备制造",
        "28,000万",
        "",
        "2026-12-19",
    ],
    ["人才联合培养", "成都某公司", "四川农业大学", "四川", "现代农业", "", "", "2026-12-18"],
]
# 1234.5 × 4 + 28000 × 3
AWKWARD_TOTAL = "88938.0000"
