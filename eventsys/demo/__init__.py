"""The demo conference (第五届川渝科技学术大会) and the ``seed-demo`` command.

The conference is data in the contract's ``load-conference`` format (``data/conference.json``),
the name pools of its made-up attendees and signed projects are data files beside it, and only
the generators that draw from them are code (``generators.py``). Built on every other domain,
so nothing imports it but ``create_app``.
"""

from __future__ import annotations

from flask import Flask

from eventsys.demo.generators import demo_attendees, demo_conference_json, demo_signings
from eventsys.demo.services import seed_demo

__all__ = ["demo_attendees", "demo_conference_json", "demo_signings", "init_app", "seed_demo"]


def init_app(app: Flask) -> None:
    """Register the demo's command, ``seed-demo``."""
    from eventsys.demo.cli import register

    register(app)
