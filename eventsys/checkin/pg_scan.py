"""A scan decided and recorded by PostgreSQL in one call: ``eventsys_checkin(...)``.

On PostgreSQL a scan is one round trip: the function locks the registration, reads the
list, the person's state on it and any earlier answer to the nonce, applies the same rules
as ``services._decide`` in the same order, and writes the scan and the state. Called on its
own (autocommit, the API's scan endpoint) it is its own transaction: no separate ``BEGIN``
and ``COMMIT`` round trips; called inside a transaction (the desk page, offline uploads,
tests) it is one statement of it. SQLite keeps the Python path in ``services``; the two give
the same answers (tests/checkin/test_pg_scan.py runs both on the same scenarios).

Why it is safe: ``SELECT … FOR UPDATE`` on the registration makes concurrent scans of one
person queue; the function is VOLATILE, so each statement after the lock takes a fresh
snapshot and sees what the scan it waited for has just committed (its state, its nonce).
A code that names nobody locks nothing: the unique (conference, nonce) constraint decides,
``ON CONFLICT DO NOTHING`` then returns the answer the other request recorded.

The messages come from the caller in its language (``SCAN_MESSAGE_KEYS`` order), with
their ``%(name)s`` placeholders, so translations stay in the catalogue. Times are passed
and stored as naive UTC (``UTCDateTime``); local times are formatted in the conference's
zone by PostgreSQL.

Created by migration 0012 and, for databases made with ``create_all`` (tests), by the DDL
event below. A change to the function needs a new migration that replaces it.
"""

from __future__ import annotations

import threading

from flask import current_app
from sqlalchemy import DDL, Engine, create_engine, event

from eventsys.extensions import db

# The order of the message templates the function receives (``p_messages[1]`` is the first).
SCAN_MESSAGE_KEYS = (
    "invalid",
    "cancelled",
    "rejected",
    "pending",
    "waitlisted",
    "exit_not_in",
    "exit",
    "category",
    "opens",
    "closes",
    "admit",
    "reentry",
    "already",
)

FUNCTION_SIGNATURE = (
    "eventsys_checkin(integer, text, text, text, text, text, text, boolean, timestamp, "
    "timestamp, text, integer, integer, boolean, text, text[])"
)

# The call, with explicit types so that the one function is chosen and the statement is
# prepared once per connection (psycopg prepares a query after a few executions).
CALL = (
    "SELECT eventsys_checkin(%s::integer, %s::text, %s::text, %s::text, %s::text, %s::text, "
    "%s::text, %s::boolean, %s::timestamp, %s::timestamp, %s::text, %s::integer, "
    "%s::integer, %s::boolean, %s::text, %s::text[])"
)
# The same, answering the JSON as text: the API sends it on as the response body.
CALL_TEXT = CALL + "::text"

CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION eventsys_checkin(
    p_conference_id integer,
    p_lookup text,            -- 'token', 'manual' or NULL (the text is no code at all)
    p_value text,             -- the check-in token or the manual code
    p_list_code text,
    p_gate text,
    p_nonce text,
    p_type text,              -- 'entry' or 'exit'
    p_offline boolean,
    p_when timestamp,         -- when it was scanned (UTC)
    p_now timestamp,          -- when it is recorded (UTC)
    p_when_iso text,          -- p_when as the API writes it
    p_operator_id integer,
    p_token_id integer,
    p_english boolean,        -- the category's English name, when it has one
    p_tz text,                -- the conference's time zone
    p_messages text[]         -- templates, in pg_scan.SCAN_MESSAGE_KEYS order
) RETURNS json
LANGUAGE plpgsql VOLATILE AS $function$
DECLARE
    l record;
    r record;
    s record;
    v_found boolean := false;
    v_state boolean := false;
    v_status text;
    v_message text;
    v_first_at timestamp;
    v_first_gate text;
    v_first_iso text;
    v_registration json;
    v_answer json;
    v_registration_id integer;
    v_scan_id integer;
