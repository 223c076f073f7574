"""The yardstick for bench_speed.py: bare Flask + SQLAlchemy Core doing the same database work
as eventsys for three requests, and nothing else (no ORM, no permission layer, no limiter,
no Babel, no mail, no session).

- ``POST /api/v1/conferences/<slug>/registrations``: the JSON body checked for required
  strings, the category looked up (joined with its conference by slug), the duplicate check
  on e-mail and phone, the conditional seat UPDATE, the INSERT, the commit; answers 201 with
  id, status and manage URL (409 for a duplicate, 422 for a missing field).
- ``GET /r/<token>``: the registration with its category and conference in one query, the
  conference's questions, a Jinja page with the ticket and a QR code (one SVG drawn at
  start-up: the floor draws nothing per request).
- ``GET /c/<slug>/``: the conference, its categories, forums and the published programme (the
  latest release's snapshot: sessions with rooms, forums and people), a Jinja page.

Served by gunicorn exactly as the application (bench_speed.py), on the same database
(``EVENTSYS_DATABASE_URL``), with the same schema.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from flask import Flask, abort, jsonify, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(
    os.environ["EVENTSYS_DATABASE_URL"], pool_size=5, max_overflow=5, pool_pre_ping=True
)
BASE_URL = os.environ.get("EVENTSYS_BASE_URL", "http://127.0.0.1")

CATEGORY = text(
    "SELECT categories.id, categories.conference_id, categories.requires_approval "
    "FROM categories JOIN conferences ON conferences.id = categories.conference_id "
    "WHERE conferences.slug = :slug AND categories.code = :code"
)
DUPLICATE = text(
    "SELECT 1 FROM registrations WHERE conference_id = :conference "
    "AND status NOT IN ('cancelled', 'rejected') "
    "AND (email_key = :email_key OR phone_key = :phone_key) LIMIT 1"
)
TAKE_SEAT = text(
    "UPDATE categories SET seats_taken = seats_taken + 1 WHERE id = :id "
    "AND (capacity IS NULL OR seats_taken + 1 <= capacity)"
)
INSERT = text(
    "INSERT INTO registrations (conference_id, category_id, name, email, email_key, phone, "
    "phone_key, organization, position, answers, locale, status, source, reason, "
    "manage_token, checkin_token, manual_code, created_at, updated_at, confirmed_at) "
    "VALUES (:conference, :category, :name, :email, :email_key, :phone, :phone_key, "
    ":organization, :position, '{}', 'zh_CN', :status, 'api', '', :manage_token, "
    ":checkin_token, :manual_code, :now, :now, :now) RETURNING id"
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^1[3-9]\d{9}$")


@app.post("/api/v1/conferences/<slug>/registrations")
def register(slug: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "invalid"}), 422
    fields = {k: body.get(k) or "" for k in ("category", "name", "email", "phone")}
    if not all(isinstance(v, str) and v.strip() for v in fields.values()):
        return jsonify({"error": "invalid"}), 422
    email = fields["email"].strip()
    phone = re.sub(r"[\s-]", "", fields["phone"]).removeprefix("+86")
    if not EMAIL.match(email) or not PHONE.match(phone):
        return jsonify({"error": "invalid"}), 422
    with engine.begin() as conn:
        category = conn.execute(
            CATEGORY, {"slug": slug, "code": fields["category"].strip()}
        ).first()
        if category is None:
            return jsonify({"error": "invalid"}), 422
        if conn.execute(
            DUPLICATE,
            {"conference": category.conference_id, "email_key": email.lower(), "phone_key": phone},
        ).first():
            return jsonify({"error": "conflict"}), 409
        seated = conn.execute(TAKE_SEAT, {"id": category.id}).rowcount == 1
        status = "waitlisted" if not seated else "confirmed"
        manage_token = secrets.token_urlsafe(24)
        new_id = conn.execute(
            INSERT,
            {
                "conference": category.conference_id,
                "category": category.id,
                "name": fields["name"].strip(),
                "email": email,
                "email_key": email.lower(),
                "phone": phone,
                "phone_key": phone,
                "organization": str(body.get("organization") or ""),
                "position": str(body.get("position") or ""),
                "status": status,
                "manage_token": manage_token,
                "checkin_token": secrets.token_urlsafe(18),
                "manual_code": f"{secrets.randbelow(10**8):08d}",
                "now": datetime.now(UTC).replace(tzinfo=None),
            },
        ).scalar_one()
    return jsonify(
        {"id": new_id, "status": status, "manage_url": f"{BASE_URL}/r/{manage_token}"}
    ), 201


# The floor draws no QR code at all: one SVG of a code of the same length, drawn at start-up,
# stands in every page (eventsys keeps each drawn code; this is what a kept code costs).
QR_SVG = qrcode.make(
    f"{BASE_URL}/q/{'x' * 24}.{'y' * 10}",
    image_factory=qrcode.image.svg.SvgPathImage,
    error_correction=qrcode.constants.ERROR_CORRECT_M,
    border=2,
).to_string(encoding="unicode")


LAYOUT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · eventsys</title>
<link rel="stylesheet" href="/static/vendor/pico/pico.min.css">
<link rel="stylesheet" href="/static/css/app.css"><script src="/static/js/app.js" defer></script>
</head><body><header class="container site-header"><nav><ul><li><a href="/">eventsys</a></li></ul>
<ul><li><a href="/login">登录</a></li><li><form method="post" action="/language/en">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><button type="submit">English</button>
</form></li></ul></nav></header><main class="container">{{ body | safe }}</main>
<footer class="container site-footer"><small>eventsys</small></footer></body></html>"""

