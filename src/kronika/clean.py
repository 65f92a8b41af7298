"""Clean: mark what is not article prose as skip spans, never changing the text or its offsets."""
from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from itertools import accumulate


from .lexicon import data_path, load_yaml
from .records import Skip

URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+")
# "— Agency (@handle) January 6, 2022", the trailer of an embedded tweet
TWEET_TRAILER = re.compile(r"[—–-]\s*[^\n()]{1,80}\(@\w{1,30}\)\s*(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?")
HANDLE = re.compile(r"(?<!\w)@\w{2,30}")


@functools.lru_cache(maxsize=1)
def _boilerplate():
    data = load_yaml(data_path("boilerplate.yaml"))
    prefixes = tuple(p.lower() for p in data["see_also_prefixes"])
    agencies = "|".join(re.escape(a) for a in data["signoff_agencies"])
    signoff = re.compile(rf"^\s*(?:[\w.,]{{1,12}}\s*/\s*)?\(?/?\s*(?:{agencies})\s*/?\)?\s*$", re.IGNORECASE)
    return prefixes, signoff


class Skips(list):
    """Skip spans sorted by start, which can say which of them reach into a stretch of the body
    with a binary search (a scan of all of them for each sentence would make a long article's time
    grow with its square). Built by `find_skips`; not to be changed after."""

    def __init__(self, spans=()):
        super().__init__(sorted(spans, key=lambda s: s.start))
        self._starts = [k.start for k in self]
        self._reach = list(accumulate((k.end for k in self), max))  # the furthest end so far

    def within(self, start: int, end: int) -> list[Skip]:
        """The spans that overlap [start, end), in order."""
        first = bisect_right(self._reach, start)  # spans before it all end at or before `start`
        last = bisect_left(self._starts, end)  # spans from it on all start at or after `end`
        return [k for k in self[first:last] if k.end > start]


def find_skips(body: str) -> Skips:
    """Skip spans of `body`: see-also lines, URLs, tweet trailers, handles and agency sign-offs.

    >>> [s.reason for s in find_skips("Text.\\n\\nZOBACZ: More\\n\\npdb/PAP")]
    ['see-also', 'sign-off']
    """
    prefixes, signoff = _boilerplate()
    skips: list[Skip] = []
    pos = 0
    for line in body.split("\n"):
        stripped = line.strip()
        low = stripped.lower()
        start = pos + (len(line) - len(line.lstrip()))
        if stripped and low.startswith(prefixes):
            skips.append(Skip(start, start + len(stripped), "see-also"))
        elif stripped and len(stripped) <= 40 and signoff.match(stripped):
            skips.append(Skip(start, start + len(stripped), "sign-off"))
        pos += len(line) + 1
    covered = bytearray(len(body))  # 1 where a span found so far lies: a look-up, not a scan of the spans
    for s in skips:
        covered[s.start:s.end] = b"\1" * (s.end - s.start)
    for rx, reason in ((TWEET_TRAILER, "tweet-trailer"), (URL, "url"), (HANDLE, "handle")):
        for m in rx.finditer(body):
            if not covered[m.start()]:
                skips.append(Skip(m.start(), m.end(), reason))
                covered[m.start():m.end()] = b"\1" * (m.end() - m.start())
    return Skips(skips)


def in_skips(skips: list[Skip], start: int, end: int) -> bool:
    """True when [start, end) lies inside one skip span."""
    return any(s.start <= start and end <= s.end for s in skips)
