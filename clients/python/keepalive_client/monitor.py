"""KeepAliveMonitor: a drop-in for llm-router's KeepAliveMonitor that hands usage to the keep-alive service."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, List, Optional

from ._http import Transport
from ._usage import PendingUsage, UsageBuffer, is_duration, keep_alive_text, shown_name, unsendable_name, usage_json
from .errors import ProblemError, ServiceUnreachableError

_BATCH_PATH = "/api/usage/batch"
# Worth waiting for: a service that is overloaded (429, 503) or behind a proxy whose backend restarts (502, 504).
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_FIRST_RETRY_SECONDS = 0.5
_MAX_RETRY_SECONDS = 30.0
# Bad input is warned about once per distinct value; a router sending endless distinct bad values stops being told.
_MAX_WARNED_VALUES = 1000


class KeepAliveMonitor:
    """Takes the place of ``llm_router_api.core.monitor.keep_alive_monitor.KeepAliveMonitor``.

    It accepts every argument of the original; those of its own polling loop (``redis_client``,
    ``keep_alive``, ``check_interval``, ``is_host_free_callback``, ``clear_buffers``, ``redis_prefix``)
    are ignored, because the service pings, gates hosts and keeps the Redis schedule. ``record_usage``
    never blocks and never raises: it buffers the latest usage per pair, and a background thread (started
    by :meth:`start`) posts them in batches to ``/api/usage/batch``, retrying while the service is
    unreachable or answers 429/503 (honouring ``Retry-After``). The buffer holds at most ``max_pending``
    pairs; when it is full the oldest is dropped, counted in :attr:`dropped_usages` and logged once.
    :meth:`stop` sends what is still buffered (for at most ``stop_timeout`` seconds) and ends the thread.

    ``base_url`` defaults to the environment variable ``KEEPALIVE_URL``, else ``http://127.0.0.1:5080``;
    ``api_token`` to ``KEEPALIVE_API_TOKEN``.
    """

    def __init__(
        self,
        redis_client: Any = None,
        keep_alive: Any = None,
        check_interval: float = 1.0,
        logger: Optional[logging.Logger] = None,
        is_host_free_callback: Optional[Callable[[str, str], bool]] = None,
        clear_buffers: bool = False,
        redis_prefix: str = "keepalive",
        *,
        base_url: Optional[str] = None,
        api_token: Optional[str] = None,
        timeout: float = 5.0,
        flush_interval: float = 0.5,
        batch_size: int = 1000,
        max_pending: int = 100_000,
        stop_timeout: float = 10.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.logger = logger or logging.getLogger(__name__)
        self._http = Transport(base_url, api_token, timeout)
        self._buffer = UsageBuffer(max_pending)
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._stop_timeout = stop_timeout

        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keepalive-client", daemon=True)
        self._started = False

        self._warned: set = set()
        self._sent = 0
        self._rejected = 0
        self._retry_delay = 0.0
        self._failing = False
        self._overflowing = False

        if clear_buffers:
            # The router passes clear_buffers=True by default; doing it here would wipe the schedule the service shares.
            self.logger.info(
                "[keep-alive] clear_buffers is ignored: the keep-alive service at %s owns the schedule (its --clear-on-start)",
                self._http.base_url,
            )

    def __repr__(self) -> str:
        return f"KeepAliveMonitor({self._http!r}, pending={len(self._buffer)})"

    @property
    def pending_usages(self) -> int:
        """Pairs whose latest usage is waiting to be sent."""
        return len(self._buffer)

    @property
    def dropped_usages(self) -> int:
        """Usages dropped because the buffer was full (``max_pending``), oldest first."""
        return self._buffer.dropped

    @property
    def sent_usages(self) -> int:
        """Usages the service accepted."""
        return self._sent

    @property
    def rejected_usages(self) -> int:
        """Usages in batches the service refused for good (400, 401, 413, ...); each refusal is logged once per status."""
        return self._rejected

    def start(self) -> None:
        """Starts the background thread that sends the buffered usage."""
        self._thread.start()
        self._started = True
        self.logger.debug("[keep-alive] client thread started, service %s", self._http.base_url)

    def stop(self) -> None:
        """Sends what is still buffered (for at most ``stop_timeout`` seconds) and stops the background thread."""
        self._stopping.set()
        self._wake.set()
        if self._started:
            self._thread.join()
        else:
            self._flush_before_stop()
        self.logger.debug("[keep-alive] client thread stopped")

    def record_usage(self, model_name: str, host: str, keep_alive: Optional[str]) -> None:
        """Records that ``model_name`` was used on ``host``: the service pings the pair after ``keep_alive`` of idleness.

        As in the original, a falsy ``keep_alive``, model or host records nothing, and a ``keep_alive`` that is
        not a duration turns the pair off with a warning. Never blocks on I/O and never raises.
        """
        if not keep_alive or not model_name or not host:
            return
        try:
            model, where = str(model_name), str(host)
            problem = unsendable_name(model, where)
            if problem is not None:
                shown = (shown_name(model), shown_name(where))
                self._warn_once(("name",) + shown, "[keep-alive] usage of %s on %s not sent: %s", *shown, problem)
                return
            text = keep_alive_text(keep_alive)
            if not is_duration(text):
                self._warn_once(("duration", text), "[keep-alive] invalid keep_alive duration %r: the pair is turned off", text)
                text = None
            if self._buffer.add((model, where), text) and not self._overflowing:
                self._overflowing = True
                self.logger.warning(
                    "[keep-alive] usage buffer full (max_pending): dropping the oldest pending usages until the service "
                    "at %s takes them; see dropped_usages",
                    self._http.base_url,
                )
            self._wake.set()
        except Exception:  # pylint: disable=broad-except
            # The router's request path must never fail because of keep-alive bookkeeping.
            self._warn_once(("unexpected",), "[keep-alive] record_usage failed", exc_info=True)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stopping.is_set():
                break
            retry_after = self._send_pending()
            if retry_after is None:
                # Usage recorded meanwhile waits for the next round, so one busy pair costs one post per interval.
                self._stopping.wait(self._flush_interval)
            else:
                self._wake.set()
                self._stopping.wait(retry_after)
        self._flush_before_stop()

    def _flush_before_stop(self) -> None:
        deadline = time.monotonic() + self._stop_timeout
        retry_after = self._send_pending()
        while retry_after is not None and time.monotonic() + retry_after < deadline:
            time.sleep(retry_after)
            retry_after = self._send_pending()
        if len(self._buffer):
            self.logger.warning(
                "[keep-alive] stopped with %d usage(s) not delivered to %s", len(self._buffer), self._http.base_url
            )

    def _send_pending(self) -> Optional[float]:
        """Posts the buffer in batches; None when it is empty, else the seconds to wait before trying again."""
        while True:
            batch = self._buffer.take(self._batch_size)
            if not batch:
                self._overflowing = False
                return None
            try:
                self._http.request("POST", _BATCH_PATH, [usage_json(model, host, keep_alive) for (model, host), keep_alive in batch])
            except ServiceUnreachableError as failure:
                return self._retry_later(batch, failure, None)
            except ProblemError as failure:
                if failure.status in _RETRY_STATUSES:
                    return self._retry_later(batch, failure, failure.retry_after)
                self._rejected += len(batch)
                self._warn_once(("status", failure.status), "[keep-alive] %d usage(s) refused, not retried: %s", len(batch), failure)
                continue
            except Exception as failure:  # pylint: disable=broad-except
                # The sender must outlive anything unforeseen; the batch is kept and tried again.
                return self._retry_later(batch, failure, None)
            self._sent += len(batch)
            self._retry_delay = 0.0
            if self._failing:
                self._failing = False
                self.logger.info("[keep-alive] service at %s takes usage again", self._http.base_url)

    def _retry_later(self, batch: List[PendingUsage], failure: Exception, retry_after: Optional[float]) -> float:
        self._buffer.put_back(batch)
        if not self._failing:
            self._failing = True
            self.logger.warning(
                "[keep-alive] %s; %d usage(s) kept and retried until it takes them", failure, len(self._buffer)
            )
        else:
            self.logger.debug("[keep-alive] still failing: %s", failure)
        self._retry_delay = min(max(self._retry_delay * 2, _FIRST_RETRY_SECONDS), _MAX_RETRY_SECONDS)
        return retry_after if retry_after is not None else self._retry_delay

    def _warn_once(self, key: tuple, message: str, *args: Any, exc_info: bool = False) -> None:
        if key in self._warned or len(self._warned) >= _MAX_WARNED_VALUES:
            return
        self._warned.add(key)
        self.logger.warning(message, *args, exc_info=exc_info)

