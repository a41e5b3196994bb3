"""KeepAliveClient: the keep-alive service's HTTP API, one method per request."""

from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional, Tuple, Union

from ._http import Transport
from ._usage import usage_json

# keep_alive as the API takes it: a duration ("30s", "5m", "1h"), or None / False / "" to turn the pair off.
KeepAlive = Union[str, bool, None]
UsageItem = Union[Tuple[str, str, KeepAlive], Mapping[str, Any]]


class KeepAliveClient:
    """Talks to the keep-alive service's HTTP API (its README, "HTTP API").

    ``base_url`` defaults to the environment variable ``KEEPALIVE_URL``, else ``http://127.0.0.1:5080``;
    ``api_token`` to ``KEEPALIVE_API_TOKEN``. Every call blocks for one request of at most ``timeout``
    seconds. Errors: :class:`~keepalive_client.errors.ServiceUnreachableError` when the service does not
    answer, and a :class:`~keepalive_client.errors.ProblemError` subclass for an error status, carrying
    the service's problem details.
    """

    def __init__(self, base_url: Optional[str] = None, api_token: Optional[str] = None, timeout: float = 10.0) -> None:
        self._http = Transport(base_url, api_token, timeout)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def __repr__(self) -> str:
        return f"KeepAliveClient({self._http!r})"

    def record_usage(self, model_name: str, host: str, keep_alive: KeepAlive) -> int:
        """``POST /api/usage``: the pair's next ping moves to now + keep_alive and the model occupies the host.

        A falsy ``keep_alive`` (None, False, "", "0s") turns the pair off. Returns the number accepted (1).
        """
        _, answer = self._http.request("POST", "/api/usage", usage_json(model_name, host, keep_alive))
        return _accepted(answer)

    def record_usage_batch(self, items: Iterable[UsageItem]) -> int:
        """``POST /api/usage/batch``: many usages, all or nothing (one bad item refuses the batch, naming ``[i].field``).

        Items are ``(model_name, host, keep_alive)`` tuples or mappings with those keys. Returns the number accepted.
        """
        body = [usage_json(*item) if isinstance(item, tuple) else usage_json(item["model_name"], item["host"], item["keep_alive"]) for item in items]
        _, answer = self._http.request("POST", "/api/usage/batch", body)
        return _accepted(answer)

    def unregister(self, model_name: str, host: str) -> None:
        """``DELETE /api/usage``: no more pings, the pair leaves the schedule. NotFoundError when the service has no such pair."""
        self._http.request("DELETE", "/api/usage", query=_pair(model_name, host))

    def host_request_started(self, host: str) -> None:
        """``POST /api/hosts/requests/start``: a real request runs on the host; its pings wait until it finishes."""
        self._http.request("POST", "/api/hosts/requests/start", {"host": host})

    def host_request_finished(self, host: str) -> None:
        """``POST /api/hosts/requests/finish``: that request finished."""
        self._http.request("POST", "/api/hosts/requests/finish", {"host": host})

    @contextlib.contextmanager
    def host_request(self, host: str) -> Iterator[None]:
        """Reports a real request on ``host`` around the ``with`` block, finished even when the block raises."""
        self.host_request_started(host)
        try:
            yield
        finally:
            self.host_request_finished(host)

    def ping_now(self, model_name: str, host: str) -> Dict[str, Any]:
        """``POST /api/providers/ping``: pings the pair once, now, through the service's rules; warms a model before traffic.

        Returns the outcome the service answers with (its status, latency and outcome). HostBusyError (409)
        names the ``occupant`` when another model occupies the host; NotFoundError (404) when no provider matches.
        """
        _, answer = self._http.request("POST", "/api/providers/ping", {"model_name": model_name, "host": host})
        return answer if isinstance(answer, dict) else {}

    def providers(
        self,
        q: Optional[str] = None,
        sort: Optional[str] = None,
        order: Optional[str] = None,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> Dict[str, Any]:
        """``GET /api/providers``: ``{"count", "total", "offset", "limit", "now", "providers": [status, ...], "unreachable_nodes"}``.

        Without arguments: every pair of the cluster, by model. ``q`` keeps pairs whose model, host or node
        contains it; ``sort`` is one of model, host, node, state, next_wake_up, last_ping, consecutive_failures
        and ``order`` "asc" or "desc"; ``offset`` and ``limit`` (1 to 500) take one page. ``count`` is the
        pairs in this answer, ``total`` those matching ``q``. InvalidRequestError names a bad parameter.
        """
        chosen = {"q": q, "sort": sort, "order": order, "offset": offset, "limit": limit}
        return self._get("/api/providers", {name: str(value) for name, value in chosen.items() if value is not None})

    def provider(self, model_name: str, host: str) -> Dict[str, Any]:
        """``GET /api/providers/one``: one pair's status. NotFoundError when the service has no actor for it (yet)."""
        return self._get("/api/providers/one", _pair(model_name, host))

    def hosts(self) -> Dict[str, Any]:
        """``GET /api/hosts``: ``{"count", "hosts": [...], "unreachable_nodes"}``.

        A host is ``{"host", "occupant", "requests_in_flight", "lease_holder", "waiting", "node"}``: the model
        occupying it, real requests running on it, the model whose ping holds its lease, pings waiting for it.
        """
        return self._get("/api/hosts")

    def cluster(self) -> Dict[str, Any]:
        """``GET /api/cluster``: ``{"self", "leader", "members": [{"address", "status", "roles", "reachable", "pairs"}], "unreachable_nodes"}``."""
        return self._get("/api/cluster")

    def _get(self, path: str, query: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
        _, answer = self._http.request("GET", path, query=query or None)
        return answer if isinstance(answer, dict) else {}


def _pair(model_name: str, host: str) -> Dict[str, str]:
    return {"model_name": model_name, "host": host}


def _accepted(answer: Any) -> int:
    accepted = answer.get("accepted") if isinstance(answer, dict) else None
    return accepted if isinstance(accepted, int) else 0
