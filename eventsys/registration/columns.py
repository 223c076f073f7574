"""The registration spreadsheet's columns, defined once: what the import reads (the contract's
two spellings and others seen in real spreadsheets), what the export writes, and how both
name a column to people."""

from __future__ import annotations

# field -> the contract's two spellings (English, Chinese); in the order of a file's columns.
FIELDS: dict[str, tuple[str, str]] = {
    "category": ("category", "参会类别"),
    "name": ("name", "姓名"),
    "email": ("email", "邮箱"),
    "phone": ("phone", "手机"),
    "organization": ("organization", "单位"),
    "position": ("position", "职务"),
}
REQUIRED = ("category", "name", "email", "phone")

# field -> other spellings seen in real spreadsheets. Compared after the import's header key
# (NFKC, lower case, without spaces, *, -, _, / and a bracketed note).
OTHER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "category": (
        "registrationcategory",
        "attendeecategory",
        "类别",
        "参会类型",
        "报名类别",
        "代表类别",
        "人员类别",
        "参会身份",
    ),
    "name": ("fullname", "名字", "参会人", "参会人姓名", "代表姓名"),
    "email": ("emailaddress", "mail", "电子邮箱", "电子邮件", "邮件", "邮箱地址", "email地址"),
    "phone": (
        "mobile",
        "phonenumber",
        "mobilephone",
        "mobilenumber",
        "cellphone",
        "tel",
        "telephone",
        "手机号",
        "手机号码",
        "电话",
        "电话号码",
        "联系电话",
        "移动电话",
        "联系方式",
    ),
    "organization": (
        "organisation",
        "affiliation",
        "institution",
        "company",
        "单位名称",
        "工作单位",
        "所在单位",
        "机构",
        "机构名称",
        "公司",
    ),
    "position": ("jobtitle", "职称", "职位", "职务职称", "职务或职称"),
}

# The export's headers: the import's Chinese spellings first (so an export can be edited and
# imported into another conference), then what only the export has.
EXPORT_HEADERS: list[str] = [chinese for _english, chinese in FIELDS.values()] + [
    "状态",
    "报名时间",
]


def label(field: str) -> str:
    """A column as named in messages: ``category 参会类别``."""
    return " ".join(FIELDS[field])


def both_spellings() -> str:
    """The contract's columns in both spellings, for messages and help texts."""
    chinese = ", ".join(chinese for _english, chinese in FIELDS.values())
    english = ", ".join(english for english, _chinese in FIELDS.values())
    return f"{chinese} / {english}"
