"""Within one article, mentions of one happening become one event.

Merging is conservative: a missed merge leaves two records of one happening, a wrong merge loses
an event. Mentions merge when type and language agree, their actors name the same country, and
place and date do not disagree; a section heading merges into the event it repeats and is dropped
when it repeats none.

Merging is windowed, so that its time grows with the article's length, not its square: two
mentions in the body merge only when their sentences start within BODY_REACH characters of each
other (a few sentences), and a heading only with mentions within HEADING_REACH characters of it
(more than any one news article: headings merge up to 8,000 characters away in the benchmarks'
articles, whose longest has 32,000). Each mention is checked against the groups of its type and
language still within reach, and against each group's distinct arguments rather than each member.
"""
from __future__ import annotations

from collections import deque
from itertools import pairwise

from .records import Event

BODY_REACH = 400
HEADING_REACH = 50_000


def _compatible(a, b) -> bool:
    return a is None or b is None or a == b


def _same_place(a, b) -> bool:
    if a is None or b is None:
        return True
    if a.geonameid and b.geonameid and a.geonameid == b.geonameid:
        return True
    return (a.resolution == "country" or b.resolution == "country") and a.country == b.country


def _same_date(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.startswith(b) or b.startswith(a)


def _other_names(a, b) -> bool:
    """Both parties are named (capitalised in the text) and are not the same name."""
    if a is None or b is None or not a.text or not b.text:
        return False
    named = a.text[:1].isupper() and b.text[:1].isupper()
    return named and a.name != b.name and a.name not in b.name and b.name not in a.name


def _close(a: Event, b: Event, window: int = BODY_REACH) -> bool:
    """Mentions told within a few sentences of each other (a character window)."""
    return abs(a.sentence.start - b.sentence.start) <= window


def mergeable(a: Event, b: Event) -> bool:
    if a.event_type != b.event_type or a.language != b.language or not _compatible(a.mode, b.mode):
        return False
    heading = a.sentence.heading or b.sentence.heading
    codes = [(x.actor.code if x.actor else None) for x in (a, b)]
    if not heading and (codes[0] is None or codes[0] != codes[1]):
        return False
    if heading and not _compatible(*codes):
        return False
    if not heading and (_other_names(a.actor, b.actor) or _other_names(a.recipient, b.recipient)):
        return False  # "Raab resigned ... Vara resigned": two named people, two happenings
    rec = [(x.recipient.code if x.recipient else None) for x in (a, b)]
    if not heading and abs(a.sentence.start - b.sentence.start) > 0 and not _close(a, b):
        return False  # one actor's two requests far apart in an article may well be two requests
    if heading and not _close(a, b, HEADING_REACH):
        return False
    return _compatible(*rec) and _same_place(a.location, b.location) and _same_date(a.date, b.date)


class _Group:
    """Mentions of one happening, with what a newcomer is checked against: one member for each
    distinct set of the arguments `mergeable` reads, and the span of the members' sentences."""

    __slots__ = ("body", "heads", "kinds", "members", "n")

    def __init__(self, n: int, ev: Event):
        self.n = n  # order of creation: a mention joins the first group that takes it
        self.members: list[Event] = []
        self.kinds: dict[tuple, Event] = {}
        self.body: tuple[int, int] | None = None  # first and last sentence start of the body mentions
        self.heads: tuple[int, int] | None = None  # the same for headings
        self.add(ev)

    def add(self, ev: Event) -> None:
        self.members.append(ev)
        s = ev.sentence
        parties = tuple((x.code, x.name, x.text) if x else None for x in (ev.actor, ev.recipient))
        self.kinds.setdefault((s.heading, ev.mode, parties, ev.location, ev.date), ev)
        span = self.heads if s.heading else self.body
        span = (min(span[0], s.start), max(span[1], s.start)) if span else (s.start, s.start)
        if s.heading:
            self.heads = span
        else:
            self.body = span

    def takes(self, ev: Event) -> bool:
        """`mergeable(ev, m)` for every member m, from the spans and one member of each kind."""
        start = ev.sentence.start
        reach = HEADING_REACH if ev.sentence.heading else BODY_REACH
        for span, r in ((self.body, reach), (self.heads, HEADING_REACH)):
            if span and (abs(start - span[0]) > r or abs(start - span[1]) > r):
                return False
        return all(mergeable(ev, m) for m in self.kinds.values())


class _Bucket:
    """The groups of one event type and language, and those a mention can still join when mentions
    come in body order: every group within a heading's reach, and for a mention of the body, the
    groups whose body mentions are within its reach and the groups of headings alone."""

    def __init__(self) -> None:
        self.live: deque[_Group] = deque()  # by creation, which is by first sentence
        self.recent: deque[_Group] = deque()  # groups with body mentions, by the first of them
        self.headings: deque[_Group] = deque()  # groups of headings alone, by creation

    def candidates(self, ev: Event) -> list[_Group]:
        start = ev.sentence.start
        while self.live and start - self.live[0].members[0].sentence.start > HEADING_REACH:
            self.live.popleft()
        if ev.sentence.heading:
            return list(self.live)
        while self.recent and start - self.recent[0].body[0] > BODY_REACH:
            self.recent.popleft()
        while self.headings and start - self.headings[0].heads[0] > HEADING_REACH:
            self.headings.popleft()
        return sorted([*self.recent, *self.headings], key=lambda g: g.n)

    def add(self, g: _Group) -> None:
        self.live.append(g)
        (self.recent if g.body else self.headings).append(g)

    def join(self, g: _Group, ev: Event) -> None:
        headings_alone = g.body is None
        g.add(ev)
        if headings_alone and g.body is not None:
            self.headings.remove(g)
            self.recent.append(g)


def merge_events(events: list[Event]) -> list[Event]:
    """Group mentions into events; the first mention in the body is the evidence."""
    ordered = all(a.sentence.start <= b.sentence.start for a, b in pairwise(events))
    groups: list[_Group] = []
    buckets: dict[tuple[str, str], _Bucket] = {}
    for ev in events:
        bucket = buckets.setdefault((ev.event_type, ev.language), _Bucket())
        # in body order (as the pipeline gives them) only the groups within reach are looked at
        cands = bucket.candidates(ev) if ordered else bucket.live
        g = next((g for g in cands if g.takes(ev)), None)
        if g is None:
            g = _Group(len(groups), ev)
            groups.append(g)
            bucket.add(g)
        else:
            bucket.join(g, ev)
    out = []
    for g in (g.members for g in groups):
        body = [e for e in g if not e.sentence.heading]
        if not body:
            continue  # a heading that repeats no event of the body
        main = body[0]
        for other in g:
            if other is main:
                continue
            for attr in ("actor", "recipient", "location", "source", "mode"):
                if getattr(main, attr) is None and getattr(other, attr) is not None:
                    setattr(main, attr, getattr(other, attr))
                    if attr == "location":
                        main.location_text = other.location_text
            for kind, n in other.size.items():
                if main.size.get(kind) is None and n is not None:
                    main.size[kind] = n
            if (main.date is None or len(main.date) < len(other.date or "")) and other.date:
                main.date, main.date_text, main.time = other.date, other.date_text, other.time
            main.mentions.append(other)
        out.append(main)
    out.sort(key=lambda e: e.sentence.start)
    return out