MANAGE = """<hgroup><h1>{{ r.title }}</h1><p>{{ r.starts_on }} – {{ r.ends_on }} · {{ r.venue }}</p>
</hgroup><article class="ticket status-{{ r.status }}"><header><strong>{{ r.name }}</strong>
<span class="badge">{{ r.status }}</span></header>
<p>{{ r.category_name }} · {{ r.organization }}</p>
<figure class="qr">{{ qr | safe }}</figure>
<p>现场签到码: <strong>{{ r.manual_code }}</strong></p>
</article><section><h2>我的信息</h2><dl><dt>手机</dt><dd>{{ r.phone }}</dd><dt>邮箱</dt>
<dd>{{ r.email }}</dd><dt>单位</dt><dd>{{ r.organization or '—' }}</dd><dt>职务</dt>
<dd>{{ r.position or '—' }}</dd>{% for q in questions %}<dt>{{ q.label }}</dt>
<dd>{{ answers.get(q.code, '—') }}</dd>{% endfor %}</dl>
<p><a href="/r/{{ r.manage_token }}/edit" role="button">修改</a></p>
<form method="post" action="/r/{{ r.manage_token }}/cancel"><input type="hidden"
name="csrf_token" value="{{ csrf }}"><button type="submit">取消报名</button></form></section>"""

PUBLIC = """<hgroup><h1>{{ c.title }}</h1><p>{{ c.starts_on }} – {{ c.ends_on }} · {{ c.venue }}</p>
</hgroup>{% if c.description %}<p>{{ c.description }}</p>{% endif %}
{% if categories %}<p class="cta"><a href="/c/{{ c.slug }}/register" role="button">报名</a>
<a href="/c/{{ c.slug }}/register/group" role="button">团体报名</a></p>{% endif %}
{% if forums %}<section><h2>分论坛</h2><ul>{% for f in forums %}<li>{{ f.name }}</li>{% endfor %}
</ul></section>{% endif %}{% if sessions %}<section><h2>日程</h2>{% for s in sessions %}
<article><h3>{{ s.title }}</h3><p>{{ s.starts_at.strftime('%m-%d %H:%M') }} –
{{ s.ends_at.strftime('%H:%M') }} · {{ s.room or '' }} {{ s.forum or '' }}
<br><small>{{ s.speakers | join('、') }}</small></p></article>{% endfor %}
</section>{% endif %}"""

