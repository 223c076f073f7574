"""The demo's data files, and the generators of its attendees and signed projects.

The conference itself (``data/conference.json``) is plain data in the contract's
``load-conference`` format. Attendees and signed projects are drawn from the name pools in
``data/`` by a seeded random generator (``random.Random(2026)``), so every run makes the same
people and projects, and asking for fewer makes the first ones of a smaller draw.
"""

from __future__ import annotations

import json
import random
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

SEED = 2026


def read_data(name: str) -> Any:
    """The parsed data file ``data/<name>.json`` (a fresh copy on every call)."""
    text = resources.files(__package__).joinpath("data", f"{name}.json").read_text("utf-8")
    return json.loads(text)


def demo_conference_json() -> dict:
    """The contract's conference JSON of the demo conference (``data/conference.json``)."""
    return read_data("conference")


def demo_logins() -> list[dict]:
    """The demo's logins: ``email``, ``password``, ``name`` and ``role`` (None: site admin)."""
    return read_data("logins")["logins"]


# --- attendees ------------------------------------------------------------------------------


class _Names:
    """Draws distinct plausible Chinese names (with pinyin) from one random generator."""

    def __init__(self, rng: random.Random, people: dict):
        self.rng = rng
        self.surnames = [(surname, pinyin) for surname, pinyin, _weight in people["surnames"]]
        self.weights = [weight for _surname, _pinyin, weight in people["surnames"]]
        self.given_names = [tuple(given) for given in people["given_names"]]
        self.taken: set[str] = set()

    def draw(self) -> tuple[str, str, str]:
        """(name, surname pinyin, given-name pinyin), never one drawn before."""
        for _attempt in range(10_000):
            surname, surname_py = self.rng.choices(self.surnames, self.weights)[0]
            given, given_py = self.rng.choice(self.given_names)
            if surname + given not in self.taken:
                self.taken.add(surname + given)
                return surname + given, surname_py, given_py
        raise RuntimeError("ran out of demo names")


def category_counts(count: int) -> dict[str, int]:
    """Split ``count`` attendees by the shares of ``data/attendees.json`` (largest remainders),
    within the categories' capacities; ValueError if they cannot hold ``count``."""
    capacities = {c["code"]: c["capacity"] for c in demo_conference_json()["categories"]}
    shares = {code: mix["share"] for code, mix in read_data("attendees")["categories"].items()}
    room = sum(capacities.values())
    if not 0 <= count <= room:
        raise ValueError(f"count must be between 0 and {room}")
    total_share = sum(shares.values())
    exact = {code: count * share / total_share for code, share in shares.items()}
    counts = {code: min(int(value), capacities[code]) for code, value in exact.items()}
    # The rest go first to the largest remainders, then to whoever has room left.
    missing = count - sum(counts.values())
    for code in sorted(exact, key=lambda code: (int(exact[code]) - exact[code], code)):
        if missing and counts[code] < capacities[code]:
            counts[code] += 1
            missing -= 1
    for code in sorted(capacities, key=lambda code: counts[code] - capacities[code]):
        spare = min(missing, capacities[code] - counts[code])
        counts[code] += spare
        missing -= spare
    return counts


def _phone(rng: random.Random, prefixes: list[str], taken: set[str]) -> str:
    while True:
        phone = rng.choice(prefixes) + f"{rng.randrange(10**8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _email(
    rng: random.Random, surname_py: str, given_py: str, domains: list[str], taken: set[str]
) -> str:
    local = (
        f"{surname_py}{given_py}",
        f"{given_py}.{surname_py}",
        f"{surname_py}.{given_py}",
    )[rng.randrange(3)]
    domain = rng.choice(domains)
    email = f"{local}@{domain}"
    number = 1
    while email in taken:
        number += 1
        email = f"{local}{number}@{domain}"
    taken.add(email)
    return email


