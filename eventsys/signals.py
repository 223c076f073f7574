"""What one domain tells the others, without importing them (blinker, as Indico does).

A lower domain sends; a higher one connects in its ``init_app``. Receivers run in the
sender's transaction, so what they change commits or rolls back with it. A receiver may
veto ``part_deleting`` by returning a reason (a string); the sender refuses with it.

    from eventsys import signals
    signals.part_deleting.connect(refuse_if_used, sender="rooms")
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the conference; kwargs: none. After the conference's own fields were saved
#: (its overall capacity may have been raised).
conference_saved = _signals.signal("conference-saved")

#: sender: the part's kind ("categories", "rooms" ...); kwargs: conference, part. After a part
#: was created or changed (a category's capacity may have been raised).
part_saved = _signals.signal("part-saved")

#: sender: the part's kind; kwargs: conference, part. Before a part is deleted (also when a
#: conference JSON with --replace drops it). Receivers return a reason to refuse, or None.
part_deleting = _signals.signal("part-deleting")

#: sender: the registration; kwargs: none. A registration now holds a confirmed seat
#: (registered, approved, or moved up from the waitlist).
registration_confirmed = _signals.signal("registration-confirmed")

#: sender: the registration; kwargs: none. A registration was cancelled or rejected and no
#: longer admits its holder.
registration_cancelled = _signals.signal("registration-cancelled")

#: sender: the conference; kwargs: none. The organizer's dashboard asks each domain for its
#: figures; receivers return a list of ``(label, number, url or None)``.
dashboard_figures = _signals.signal("dashboard-figures")

#: sender: the conference; kwargs: release (the new schedule release), changes (a list of
#: dicts, one per session that differs from the previous release: {"session_id": int,
#: "code": str, "change": "added" | "moved" | "renamed" | "cancelled" | "changed",
#: "title": str, "before": dict | None, "after": dict | None}). Sent inside the publishing
#: transaction, so receivers may queue mail to the people concerned.
schedule_published = _signals.signal("schedule-published")


def refusals(signal, sender, **kwargs) -> list[str]:
    """The reasons receivers gave to refuse (their truthy return values)."""
    return [reason for _receiver, reason in signal.send(sender, **kwargs) if reason]
