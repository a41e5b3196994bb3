"""The pure parts of the monitor: which usages it sends, and the bounded buffer that holds them until sent."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

Pair = Tuple[str, str]
PendingUsage = Tuple[Pair, Optional[str]]

# The service's grammar (KeepAliveDuration): <integer><s|m|h>, case-insensitive, spaces around and between.
_DURATION = re.compile(r"\s*([0-9]+)\s*([smh])\s*", re.IGNORECASE)
_SECONDS_PER_UNIT = {"s": 1, "m": 60, "h": 3600}
# The longest keep_alive the service takes: TimeSpan's range in whole seconds. Longer ones it refuses.
_MAX_SECONDS = 922_337_203_685
# The service's limit on a model name or host (PairKey.MaxNameBytes), in UTF-8 bytes without surrounding whitespace:
# a pair's names travel between its nodes, and longer ones would not reach the pair. It refuses them, and the batch.
MAX_NAME_BYTES = 1024
# Only whitespace the service trims too: a name this leaves longer than the service sees it is refused here, never there.
_TRIMMED = " \t\n\r\x0b\x0c"
# How much of a name a warning quotes: a huge name must not make a huge log line.
_SHOWN_CHARS = 120


def usage_json(model_name: str, host: str, keep_alive: Any) -> Dict[str, Any]:
    """One usage as the API reads it (``POST /api/usage``, an item of ``/api/usage/batch``)."""
    return {"model_name": model_name, "host": host, "keep_alive": keep_alive}


def is_duration(text: str) -> bool:
    """True when the service reads ``text`` as a keep_alive duration (``"30s"``, ``" 5 M "``, ``"1h"``)."""
    match = _DURATION.fullmatch(text)
    return match is not None and int(match.group(1)) <= _MAX_SECONDS // _SECONDS_PER_UNIT[match.group(2).lower()]


def keep_alive_text(keep_alive: object) -> str:
    """The keep_alive as the original monitor reads it: bytes decoded, anything else as ``str()``."""
    if isinstance(keep_alive, (bytes, bytearray)):
        return bytes(keep_alive).decode("utf-8", errors="ignore")
    return str(keep_alive)


def unsendable_name(model_name: str, host: str) -> Optional[str]:
    """Why the service would refuse this pair (and with it the whole batch), or None when it takes it."""
    if not model_name.strip() or not host.strip():
        return "a blank model name or host"
    if "|" in host:
        return "a '|' in the host, which separates model and host in the pair's id"
    for what, name in (("model name", model_name), ("host", host)):
        try:
            size = len(name.strip(_TRIMMED).encode("utf-8"))
        except UnicodeEncodeError:
            return "text that is not valid Unicode (a lone surrogate)"
        if size > MAX_NAME_BYTES:
            return f"a {what} of {size:,} bytes in UTF-8; the service takes at most {MAX_NAME_BYTES:,}"
    return None


def shown_name(name: str) -> str:
    """The name as a warning quotes it: in full up to a point, then its start and its size."""
    if len(name) <= _SHOWN_CHARS:
        return repr(name)
    return f"{name[:_SHOWN_CHARS]!r}…({len(name.encode('utf-8', 'surrogatepass')):,} bytes)"


class UsageBuffer:
    """Usages waiting to be sent: the latest per pair, oldest first, at most ``capacity`` pairs.

    A full buffer drops its oldest pair for a new one; :attr:`dropped` counts them. Thread-safe.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"max_pending must be at least 1, not {capacity}")
        self._capacity = capacity
        self._usages: "OrderedDict[Pair, Optional[str]]" = OrderedDict()
        self._lock = threading.Lock()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._usages)

    def pairs(self) -> List[Pair]:
        """The pending pairs, oldest first."""
        with self._lock:
            return list(self._usages)

    def add(self, pair: Pair, keep_alive: Optional[str]) -> int:
        """Records the latest usage of ``pair``; returns how many pairs were dropped to make room."""
        with self._lock:
            if pair in self._usages:
                self._usages.move_to_end(pair)
            self._usages[pair] = keep_alive
            return self._trim()

    def take(self, limit: int) -> List[PendingUsage]:
        """Removes and returns up to ``limit`` usages, oldest first."""
        with self._lock:
            return [self._usages.popitem(last=False) for _ in range(min(limit, len(self._usages)))]

    def put_back(self, batch: List[PendingUsage]) -> int:
        """Returns a batch that was not sent to the front, except pairs used again since; returns how many were dropped."""
        with self._lock:
            for pair, keep_alive in reversed(batch):
                if pair in self._usages:
                    continue
                self._usages[pair] = keep_alive
                self._usages.move_to_end(pair, last=False)
            return self._trim()

    def _trim(self) -> int:
        dropped = 0
        while len(self._usages) > self._capacity:
            self._usages.popitem(last=False)
            dropped += 1
        self.dropped += dropped
        return dropped
