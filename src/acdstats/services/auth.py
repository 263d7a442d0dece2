"""Service-account JWT verification (SPEC 2) with a cache of verified tokens.

Checks run in the SPEC's order: form (447), then everything that makes the token not ours or
not genuine (100), then its lifetime (454), issue time (455) and expiry (456). A verified token
is cached for its remaining lifetime so that a client reusing it does not pay for RSA again;
the cache entry also remembers the key generation it was verified under, and any later key
change (disable, delete, roles) makes every older entry miss.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from acdstats import errors
from acdstats.errors import ApiError, shown
from acdstats.services import keys
from acdstats.storage.db import Database

MAX_TTL_S = 3600
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_NO_CLAIM_CHECKS: Any = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's account (the only data it may see), the key and its roles."""

    account_id: int
    key_id: str
    roles: frozenset[str]


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    exp: float
    generation: int


def _fail(msg: str) -> ApiError:
    return ApiError(errors.AUTH_FAILED, f"Authorization failed: {msg}")


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <JWT>` header, or ApiError 100."""
    if not authorization:
        raise _fail("no token (send 'Authorization: Bearer <JWT>')")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _fail("the Authorization header is not 'Bearer <JWT>'")
    return token.strip()


class Authenticator:
    def __init__(
        self,
        db: Database,
        clock_skew_s: float = 10,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._skew = clock_skew_s
        self._cache_size = cache_size
        self._clock = clock
        # Keyed on the token's SHA-256, not its text (a token can be kilobytes long).
        self._cache: dict[bytes, _Entry] = {}
        self._public_keys: dict[str, tuple[str, RSAPublicKey]] = {}
        self._lock = threading.Lock()

    def authenticate(self, authorization: str | None) -> Principal:
        return self.verify(bearer_token(authorization))

    def verify(self, token: str) -> Principal:
        now = self._clock()
        generation = keys.generation(self._db)
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        with self._lock:
            entry = self._cache.get(digest)
        if entry is not None and entry.generation == generation and now < entry.exp + self._skew:
            return entry.principal
        principal, exp = self._verify(token, now)
        if self._cache_size:
            self._remember(digest, _Entry(principal, exp, generation), now)
        return principal

    def _remember(self, token: bytes, entry: _Entry, now: float) -> None:
        with self._lock:
            if len(self._cache) >= self._cache_size:
                expired = [t for t, e in self._cache.items() if e.exp + self._skew <= now]
                for old in expired:
                    del self._cache[old]
                while len(self._cache) >= self._cache_size:
                    del self._cache[next(iter(self._cache))]  # the oldest entry
            self._cache[token] = entry

    def _verify(self, token: str, now: float) -> tuple[Principal, float]:
        header, claims = decode_unverified(token)
        if header.get("alg") != "RS256":
            raise _fail(f"algorithm {shown(str(header.get('alg')))} is not accepted (only RS256)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _fail("the token header has no 'kid'")
        for name in ("iss", "iat", "exp"):
            if name not in claims:
                raise _fail(f"the token has no '{name}' claim")
        iat, exp = _number(claims, "iat"), _number(claims, "exp")
        nbf = _number(claims, "nbf") if "nbf" in claims else None
        key = keys.get_key(self._db, kid)
        if key is None or key.deleted:
            raise _fail(f"unknown key {shown(kid)}")
        try:
            jwt.decode(
                token, self._public_key(key.key_id, key.public_key), ["RS256"], _NO_CLAIM_CHECKS
            )
        except jwt.InvalidTokenError:
            raise _fail("bad signature") from None
        if key.disabled:
            raise _fail(f"key {shown(kid)} is disabled")
        if not _same_account(claims["iss"], key.account_id):
            raise _fail("'iss' is not the account of the key")
        if exp <= iat:
            raise _fail("'exp' is not after 'iat'")
        if exp - iat > MAX_TTL_S:
            raise ApiError(
                errors.TOKEN_TTL_TOO_LONG,
                f"Token lifetime exp - iat = {exp - iat:g} s is over {MAX_TTL_S} s",
            )
        if iat > now + self._skew or (nbf is not None and nbf > now + self._skew):
            raise ApiError(errors.TOKEN_FROM_FUTURE, "Token issued in the future (iat or nbf)")
        if exp <= now - self._skew:
            raise ApiError(errors.TOKEN_EXPIRED, "Token expired")
        return Principal(key.account_id, key.key_id, frozenset(key.roles)), exp

    def _public_key(self, key_id: str, pem: str) -> RSAPublicKey:
        cached = self._public_keys.get(key_id)
        if cached is not None and cached[0] == pem:
            return cached[1]
        public = load_pem_public_key(pem.encode())
        if not isinstance(public, RSAPublicKey):
            raise _fail(f"key {shown(key_id)} is not an RSA key")
        self._public_keys[key_id] = (pem, public)
        return public


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token that is three base64url segments, else ApiError 447."""
    parts = token.split(".")
    if len(parts) != 3 or not all(_B64URL.fullmatch(p) for p in parts):
        raise ApiError(errors.MALFORMED_TOKEN, "The token is not a JWT (three base64url segments)")
    decoded = []
    for part in parts[:2]:
        try:
            value = orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (binascii.Error, ValueError):
            raise ApiError(
                errors.MALFORMED_TOKEN, "The token is not a JWT (a segment is not base64url JSON)"
            ) from None
        if not isinstance(value, dict):
            raise ApiError(errors.MALFORMED_TOKEN, "The token is not a JWT (not a JSON object)")
        decoded.append(value)
    return decoded[0], decoded[1]


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"the '{name}' claim is not a number")
    return float(value)


def _same_account(iss: object, account_id: int) -> bool:
    """`iss` names the account as a JSON number or a string of its digits."""
    if isinstance(iss, bool):
        return False
    if isinstance(iss, int):
        return iss == account_id
    return isinstance(iss, str) and iss == str(account_id)
