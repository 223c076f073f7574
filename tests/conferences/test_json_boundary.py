"""The conference JSON from outside (issue 7: items 4 and 13): text that cannot be stored is
refused naming its path, and a too deeply nested file is malformed JSON, not a crash."""

import io
import json

from sqlalchemy import func, select

from eventsys.conferences.models import Conference
from eventsys.extensions import db
from tests.conftest import login, submit
from tests.factories import PASSWORD, conference_json, make_user

DEEP = "[" * 100_000 + "]" * 100_000


def conferences() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Conference)).scalar_one()


def test_load_conference_refuses_text_that_is_not_valid_unicode(ctx, runner, tmp_path):
    path = tmp_path / "bad.json"
    # json.dumps writes the lone surrogate as the escape "\udfff", as a hostile file would.
    path.write_text(json.dumps(conference_json(venue="会场\udfff", title="大会\ufffe")))
    result = runner.invoke(args=["load-conference", str(path)])
    assert result.exit_code == 1
    assert "venue" in result.output and "title" in result.output
    assert "Traceback" not in result.output
    assert conferences() == 0


def test_load_conference_names_a_too_deeply_nested_file(ctx, runner, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    result = runner.invoke(args=["load-conference", str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "deep.json is not valid JSON: nested too deeply" in result.output


def test_the_import_page_names_a_too_deeply_nested_file(ctx, client):
    make_user("admin@example.com", admin=True)
    assert login(client, "admin@example.com", PASSWORD).status_code == 302
    response = submit(
        client,
        "/manage/import",
        {"file": (io.BytesIO(DEEP.encode()), "deep.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "nested too deeply" in response.get_data(as_text=True)
    assert conferences() == 0
