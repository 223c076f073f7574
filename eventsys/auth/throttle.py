"""The per-account limit on failed sign-ins, shared by every worker and every server.

Flask-Limiter counts per worker when it has no Redis, so four gunicorn workers allowed four
times the limit, and its keys (address, or address and account) did not stop one account being
tried from many addresses. Here each sign-in first *reserves* a place among the account's
recent attempts, in Redis when ``EVENTSYS_REDIS_URL`` is set, else in the database (table
``login_failures``), and counts them; over the limit it is refused before the password is even
checked, so concurrent guesses cannot slip past each other. A wrong password leaves its place
taken until the window passes; a right one gives back only its own place, never anyone
else's, so a successful sign-in does not wipe out an attacker's count. A Redis outage falls
back to the database (logged).
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from limits import parse_many
from sqlalchemy import delete, func, select

from eventsys.auth.models import LoginFailure
from eventsys.db_types import utcnow
from eventsys.extensions import db

log = logging.getLogger(__name__)

REDIS_PREFIX = "eventsys:login-failures:"
REDIS_RETRY_SECONDS = 30  # after a Redis failure, count in the database this long


@dataclass
class Attempt:
    """A reserved place; ``retry_after`` (seconds) is set when the account is over its limit."""

    account: str
    place: str | int | None
    store: str  # "redis" or "database"
    retry_after: int = 0

    @property
    def refused(self) -> bool:
        return self.retry_after > 0


def _account(email: str) -> str:
    # Hashed: the table and Redis keep no list of the addresses people (or attackers) typed.
    return hashlib.sha256((email or "").strip().lower()[:254].encode()).hexdigest()


def _windows() -> list[tuple[int, int]]:
    """(allowed attempts, window in seconds) from LOGIN_FAILURE_LIMIT, e.g. '10 per minute'."""
    return [
        (item.amount, item.get_expiry())
        for item in parse_many(current_app.config["LOGIN_FAILURE_LIMIT"])
    ]


def _redis():
    client = current_app.extensions.get("eventsys_login_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(
            current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1
        )
        current_app.extensions["eventsys_login_redis"] = client
    return client


def begin_attempt(email: str) -> Attempt:
    """Reserve a place for a sign-in on this account; check ``refused`` before checking the
    password. Commits (the database store) so that other workers see the place at once."""
    account = _account(email)
    state = current_app.extensions.setdefault("eventsys_login_redis_down", {"until": 0.0})
    if current_app.config.get("REDIS_URL") and time.monotonic() >= state["until"]:
        try:
            return _begin_redis(account)
        except Exception as error:  # any Redis failure: the database keeps counting
            # Not asked again for a while, so an outage does not slow every sign-in.
            state["until"] = time.monotonic() + REDIS_RETRY_SECONDS
            log.warning("Redis unavailable for the sign-in limit, using the database: %s", error)
    return _begin_database(account)


def end_attempt(attempt: Attempt, succeeded: bool) -> None:
    """A right password gives back this attempt's own place; a wrong one keeps it."""
    if not succeeded or attempt.refused or attempt.place is None:
        return
    if attempt.store == "redis":
        try:
            _redis().zrem(REDIS_PREFIX + attempt.account, attempt.place)
        except Exception as error:
            log.warning("Redis unavailable for the sign-in limit: %s", error)
        return
    db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt.place))


def _begin_redis(account: str) -> Attempt:
    key = REDIS_PREFIX + account
    windows = _windows()
    longest = max(seconds for _amount, seconds in windows)
    now = time.time()
    place = uuid.uuid4().hex
    pipe = _redis().pipeline(transaction=True)
    pipe.zremrangebyscore(key, "-inf", now - longest)
    pipe.zadd(key, {place: now})
    for _amount, seconds in windows:
        pipe.zcount(key, now - seconds, "+inf")
    pipe.zrangebyscore(key, now - longest, "+inf", withscores=True)
    pipe.expire(key, longest + 1)
    results = pipe.execute()
    counts = results[2 : 2 + len(windows)]
    others = sorted(score for member, score in results[-2] if member.decode() != place)
    wait = _wait(windows, counts, others, now)
    if wait:
        _redis().zrem(key, place)  # a refused attempt takes no place: no longer lock-out
    return Attempt(account, place, "redis", wait)


def _begin_database(account: str) -> Attempt:
    windows = _windows()
    longest = max(seconds for _amount, seconds in windows)
    now = utcnow()
    # Rows older than the longest window count for nothing: this account's go at once, the
    # rest now and then (accounts nobody tries again), cheap with the index on ``at``.
    expired = LoginFailure.at < now - timedelta(seconds=longest)
    if random.random() < 0.02:
        db.session.execute(delete(LoginFailure).where(expired))
    else:
        db.session.execute(delete(LoginFailure).where(LoginFailure.account == account, expired))
    row = LoginFailure(account=account, at=now)
    db.session.add(row)
    db.session.commit()  # visible to every other worker before anyone counts
    counts = [
        db.session.execute(
            select(func.count())
            .select_from(LoginFailure)
            .where(
                LoginFailure.account == account,
                LoginFailure.at > now - timedelta(seconds=seconds),
            )
        ).scalar_one()
        for _amount, seconds in windows
    ]
    others = sorted(
        at.timestamp()
        for at in db.session.execute(
            select(LoginFailure.at).where(
                LoginFailure.account == account,
                LoginFailure.id != row.id,
                LoginFailure.at > now - timedelta(seconds=longest),
            )
        ).scalars()
    )
    wait = _wait(windows, counts, others, now.timestamp())
    if wait:
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == row.id))
        db.session.commit()
        return Attempt(account, None, "database", wait)
    return Attempt(account, row.id, "database")


def _wait(
    windows: list[tuple[int, int]], counts: list[int], others: list[float], now: float
) -> int:
    """Seconds until every window has a free place again (0: this attempt may go on).
    ``counts`` include this attempt; ``others`` are the other attempts' times, oldest first."""
    wait, over = 0.0, False
    for (amount, seconds), count in zip(windows, counts, strict=True):
        if count <= amount:
            continue
        over = True
        in_window = [t for t in others if t > now - seconds]
        # A place frees up when the amount-th newest of the others ages out of the window.
        frees_at = in_window[-amount] + seconds if len(in_window) >= amount else now
        wait = max(wait, frees_at - now)
    return max(1, math.ceil(wait)) if over else 0
