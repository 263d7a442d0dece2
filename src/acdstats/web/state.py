"""What every route of the server shares: settings, database, token verification, limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from acdstats import errors
from acdstats.config import Settings
from acdstats.errors import ApiError
from acdstats.services.auth import Authenticator, Principal
from acdstats.services.group_commit import GroupCommit
from acdstats.storage.db import Database
from acdstats.web.ratelimit import RateLimiter
from acdstats.web.telemetry import Telemetry


@dataclass
class ServerState:
    settings: Settings
    db: Database
    auth: Authenticator
    limiter: RateLimiter | None
    telemetry: Telemetry = field(default_factory=Telemetry)
    writer: GroupCommit = field(init=False)  # the one writer of POST /events batches
    draining: bool = False  # shutting down: new batches get 503, /health fails

    def __post_init__(self) -> None:
        self.writer = GroupCommit(self.db, on_commit=self.telemetry.count_commit)
        writer = self.writer
        self.telemetry.watch_files(self.db.path)
        self.telemetry.gauge(
            "acdstats_write_queue_depth",
            "POST /events batches waiting for the database writer",
            lambda: float(writer.pending()),
        )

    @classmethod
    def create(cls, settings: Settings, db: Database) -> ServerState:
        auth = Authenticator(db, settings.clock_skew_s, settings.token_cache_size)
        limiter = (
            RateLimiter(settings.rate_limit, settings.rate_burst) if settings.rate_limit else None
        )
        return cls(settings, db, auth, limiter)

    def authorize(self, authorization: str | None, roles: frozenset[str]) -> Principal:
        """The caller of a request: token (447/100/454/455/456), rate (340), role (104).

        Blocking (it may read the key from the database): call it from a worker thread.
        """
        principal = self.auth.authenticate(authorization)
        if self.limiter is not None:
            self.limiter.check(principal.key_id)
        if not principal.roles & roles:
            raise ApiError(
                errors.ROLE_NOT_ALLOWED,
                "The key's roles (" + (", ".join(sorted(principal.roles)) or "none") + ") do "
                "not allow this; it needs one of: " + ", ".join(sorted(roles)),
            )
        return principal