def demo_attendees(count: int = 300) -> list[dict]:
    """``count`` deterministic demo attendees (category, name, email, phone, organization,
    position); no category gets more than its capacity."""
    people = read_data("people")
    mix = read_data("attendees")["categories"]
    organizations = read_data("organizations")
    positions = read_data("positions")
    rng = random.Random(SEED)
    names = _Names(rng, people)
    emails: set[str] = set()
    phones: set[str] = set()
    plan = [code for code, n in category_counts(count).items() for _ in range(n)]
    rng.shuffle(plan)
    attendees = []
    for category in plan:
        kind = rng.choice(mix[category]["kinds"])
        name, surname_py, given_py = names.draw()
        position_kind = "guest" if category == "guest" else kind
        attendees.append(
            {
                "category": category,
                "name": name,
                "email": _email(rng, surname_py, given_py, people["email_domains"], emails),
                "phone": _phone(rng, people["mobile_prefixes"], phones),
                "organization": rng.choice(organizations[kind]),
                "position": rng.choice(positions[position_kind]),
            }
        )
    return attendees


# --- signed projects ------------------------------------------------------------------------


def _amount_wan(rng: random.Random) -> Decimal:
    """An amount in 万元: mostly a few million yuan, now and then a billion-yuan project."""
    tier = rng.random()
    if tier < 0.35:
        return Decimal(rng.randrange(5_000, 300_000)) / 100  # 50.00 to 2,999.99
    if tier < 0.8:
        low, high, step = 3_000, 12_000, 50
    elif tier < 0.96:
        low, high, step = 12_000, 40_000, 500
    else:
        low, high, step = 50_000, 100_000, 5_000
    return Decimal(rng.randrange(low, high + 1, step))


def demo_signings(count: int = 60) -> list[dict]:
    """``count`` deterministic signed cooperation projects (签约项目) of the demo conference:
    title, party_a, party_b, region, sector, amount_wan (Decimal), forum, signed_on (date)."""
    pools = read_data("signings")
    conference = demo_conference_json()
    first_day = date.fromisoformat(conference["starts_on"])
    second_day = date.fromisoformat(conference["ends_on"])
    sectors = pools["sectors"]
    regions = list(pools["regions"])
    weights = list(pools["regions"].values())
    sc_cities, cq_cities = pools["sichuan_cities"], pools["chongqing_cities"]
    sc_parties, cq_parties = pools["sichuan_parties"], pools["chongqing_parties"]
    other_parties = pools["other_parties"]
    rng = random.Random(SEED)

    def firm(cities: list[str], sector: str) -> str:
        return rng.choice(cities) + rng.choice(pools["brands"]) + sectors[sector]["firm"]

    titles: set[str] = set()
    signings = []
    for _index in range(count):
        sector = rng.choice(list(sectors))
        forum, subjects = sectors[sector]["forum"], sectors[sector]["subjects"]
        if rng.random() < 0.2:
            forum = pools["transfer_forum"]  # brought to the signing by technology transfer
        region = rng.choices(regions, weights)[0]
        if region == "四川":
            party_a = firm(sc_cities, sector)
            party_b = rng.choice(sc_parties)
        elif region == "重庆":
            party_a = firm(cq_cities, sector)
            party_b = rng.choice(cq_parties)
        elif region == "川渝联合":
            party_a = firm(sc_cities, sector)
            party_b = rng.choice(cq_parties)
            if rng.random() < 0.5:
                party_a, party_b = firm(cq_cities, sector), rng.choice(sc_parties)
        else:
            region = rng.choice(list(other_parties))
            party_a = firm(sc_cities + cq_cities, sector)
            party_b = rng.choice(other_parties[region])
        prefix = pools["joint_title_prefix"] if region == "川渝联合" else ""
        title = prefix + rng.choice(subjects) + rng.choice(pools["project_kinds"])
        while title in titles:
            prefix = rng.choice(pools["repeat_title_prefixes"]) + rng.choice(
                pools["repeat_title_phases"]
            )
            title = prefix + rng.choice(subjects) + rng.choice(pools["project_kinds"])
        titles.add(title)
        signings.append(
            {
                "title": title,
                "party_a": party_a,
                "party_b": party_b,
                "region": region,
                "sector": sector,
                "amount_wan": _amount_wan(rng).quantize(Decimal("0.01")),
                "forum": forum,
                "signed_on": first_day if rng.random() < 0.65 else second_day,
            }
        )
    return signings
