"""check-in decided by one PostgreSQL function

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:50:00

On PostgreSQL a check-in scan is one call of ``eventsys_checkin(...)``
(eventsys/checkin/pg_scan.py, which holds the same text: tests/checkin/test_pg_scan.py
checks they agree). No tables change; SQLite has nothing to do.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

FUNCTION_SIGNATURE = (
    'eventsys_checkin(integer, text, text, text, text, text, text, boolean, timestamp, timestamp, text, integer, integer, boolean, text, text[])'
)

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


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # "%" doubled: the driver reads the text as a statement with (no) parameters.
        bind.exec_driver_sql(CREATE_FUNCTION.replace("%", "%%"))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {FUNCTION_SIGNATURE}")