BEGIN
    SELECT id, code, opens_at, closes_at, allow_reentry INTO l
      FROM checkin_lists
     WHERE conference_id = p_conference_id AND code = p_list_code;
    IF NOT FOUND THEN
        RETURN NULL;  -- the caller refuses the unknown list; nothing recorded
    END IF;

    -- The row lock: scans of one person wait here for each other.
    IF p_lookup = 'token' THEN
        SELECT g.id, g.name, g.organization, g.status, g.category_id,
               c.code AS category_code, c.name AS category_name, c.name_en AS category_name_en
          INTO r
          FROM registrations g JOIN categories c ON c.id = g.category_id
         WHERE g.conference_id = p_conference_id AND g.checkin_token = p_value
           FOR UPDATE OF g;
        v_found := FOUND;
    ELSIF p_lookup = 'manual' THEN
        SELECT g.id, g.name, g.organization, g.status, g.category_id,
               c.code AS category_code, c.name AS category_name, c.name_en AS category_name_en
          INTO r
          FROM registrations g JOIN categories c ON c.id = g.category_id
         WHERE g.conference_id = p_conference_id AND g.manual_code = p_value
           FOR UPDATE OF g;
        v_found := FOUND;
    END IF;

    -- Read after the lock (a fresh snapshot): a repeated nonce returns the first answer.
    SELECT answer INTO v_answer
      FROM checkins WHERE conference_id = p_conference_id AND nonce = p_nonce;
    IF FOUND THEN
        RETURN v_answer;
    END IF;

    IF v_found THEN
        v_registration_id := r.id;
        SELECT id, first_checked_in_at, first_gate, inside INTO s
          FROM checkin_states WHERE list_id = l.id AND registration_id = r.id;
        v_state := FOUND;
    END IF;

    -- The rules, in services._decide's order.
    IF NOT v_found THEN
        v_status := 'invalid'; v_message := p_messages[1];
    ELSIF r.status = 'cancelled' THEN
        v_status := 'cancelled'; v_message := p_messages[2];
    ELSIF r.status = 'rejected' THEN
        v_status := 'cancelled'; v_message := p_messages[3];
    ELSIF r.status = 'pending' THEN
        v_status := 'not_confirmed'; v_message := p_messages[4];
    ELSIF r.status = 'waitlisted' THEN
        v_status := 'not_confirmed'; v_message := p_messages[5];
    ELSIF p_type = 'exit' THEN
        IF v_state THEN
            v_status := 'ok'; v_message := p_messages[7];
        ELSE
            v_status := 'not_allowed'; v_message := p_messages[6];
        END IF;
    ELSIF EXISTS (SELECT 1 FROM checkin_list_categories WHERE list_id = l.id)
          AND NOT EXISTS (SELECT 1 FROM checkin_list_categories
                           WHERE list_id = l.id AND category_id = r.category_id) THEN
        v_status := 'not_allowed';
        v_message := replace(p_messages[8], '%(category)s',
            CASE WHEN p_english AND coalesce(r.category_name_en, '') <> ''
                 THEN r.category_name_en ELSE r.category_name END);
    ELSIF l.opens_at IS NOT NULL AND p_when < l.opens_at THEN
        v_status := 'not_allowed';
        v_message := replace(p_messages[9], '%(time)s',
            to_char((l.opens_at AT TIME ZONE 'UTC') AT TIME ZONE p_tz, 'YYYY-MM-DD HH24:MI'));
    ELSIF l.closes_at IS NOT NULL AND p_when > l.closes_at THEN
        v_status := 'not_allowed';
        v_message := replace(p_messages[10], '%(time)s',
            to_char((l.closes_at AT TIME ZONE 'UTC') AT TIME ZONE p_tz, 'YYYY-MM-DD HH24:MI'));
    ELSIF NOT v_state THEN
        v_status := 'ok'; v_message := p_messages[11];
    ELSIF NOT s.inside AND l.allow_reentry THEN
        v_status := 'ok'; v_message := p_messages[12];
    ELSE
        v_status := 'already_checked_in';
        v_message := replace(replace(p_messages[13],
            '%(time)s',
            to_char((s.first_checked_in_at AT TIME ZONE 'UTC') AT TIME ZONE p_tz, 'HH24:MI')),
            '%(gate)s', s.first_gate);
    END IF;

    -- When and where the person was first admitted on this list, if ever.
    IF v_state THEN
        v_first_at := s.first_checked_in_at;
        v_first_gate := s.first_gate;
        v_first_iso := to_char(v_first_at, 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN to_char(v_first_at, 'US') = '000000' THEN ''
                    ELSE to_char(v_first_at, '.US') END
            || '+00:00';
    ELSIF v_status = 'ok' THEN
        v_first_gate := p_gate;
        v_first_iso := p_when_iso;
    END IF;

    IF v_found THEN
        v_registration := json_build_object(
            'id', r.id,
            'name', r.name,
            'organization', r.organization,
            'category', r.category_code,
            'category_name',
                CASE WHEN p_english AND coalesce(r.category_name_en, '') <> ''
                     THEN r.category_name_en ELSE r.category_name END,
            'status', r.status);
    END IF;
    v_answer := json_build_object(
        'status', v_status,
        'registration', v_registration,
        'first_checked_in_at', v_first_iso,
        'first_gate', v_first_gate,
        'message', v_message,
        'list', l.code,
        'type', p_type);

    -- Every scan is a row; a nonce sent twice at once: the other request's answer.
    INSERT INTO checkins (conference_id, registration_id, list_id, gate, type, status, nonce,
                          offline, scanned_at, recorded_at, operator_user_id, api_token_id,
                          answer)
    VALUES (p_conference_id, v_registration_id, l.id, p_gate, p_type, v_status, p_nonce, p_offline,
            p_when, p_now, p_operator_id, p_token_id, v_answer)
    ON CONFLICT (conference_id, nonce) DO NOTHING
    RETURNING id INTO v_scan_id;
    IF v_scan_id IS NULL THEN
        SELECT answer INTO v_answer
          FROM checkins WHERE conference_id = p_conference_id AND nonce = p_nonce;
        RETURN v_answer;
    END IF;

    IF v_found AND v_status = 'ok' THEN
        IF v_state THEN
            UPDATE checkin_states SET inside = (p_type = 'entry'), last_scan_at = p_when
             WHERE id = s.id;
        ELSE
            INSERT INTO checkin_states (conference_id, list_id, registration_id,
                                        first_checked_in_at, first_gate, inside, last_scan_at)
            VALUES (p_conference_id, l.id, r.id, p_when, p_gate, true, p_when);
        END IF;
    END IF;
    RETURN v_answer;
END
$function$
"""

DROP_FUNCTION = f"DROP FUNCTION IF EXISTS {FUNCTION_SIGNATURE}"


def register_ddl(metadata) -> None:
    """Create the function after the tables on PostgreSQL (``create_all``, as tests do)."""
    ddl = DDL(CREATE_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql")
    event.listen(metadata, "after_create", ddl)


# --- the scan endpoint's own connections ---------------------------------------------------

_engine_lock = threading.Lock()


def scan_engine() -> Engine | None:
    """This app's engine for scans in autocommit mode, on PostgreSQL (else None): its own
    pool, of connections that are not pinged before each use (the ping would be a second
    round trip per scan); ``call`` survives a dead connection instead. Made on first use in
    each process (after gunicorn's fork); disposed with the application's engine."""
    app = current_app._get_current_object()
    engine = app.extensions.get("eventsys_scan_engine", False)
    if engine is not False:
        return engine
    with _engine_lock:
        engine = app.extensions.get("eventsys_scan_engine", False)
        if engine is not False:
            return engine
        main = db.engine
        if main.dialect.name != "postgresql":
            engine = None
        else:
            options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
            # As many connections as a worker has threads scanning at once (gunicorn's
            # gthread), kept open: a connection opened per scan would cost more than the scan.
            options.update(
                pool_pre_ping=False,
                isolation_level="AUTOCOMMIT",
                pool_size=app.config["CHECKIN_POOL_SIZE"],
                max_overflow=app.config["CHECKIN_POOL_SIZE"],
            )
            engine = create_engine(main.url, **options)

            @event.listens_for(main, "engine_disposed")
            def _dispose_too(_engine) -> None:
                app.extensions.pop("eventsys_scan_engine", None)
                engine.dispose()

        app.extensions["eventsys_scan_engine"] = engine
        return engine


def text_array(values: list[str]) -> str:
    """A PostgreSQL array literal of texts (``{"a","b"}``): made once per language, sent as
    one text parameter (cheaper than adapting a list on every scan)."""
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def call(engine: Engine, parameters: tuple) -> str | None:
    """Run the function once in autocommit mode, on a pooled psycopg connection: its answer
    as JSON text, None for an unknown list. A connection found dead (the database restarted)
    is invalidated with the whole pool, and the call is made once more on a new connection:
    safe, a nonce already recorded answers again."""
    for attempt in (1, 2):
        connection = engine.raw_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(CALL_TEXT, parameters)
                return cursor.fetchone()[0]
        except engine.dialect.loaded_dbapi.Error as error:
            dead = engine.dialect.is_disconnect(error, connection.dbapi_connection, None)
            if dead:
                connection.invalidate(error)
                # Every pooled connection is as dead as this one: start a new pool.
                engine.dispose(close=False)
            if attempt == 2 or not dead:
                raise
        finally:
            connection.close()
    return None  # not reached
