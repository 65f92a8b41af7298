"""Clean: mark what is not article prose as skip spans, never changing the text or its offsets."""
from __future__ import annotations

import functools
import re


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


def find_skips(body: str) -> list[Skip]:
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
    for rx, reason in ((TWEET_TRAILER, "tweet-trailer"), (URL, "url"), (HANDLE, "handle")):
        for m in rx.finditer(body):
            if not any(s.start <= m.start() < s.end for s in skips):
                skips.append(Skip(m.start(), m.end(), reason))
    skips.sort(key=lambda s: s.start)
    return skips


def in_skips(skips: list[Skip], start: int, end: int) -> bool:
    """True when [start, end) lies inside one skip span."""
    return any(s.start <= start and end <= s.end for s in skips)
