"""The yardstick for bench_checkin.py: a bare Flask JSON endpoint, nothing of eventsys.

It parses the JSON body and answers a small JSON object, as the check-in endpoint does,
without a database, a token or a template. Served by gunicorn exactly as the application.
"""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/bare")
def bare():
    body = request.get_json(silent=True) or {}
    return jsonify({"status": "ok", "code": body.get("code"), "nonce": body.get("nonce")})


@app.get("/ready")
def ready():
    return jsonify({"ready": True})
