"""Python client of the keep-alive service (KeepAlive.Actors): standard library only.

``KeepAliveMonitor`` replaces llm-router's own monitor with one import line; ``KeepAliveClient`` is the
rest of the service's HTTP API.
"""

from .client import KeepAliveClient
from .errors import (
    HostBusyError,
    InvalidRequestError,
    KeepAliveError,
    NotFoundError,
    PayloadTooLargeError,
    ProblemError,
    RateLimitedError,
    ServiceUnavailableError,
    ServiceUnreachableError,
    UnauthorizedError,
)
from .monitor import KeepAliveMonitor

__version__ = "0.1.0"

__all__ = [
    "HostBusyError",
    "InvalidRequestError",
    "KeepAliveClient",
    "KeepAliveError",
    "KeepAliveMonitor",
    "NotFoundError",
    "PayloadTooLargeError",
    "ProblemError",
    "RateLimitedError",
    "ServiceUnavailableError",
    "ServiceUnreachableError",
    "UnauthorizedError",
]
