"""Errors of the keep-alive client, each carrying what the service said (RFC 9457 problem details)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional


class KeepAliveError(Exception):
    """Base of every error this package raises."""


class ServiceUnreachableError(KeepAliveError):
    """The service did not answer: connection refused or reset, unknown host, or timeout."""


class ProblemError(KeepAliveError):
    """The service answered with an error status; the fields come from its problem details body.

    ``errors`` maps each bad field (``keep_alive``, ``[2].host``) to its reasons, as the API names them.
    ``retry_after`` is the ``Retry-After`` header in seconds, when the service sent one.
    """

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        problem: Optional[Mapping[str, Any]] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.problem: Dict[str, Any] = dict(problem or {})
        self.retry_after = retry_after
        self.title: Optional[str] = _text(self.problem.get("title"))
        self.detail: Optional[str] = _text(self.problem.get("detail"))
        self.type: Optional[str] = _text(self.problem.get("type"))
        self.errors: Dict[str, List[str]] = _field_errors(self.problem.get("errors"))
        super().__init__(self._describe())

    def _describe(self) -> str:
        what = self.detail or self.title or "no problem details"
        return f"{self.method} {self.path} answered {self.status}: {what}"


class InvalidRequestError(ProblemError):
    """400: a field of the request is missing or invalid; ``errors`` names each one."""


class UnauthorizedError(ProblemError):
    """401: the service needs ``Authorization: Bearer <api token>`` (``api_token`` / ``KEEPALIVE_API_TOKEN``)."""


class NotFoundError(ProblemError):
    """404: the service knows no such pair (or, for a ping, no provider in its models-config matches)."""


class HostBusyError(ProblemError):
    """409: the host is busy with another model; ``occupant`` names it (the ``occupant`` member of the problem)."""

    @property
    def occupant(self) -> Optional[str]:
        return _text(self.problem.get("occupant"))


class PayloadTooLargeError(ProblemError):
    """413: the body is larger than the service takes (1 MB); send smaller batches."""


class RateLimitedError(ProblemError):
    """429: too many requests right now; try again after ``retry_after`` seconds."""


class ServiceUnavailableError(ProblemError):
    """503: the service cannot take the request right now; try again after ``retry_after`` seconds."""


_BY_STATUS = {
    400: InvalidRequestError,
    401: UnauthorizedError,
    404: NotFoundError,
    409: HostBusyError,
    413: PayloadTooLargeError,
    429: RateLimitedError,
    503: ServiceUnavailableError,
}


def problem_error(
    status: int, method: str, path: str, problem: Optional[Mapping[str, Any]], retry_after: Optional[float]
) -> ProblemError:
    """The typed error for an error answer; other statuses are a plain :class:`ProblemError`."""
    return _BY_STATUS.get(status, ProblemError)(status, method, path, problem, retry_after)


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _field_errors(value: Any) -> Dict[str, List[str]]:
    if not isinstance(value, Mapping):
        return {}
    return {
        str(field): [str(reason) for reason in reasons] if isinstance(reasons, list) else [str(reasons)]
        for field, reasons in value.items()
    }
