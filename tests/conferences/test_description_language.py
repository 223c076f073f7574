"""The conference description in both languages: paragraphs kept and escaped, an English
text when there is one, the Chinese marked as such when there is none; the JSON carries it."""

from __future__ import annotations

from tests.factories import conference_json, make_conference

DESCRIPTION = "川渝两地科技工作者的年度盛会。\n主办：四川省科协 <重庆市科协>\n\n欢迎投稿。"


def test_paragraphs_kept_and_escaped(ctx, client):
    make_conference(description=DESCRIPTION)
    html = client.get("/c/cy-2026/").get_data(as_text=True)
    first = "<p>川渝两地科技工作者的年度盛会。<br>主办：四川省科协 &lt;重庆市科协&gt;</p>"
    assert first + "<p>欢迎投稿。</p>" in html


def test_english_description_or_the_chinese_marked_as_such(ctx, client):
    conference = make_conference(description=DESCRIPTION)
    english = client.get("/c/cy-2026/?lang=en").get_data(as_text=True)
    assert "In Chinese: there is no English description yet." in english
    assert '<div lang="zh-CN">' in english and "欢迎投稿。" in english
    chinese = client.get("/c/cy-2026/?lang=zh").get_data(as_text=True)
    assert "no English description" not in chinese

    from eventsys.extensions import db

    conference.description_en = "The annual meeting.\n\nPapers welcome."
    db.session.commit()
    english = client.get("/c/cy-2026/?lang=en").get_data(as_text=True)
    assert "<p>The annual meeting.</p><p>Papers welcome.</p>" in english
    assert "In Chinese" not in english and "欢迎投稿" not in english


def test_the_conference_json_carries_the_english_description(ctx, runner, tmp_path):
    import json

    from eventsys.conferences.jsonio import export_conference

    conference = make_conference(description=DESCRIPTION, description_en="Papers welcome.")
    exported = export_conference(conference)
    assert exported["description_en"] == "Papers welcome."
    assert exported["description"] == DESCRIPTION
    # Without one the key is left out (the contract's shape stays as it was).
    plain = export_conference(make_conference(**conference_json(slug="other-2026")))
    assert "description_en" not in plain
    json.dumps(exported, ensure_ascii=False)
