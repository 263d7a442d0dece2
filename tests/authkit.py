"""Test helpers: accounts with keys, and JWTs built by hand (also malformed and forged ones)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt

from acdstats.services import keys
from acdstats.storage.db import Database

STATS_PARAMS = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00"}


def new_key(db: Database, roles: list[str], account_id: int | None = None) -> dict[str, Any]:
    """credentials.json of a new key (and a new account unless one is given)."""
    if account_id is None:
        account_id = keys.create_account(db, "test", "ops@example.com").account_id
    return keys.create_key(db, account_id, roles)


def token(
    credentials: dict[str, Any],
    *,
    now: float | None = None,
    iat: float | None = None,
    ttl: float = 60,
    iss: Any = None,
    omit: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """An RS256 token signed by the key; iat defaults to now, exp to iat + ttl."""
    now = time.time() if now is None else now
    iat = int(now) if iat is None else iat
    payload: dict[str, Any] = {
        "iss": str(credentials["account_id"]) if iss is None else iss,
        "iat": iat,
        "exp": iat + ttl,
        **claims,
    }
    for name in omit:
        payload.pop(name, None)
    headers = {} if "kid" in omit else {"kid": credentials["key_id"]}
    # Signed as raw JWS: PyJWT's jwt.encode refuses a numeric iss, which real clients send.
    return jwt.api_jws.PyJWS().encode(
        json.dumps(payload).encode(), credentials["private_key"], "RS256", headers
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    return f"{b64json(header)}.{b64json(payload)}.{signature}"


def hs256_with_public_key(credentials: dict[str, Any], public_pem: str) -> str:
    """The classic key-confusion forgery: HMAC-SHA256 keyed with the RSA public key's PEM."""
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": credentials["key_id"]}
    payload = {"iss": str(credentials["account_id"]), "iat": now, "exp": now + 60}
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    mac = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def tampered(token_text: str, **changes: Any) -> str:
    """The token with claims changed but the original signature kept."""
    header, payload, signature = token_text.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{header}.{b64json(claims)}.{signature}"
