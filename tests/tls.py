"""Tests use the same local CA maker as `acdstats demo`."""

from acdstats.tls import TlsFiles, make_tls

__all__ = ["TlsFiles", "make_tls"]
