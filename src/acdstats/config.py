"""Server settings: one typed object, loaded once (flags > environment ACDSTATS_* > defaults)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from acdstats.domain.queue_metrics import parse_thresholds
from acdstats.domain.timefmt import parse_request_time

DEFAULT_DB = "acdstats.duckdb"
QUEUE_LOG_WRAPUP_ENV = "ACDSTATS_QUEUE_LOG_WRAPUP"  # comma-separated pause reasons = wrap-up

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    db_path: str | None = None  # None: $ACDSTATS_DB, else ./acdstats.duckdb
    host: str = "127.0.0.1"
    port: int = 8080
    tls_cert: str | None = None
    tls_key: str | None = None
    clock_skew_s: int = 10  # tolerance on a token's iat, nbf and exp
    max_records: int = 1_000_000  # statistics records in one answer (error 569 beyond)
    # user_id as a JSON number (Voximplant's documented example), not the typed clients' string
    user_id_as_number: bool = False
    rate_limit: float = 0.0  # requests per second per key; 0 = off (error 340 beyond)
    rate_burst: int = 0  # requests a key may send at once; 0 = max(1, rate_limit)
    max_body_bytes: int = 16 * 1024 * 1024  # larger request bodies are refused with HTTP 413
    max_batch_lines: int = 100_000  # lines in one HTTP ingest batch
    token_cache_size: int = 10_000  # verified tokens kept to skip RSA on reuse
    # Client networks that may read GET /metrics without a token (comma-separated CIDRs;
    # empty: nobody). Loopback only by default: see docs/operations.md.
    metrics_allow: str = "127.0.0.0/8,::1/128"
    # On SIGTERM: seconds of refusing new batches (503) and failing /health before the
    # listener closes, so a balancer stops sending; batches in flight always finish.
    shutdown_drain_s: float = 0.0
    # GetACDOperatorStatusStatistics: acd_status as the bare object of Voximplant's documented
    # example instead of the one-element array the typed clients decode (SPEC 7.2).
    status_detail_as_object: bool = False
    # A fixed clock, UTC `YYYY-MM-DD HH:mm:ss` (for tests): a missing to_date and the end of
    # open status spans (SPEC 5). None: the real time, read once per request.
    now: str | None = None
    header_timeout_s: float = 10.0  # a request's headers must arrive within this (else 408)
    body_timeout_s: float = 60.0  # a request's body must arrive within this after its headers
    idle_timeout_s: float = 5.0  # an idle keep-alive connection is closed after this
    max_connections: int = 1000  # open connections; one more is answered 503 and closed
    # GetACDQueueStatistics: the SL thresholds (seconds, 1..3600, `;`-separated) unless a
    # request names its own, and SL as Voximplant's documented fraction, not integer percents
    service_level_thresholds: str = "20;30;60"
    service_level_as_fraction: bool = False

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("TLS needs both a certificate and a key")
        for name in (
            "clock_skew_s",
            "rate_limit",
            "rate_burst",
            "token_cache_size",
            "shutdown_drain_s",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("max_records", "max_body_bytes", "max_batch_lines", "max_connections"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive")
        for name in ("header_timeout_s", "body_timeout_s", "idle_timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be 0..65535")
        self.metrics_networks()  # raises ValueError on a malformed network
        if self.now is not None and parse_request_time(self.now) is None:
            raise ValueError(f"now {self.now!r} is not a UTC time 'YYYY-MM-DD HH:mm:ss'")
        try:
            parse_thresholds(self.service_level_thresholds)
        except ValueError as exc:
            raise ValueError(
                f"service_level_thresholds {self.service_level_thresholds!r}: expected a "
                f"';'-separated list of whole seconds 1..3600 ({exc})"
            ) from None

    @property
    def now_ms(self) -> int | None:
        return None if self.now is None else parse_request_time(self.now)

    def metrics_networks(self) -> list[IPv4Network | IPv6Network]:
        names = [n.strip() for n in self.metrics_allow.split(",")]
        return [ip_network(n, strict=False) for n in names if n]

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def thresholds(self) -> tuple[int, ...]:
        """The service-level thresholds, ascending, each once."""
        return parse_thresholds(self.service_level_thresholds)

    @property
    def database(self) -> str:
        return str(resolve_path(self.db_path))


def resolve_path(path: str | os.PathLike[str] | None) -> Path:
    """--db if given, else ACDSTATS_DB, else a file in the working directory."""
    return Path(path or os.environ.get("ACDSTATS_DB") or DEFAULT_DB)


def queue_log_wrapup_reasons() -> list[str] | None:
    """The pause reasons that mean after-call work, from the environment (None: the defaults)."""
    configured = os.environ.get(QUEUE_LOG_WRAPUP_ENV)
    return configured.split(",") if configured else None


def env_name(field: str) -> str:
    """The environment variable of a setting (db_path keeps its established ACDSTATS_DB)."""
    return "ACDSTATS_DB" if field == "db_path" else "ACDSTATS_" + field.upper()


def load_settings(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from command-line flags (None = not given), then the environment, then defaults."""
    flags = flags or {}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in dataclasses.fields(Settings):
        flag = flags.get(field.name)
        if flag is not None:
            values[field.name] = flag
        elif env_name(field.name) in environ:
            values[field.name] = _parse(field.name, str(field.type), environ[env_name(field.name)])
    unknown = set(flags) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    return Settings(**values)


def _parse(name: str, kind: str, text: str) -> Any:
    try:
        if kind == "bool":
            if text.strip().lower() in _TRUE:
                return True
            if text.strip().lower() in _FALSE:
                return False
            raise ValueError(text)
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        raise ValueError(f"{env_name(name)}={text!r} is not a valid {kind}") from None
    return text or None
