"""One JSON request to the service over the standard library's HTTP client."""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping, Optional, Tuple

from .errors import ServiceUnreachableError, problem_error

DEFAULT_URL = "http://127.0.0.1:5080"
URL_VARIABLE = "KEEPALIVE_URL"
TOKEN_VARIABLE = "KEEPALIVE_API_TOKEN"

# A service that asks for a long pause is still better polled than forgotten.
_MAX_RETRY_AFTER_SECONDS = 300.0


class Transport:
    """Base URL, bearer token and timeout of one service; never shows the token."""

    def __init__(self, base_url: Optional[str], api_token: Optional[str], timeout: float) -> None:
        self.base_url = (base_url or os.environ.get(URL_VARIABLE) or DEFAULT_URL).rstrip("/")
        self._token = api_token if api_token is not None else (os.environ.get(TOKEN_VARIABLE) or None)
        self.timeout = timeout
        # Never the environment's proxies: the service is usually on this machine or its network.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, api_token={'<set>' if self._token else None})"

    def request(
        self, method: str, path: str, body: Any = None, query: Optional[Mapping[str, str]] = None
    ) -> Tuple[int, Any]:
        """Sends one request; returns the status and the parsed JSON answer (None when it has no body).

        Raises :class:`ServiceUnreachableError` when the service does not answer and a
        :class:`ProblemError` subclass for any status from 400 up.
        """
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json, application/problem+json"}
        data = None
        if body is not None:
            # ASCII escapes keep any Python string encodable; the service judges what it holds.
            data = json.dumps(body).encode("ascii")
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"

        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as answer:
            with answer:
                problem = _json(answer.read())
                retry_after = parse_retry_after(answer.headers.get("Retry-After"))
            raise problem_error(answer.code, method, path, problem if isinstance(problem, dict) else None, retry_after) from None
        # URLError, refused or reset connections and timeouts are all OSErrors.
        except (OSError, http.client.HTTPException) as failure:
            reason = getattr(failure, "reason", failure)
            raise ServiceUnreachableError(f"{method} {path}: the service at {self.base_url} did not answer: {reason}") from None


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), bounded to [0, 300]; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER_SECONDS)


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
