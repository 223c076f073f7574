"""The wheel runs on its own: built from the repository, installed (not editable) into a fresh
virtual environment, and run from an empty directory as the README's "Production" section says.

Offline: the wheel is built with the running environment's setuptools (no build isolation) and
the fresh environment borrows the already installed dependencies through a ``.pth`` line, while
the checkout's own ``eventsys`` (editable or on ``sys.path``) stays out of sight.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
import venv
import zipfile
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.registration.live import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_FOLDERS = ("templates", "static", "migrations")
# What a copy of the checkout leaves behind: local state, caches, earlier builds.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "*.egg-info",
    "instance",
    "__pycache__",
    "*.py[co]",
    ".pytest_cache",
    ".ruff_cache",
    "test-results",
    "tests",
    "bench",
)
SECRET_KEY = "wheel-test-secret-key-0123456789abcdef"


@dataclass
class Installed:
    source: Path  # the copy of the checkout the wheel was built from
    wheel: Path
    venv: Path
    python: Path
    scratch: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a shell on a server: none of the developer's settings."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("EVENTSYS_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))
        }
        env["PYTHONUNBUFFERED"] = "1"
        env.update(extra)
        return env

    def run(self, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.python), *args],
            cwd=cwd,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def empty_directory(self, name: str) -> Path:
        path = self.scratch / name
        path.mkdir()
        return path


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    # Build from a copy: pip builds in the source tree, and a stale build/ would leak files.
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    wheelhouse = tmp / "wheelhouse"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheelhouse, source])
    (wheel,) = wheelhouse.glob("eventsys-*.whl")

    environment = tmp / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(environment)
    python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel])
    # The dependencies come from the running environment, after the new one's own packages.
    # A plain path line: the .pth files there (an editable eventsys) are not processed.
    site_packages = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
    ).stdout.strip()
    borrowed = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    Path(site_packages, "borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    return Installed(source, wheel, environment, python, tmp)


def test_wheel_carries_templates_static_migrations_and_catalogues(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {
        f"eventsys/{path.relative_to(installed.source).as_posix()}"
        for folder in SHIPPED_FOLDERS
        for path in (installed.source / folder).rglob("*")
        if path.is_file()
    }
    catalogues = {
        path.relative_to(installed.source).as_posix()
        for path in (installed.source / "eventsys" / "translations").rglob("messages.mo")
    }
    assert catalogues, "no compiled catalogue in the checkout"
    assert "eventsys/templates/base.html" in expected
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    assert not catalogues - names, f"missing from the wheel: {sorted(catalogues - names)}"
    stray = sorted(
        name
        for name in names
        if "__pycache__" in name or name.endswith((".pyc", ".po", ".pot")) or "tests/" in name
    )
    assert not stray, f"not meant for the wheel: {stray}"


def test_source_distribution_builds_the_same_wheel(installed):
    sdists = installed.scratch / "sdist"
    build_sdist = (
        "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])"
    )
    _run([sys.executable, "-c", build_sdist, sdists], cwd=installed.source)
    (sdist,) = sdists.glob("eventsys-*.tar.gz")
    wheelhouse = installed.scratch / "from-sdist"
    _run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps"]
        + ["--no-build-isolation", "-w", wheelhouse, sdist]
    )
    (wheel,) = wheelhouse.glob("eventsys-*.whl")
    assert sorted(zipfile.ZipFile(wheel).namelist()) == sorted(
        zipfile.ZipFile(installed.wheel).namelist()
    )


def test_installed_package_runs_commands_from_an_empty_directory(installed):
    where = installed.empty_directory("cli")
    located = installed.run("-c", "import eventsys; print(eventsys.__file__)", cwd=where)
    assert located.returncode == 0, located.stderr
    assert Path(located.stdout.strip()).is_relative_to(installed.venv), located.stdout

    helped = installed.run("-m", "flask", "--app", "eventsys", "--help", cwd=where)
    assert helped.returncode == 0, helped.stderr
    assert "seed-demo" in helped.stdout and "db" in helped.stdout, helped.stdout + helped.stderr
    # Without EVENTSYS_INSTANCE_PATH, Flask's place for an installed package's instance folder.
    assert (installed.venv / "var" / "eventsys-instance").is_dir()
    assert not any(where.iterdir()), "wrote into the working directory"


def test_installed_package_migrates_seeds_and_serves_pages_with_css_in_both_languages(
    installed,
):
    where = installed.empty_directory("serve")
    instance = installed.scratch / "instance"
    settings = {"EVENTSYS_INSTANCE_PATH": str(instance), "EVENTSYS_SECRET_KEY": SECRET_KEY}

    upgrade = installed.run(
        "-m", "flask", "--app", "eventsys", "db", "upgrade", cwd=where, **settings
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert (instance / "eventsys.db").is_file(), "the SQLite file is not in the instance folder"
    seeded = installed.run("-m", "flask", "--app", "eventsys", "seed-demo", cwd=where, **settings)
    assert seeded.returncode == 0, seeded.stderr

    port = free_port()
    log_path = installed.scratch / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                str(installed.python),
                "-m",
                "gunicorn",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "eventsys:create_app()",
            ],
            cwd=where,
            env=installed.env(**settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:
        home = wait_for(browser, base + "/", server, log_path)
        assert home.status == 200
        page = home.body.decode()
        # Chinese first: the compiled catalogue travelled with the wheel.
        assert 'lang="zh-CN"' in page
        assert "<h1>会议</h1>" in page and "登录" in page
        assert 'href="/c/' in page, "the demo conference is not listed"

        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        assert any(href.startswith("/static/css/app.css") for href in stylesheets), stylesheets
        for href in stylesheets:
            css = fetch(browser, base + html.unescape(href))
            assert css.status == 200, href
            assert css.content_type.startswith("text/css"), (href, css.content_type)
            path = urllib.parse.urlsplit(html.unescape(href)).path.removeprefix("/static/")
            assert css.body == (installed.source / "static" / path).read_bytes(), href

        # The language switch, as a visitor uses it: a link.
        link = re.search(r'<a href="(/\?lang=en)"', page)
        assert link, "no switch to English on the home page"
        english = fetch(browser, base + html.unescape(link.group(1)))
        assert english.status == 200
        page = english.body.decode()
        assert 'lang="en"' in page
        assert "<h1>Conferences</h1>" in page and "Sign in" in page
        assert "登录" not in page
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    assert not any(where.iterdir()), "wrote into the working directory"


@dataclass
class Page:
    status: int
    url: str
    content_type: str
    body: bytes


def fetch(browser, url: str, data: bytes | None = None) -> Page:
    try:
        with browser.open(url, data=data, timeout=10) as answer:
            return Page(answer.status, answer.url, answer.headers["Content-Type"], answer.read())
    except urllib.error.HTTPError as error:
        return Page(error.code, url, error.headers.get("Content-Type", ""), error.read())


def wait_for(browser, url: str, server: subprocess.Popen, log_path: Path, timeout=30) -> Page:
    """The first answer of a server that is starting up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited early:\n{log_path.read_text(errors='replace')}")
        try:
            return fetch(browser, url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer in {timeout} s:\n{log_path.read_text(errors='replace')}")
