"""Whatever a name, an organization or a template holds, rendering fetches nothing from the
network and no file outside the static folder; hostile text is printed as text."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from eventsys import pdf
from eventsys.documents import report, services
from tests.documents.helpers import page_count, pdf_text
from tests.factories import make_conference, make_registration


class CountingServer:
    """A local HTTP server that counts every request it gets (and answers each with a tiny
    stylesheet, so a fetch, if one happened, would succeed)."""

    def __init__(self):
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append(self.path)
                body = b"body { background: red }"
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    with CountingServer() as running:
        yield running


def test_the_counting_server_does_count(server):
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/probe") as response:
        response.read()
    assert server.requests == ["/probe"]


def test_hostile_names_are_printed_as_text_and_fetch_nothing(ctx, server, caplog):
    caplog.set_level(logging.ERROR)
    conference = make_conference()
    hostile = [
        make_registration(conference, name=f'<img src="{server.url}/img.png">张'),
        make_registration(
            conference,
            name="李<b>强</b>",
            organization=f'<link rel="stylesheet" href="{server.url}/x.css">' + "研" * 120,
        ),
        make_registration(
            conference,
            name=f"<style>@import '{server.url}/i.css';</style>王",
            organization=f"<iframe src='file:///etc/passwd'></iframe>{server.url}/o",
        ),
        make_registration(conference, name="赵六", organization=""),
    ]
    registrations = services.badge_registrations(conference)
    for layout in ("a6", "a4-4up"):
        data = services.badges_pdf(conference, registrations, layout, workers=1)
        text = pdf_text(data)
        assert '<img src="' in text and "李<b>强</b>" in text and "<link" in text
        assert "root:x:0:0" not in text
    assert page_count(services.ticket_pdf(hostile[0])) == 1
    assert services.badges_pdf(conference, registrations, "a6", workers=2)
    assert report.report_pdf(conference)
    assert server.requests == []


def test_templates_and_styles_pointing_outside_are_refused(ctx, server, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: url(x) }")
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{server.url}/a.css">
      <link rel="stylesheet" href="file://{secret}">
      <link rel="stylesheet" href="/static/../pyproject.toml">
      </head><body>
      <img src="{server.url}/b.png"><img src="file:///etc/hostname">
      <img src="https://example.invalid/c.png">
      <p>上海</p></body></html>"""
    css = (
        f"@import url({server.url}/c.css);"
        f" @font-face {{ font-family: x; src: url({server.url}/f.woff) }}"
    )
    fetcher = pdf.fetcher()
    data = pdf.render_pdf(html, stylesheets=(css,), url_fetcher=fetcher)
    assert "上海" in pdf_text(data)
    assert server.requests == []
    refused = " ".join(fetcher.refused)
    assert server.url in refused and str(secret) in refused and "/etc/hostname" in refused
    assert "pyproject.toml" in refused


def test_the_fetcher_serves_the_static_folder_only(ctx):
    static = Path(ctx.static_folder).resolve()
    fetcher = pdf.fetcher()
    response = fetcher.fetch("eventsys-static:/static/css/pdf/common.css")
    assert b"Noto Sans CJK SC" in response.read()
    inside = fetcher.fetch(f"file://{static}/css/pdf/badge.css")
    assert b"@page a6" in inside.read()
    for url in (
        "file:///etc/passwd",
        f"file://{static}/../pyproject.toml",
        "eventsys-static:/static/../../etc/passwd",
        "eventsys-static:/templates/base.html",
        "http://127.0.0.1:9/x",
        "ftp://example.org/x",
    ):
        with pytest.raises(pdf.RefusedFetch):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
