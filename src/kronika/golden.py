"""The compact form of events that golden files hold: what a reviewer checks in a diff."""
from __future__ import annotations


def golden_view(rec: dict) -> dict:
    """The fields of an output record that a behaviour change should show up in."""
    who = lambda a: None if not a else {"code": a["code"], "sector": a["sector"], "text": a["text"]}  # noqa: E731
    loc = rec["location"]
    return {
        "event_type": rec["event_type"], "mode": rec["mode"],
        "actor": who(rec["actor"]), "recipient": who(rec["recipient"]),
        "location": None if not loc else {"name": loc["name"], "geonameid": loc["geonameid"], "country": loc["country"]},
        "date": rec["date"], "source": (rec["source"] or {}).get("name"), "language": rec["language"],
        "trigger": rec["evidence"]["trigger"]["text"], "sentence": rec["evidence"]["sentence"],
    }
