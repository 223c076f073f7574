"""Staff pages for a conference's background jobs (large exports, bulk documents): a page
that follows the job until its file is ready, its status as JSON, and the download."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for

from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.jobs import Job, job_files

bp = Blueprint("conference_jobs", __name__, url_prefix="/manage")


def _job(conference: Conference, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.conference_id != conference.id:
        abort(404)
    return job


def _status(conference: Conference, job: Job) -> dict:
    body = {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "error": job.error or None,
        "download_url": None,
    }
    if job.status == "done" and job.result_path:
        body["download_url"] = url_for(
            ".download", slug=conference.slug, job_id=job.id, _external=False
        )
    return body


@bp.route("/<slug>/jobs/<int:job_id>")
@conference_view("staff")
def job(conference: Conference, job_id: int):
    found = _job(conference, job_id)
    return render_template(
        "conferences/job.html", conference=conference, job=found, status=_status(conference, found)
    )


@bp.route("/<slug>/jobs/<int:job_id>.json")
@conference_view("staff")
def job_status(conference: Conference, job_id: int):
    return jsonify(_status(conference, _job(conference, job_id)))


@bp.route("/<slug>/jobs/<int:job_id>/download")
@conference_view("staff")
def download(conference: Conference, job_id: int):
    found = _job(conference, job_id)
    if found.status != "done" or not found.result_path:
        abort(404)
    folder = job_files().resolve()
    path = (folder / found.result_path).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        abort(404)
    return send_file(
        path,
        as_attachment=True,
        download_name=found.result_name or path.name,
        max_age=0,
    )