REGISTRATION = text(
    "SELECT registrations.*, categories.name AS category_name, conferences.title, "
    "conferences.starts_on, conferences.ends_on, conferences.venue "
    "FROM registrations JOIN categories ON categories.id = registrations.category_id "
    "JOIN conferences ON conferences.id = registrations.conference_id "
    "WHERE registrations.manage_token = :token"
)
QUESTIONS = text(
    "SELECT code, label, kind FROM questions WHERE conference_id = :id ORDER BY position, id"
)


# Compiled once, as Flask keeps file templates compiled.
LAYOUT_TEMPLATE = app.jinja_env.from_string(LAYOUT)
MANAGE_TEMPLATE = app.jinja_env.from_string(MANAGE)
PUBLIC_TEMPLATE = app.jinja_env.from_string(PUBLIC)


def _page(title: str, body: str) -> str:
    return LAYOUT_TEMPLATE.render(title=title, body=body, csrf=secrets.token_hex(20))


@app.get("/r/<token>")
def manage(token: str):
    with engine.connect() as conn:
        row = conn.execute(REGISTRATION, {"token": token}).first()
        if row is None:
            abort(404)
        questions = conn.execute(QUESTIONS, {"id": row.conference_id}).all()
    qr = QR_SVG
    body = MANAGE_TEMPLATE.render(
        r=row, qr=qr, questions=questions, answers=row.answers or {}, csrf="x"
    )
    return _page(row.title, body)


@app.get("/c/<slug>/")
def public(slug: str):
    with engine.connect() as conn:
        conference = conn.execute(
            text("SELECT * FROM conferences WHERE slug = :slug"), {"slug": slug}
        ).first()
        if conference is None:
            abort(404)
        categories = conn.execute(
            text("SELECT * FROM categories WHERE conference_id = :id ORDER BY position, id"),
            {"id": conference.id},
        ).all()
        forums = conn.execute(
            text("SELECT * FROM forums WHERE conference_id = :id ORDER BY position, id"),
            {"id": conference.id},
        ).all()
        # The published programme: the latest release's snapshot, as eventsys reads it.
        snapshot = conn.execute(
            text(
                "SELECT snapshot FROM schedule_releases WHERE conference_id = :id "
                "ORDER BY number DESC LIMIT 1"
            ),
            {"id": conference.id},
        ).scalar()
    snapshot = snapshot or {"sessions": [], "people": [], "rooms": [], "forums": []}
    if isinstance(snapshot, str):  # SQLite returns the JSON text
        snapshot = json.loads(snapshot)
    rooms = {r["code"]: r["name"] for r in snapshot["rooms"]}
    forum_names = {f["code"]: f["name"] for f in snapshot["forums"]}
    people = {p["id"]: p for p in snapshot["people"]}
    zone = ZoneInfo(conference.timezone)
    sessions = []
    for entry in snapshot["sessions"]:
        speakers = [
            f"{people[link['id']]['name']}（{people[link['id']]['organization']}）"
            for link in entry["people"]
            if link["id"] in people
        ]
        sessions.append(
            {
                "title": entry["title"],
                "starts_at": datetime.fromisoformat(entry["starts_at"]).astimezone(zone),
                "ends_at": datetime.fromisoformat(entry["ends_at"]).astimezone(zone),
                "room": rooms.get(entry["room"]) if entry["room"] else None,
                "forum": forum_names.get(entry["forum"]) if entry["forum"] else None,
                "speakers": speakers,
            }
        )
    body = PUBLIC_TEMPLATE.render(
        c=conference, categories=categories, forums=forums, sessions=sessions
    )
    return _page(conference.title, body)


@app.get("/ready")
def ready():
    return jsonify({"ready": True})
