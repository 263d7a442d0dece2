"""Domain errors. Each carries the Voximplant error code a client sees; no HTTP in here."""

from __future__ import annotations

# Voximplant error codes used by acdstats (SPEC section 1).
AUTH_FAILED = 100
INVALID_ARGUMENT = 101
NO_METHOD = 102
UNKNOWN_METHOD = 103
ROLE_NOT_ALLOWED = 104
BAD_TIMESTAMP = 111
BAD_USER_ID = 117
BAD_DATE_RANGE = 123
MISSING_PARAMETER = 134
BAD_QUEUE_ID = 218
BAD_ACD_STATUS = 227
BAD_AGGREGATION = 228
BAD_REPORT = 229
BAD_GROUP = 254
RATE_LIMITED = 340
MALFORMED_TOKEN = 447
TOKEN_TTL_TOO_LONG = 454
TOKEN_FROM_FUTURE = 455
TOKEN_EXPIRED = 456
ANSWER_TOO_LARGE = 569
# Not a Voximplant code: the server cannot read or write its database now (a server fault).
STORAGE_UNAVAILABLE = 503

_MAX_VALUE_IN_MSG = 64


class AcdstatsError(Exception):
    """The root of every error acdstats raises on purpose."""


class ApiError(AcdstatsError):
    """A failure the API reports as {"error": {"msg": ..., "code": ...}}."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg

    def as_dict(self) -> dict[str, object]:
        return {"error": {"msg": self.msg, "code": self.code}}


def shown(value: str) -> str:
    """A parameter value as quoted in an error message, truncated if long."""
    if len(value) > _MAX_VALUE_IN_MSG:
        value = value[:_MAX_VALUE_IN_MSG] + "..."
    return repr(value)


class DatabaseLocked(AcdstatsError):
    """The database file is held by another process (usually a running server)."""


class StorageUnavailable(AcdstatsError):
    """The database cannot be read or written now (damaged file, disk full, I/O error)."""


class WriterBusy(StorageUnavailable):
    """The one database writer did not become free in time; nothing was written."""


class DatabaseDamaged(AcdstatsError):
    """The database file cannot be read: not a DuckDB file, truncated, or otherwise damaged."""


def answer_too_large(max_records: int, narrow: str = "the operators") -> ApiError:
    """Error 569: the answer would have more statistics records than the server allows."""
    return ApiError(
        ANSWER_TOO_LARGE,
        f"The answer has more than {max_records} statistics records (the server's "
        f"max_records limit): narrow the window, {narrow} or the aggregation",
    )
