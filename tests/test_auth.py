"""JWT verification (SPEC 2) on a fixed clock: each case answers its exact code."""

from __future__ import annotations

from typing import Any

import pytest

from acdstats import errors
from acdstats.errors import ApiError
from acdstats.services import keys
from acdstats.services.auth import Authenticator, Principal, bearer_token
from acdstats.storage.db import Database
from tests.authkit import hs256_with_public_key, new_key, tampered, token, unsigned

NOW = 1_780_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(db: Database, clock: Clock) -> Authenticator:
    return Authenticator(db, clock_skew_s=10, clock=clock)


@pytest.fixture
def owner(db: Database) -> dict[str, Any]:
    return new_key(db, ["Owner", "Supervisor"])


def code_of(auth: Authenticator, text: str) -> int:
    with pytest.raises(ApiError) as info:
        auth.verify(text)
    return info.value.code


def test_valid_token_gives_the_keys_account_and_roles(
    auth: Authenticator, owner: dict[str, Any]
) -> None:
    principal = auth.verify(token(owner, now=NOW))
    assert principal == Principal(
        owner["account_id"], owner["key_id"], frozenset({"Owner", "Supervisor"})
    )


def test_iss_may_be_a_json_number(auth: Authenticator, owner: dict[str, Any]) -> None:
    assert (
        auth.verify(token(owner, now=NOW, iss=owner["account_id"])).account_id
        == (owner["account_id"])
    )


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic abc", "Bearer", "Bearer   ", "token abc.def.ghi"],
)
def test_no_bearer_token_is_100(header: str | None) -> None:
    with pytest.raises(ApiError) as info:
        bearer_token(header)
    assert info.value.code == errors.AUTH_FAILED


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "a.b",
        "a.b.c.d",
        "e30.e30",  # two segments
        "!!!.e30.sig",  # not base64url
        "bm90IGpzb24.e30.sig",  # 'not json'
        "W10.e30.sig",  # a JSON array, not an object
        "e30.bm90IGpzb24.sig",
        "e30.e30.sig+/=",
        "e30.e.sig",  # a base64 length that cannot be
    ],
)
def test_not_a_jwt_is_447(auth: Authenticator, text: str) -> None:
    assert code_of(auth, text) == errors.MALFORMED_TOKEN


def test_alg_none_is_100(auth: Authenticator, owner: dict[str, Any]) -> None:
    claims = {"iss": str(owner["account_id"]), "iat": NOW, "exp": NOW + 60}
    assert code_of(auth, unsigned({"alg": "none", "kid": owner["key_id"]}, claims)) == 100
    assert code_of(auth, unsigned({"alg": "None", "kid": owner["key_id"]}, claims, "x")) == 100


def test_hs256_signed_with_the_public_key_is_100(
    db: Database, auth: Authenticator, owner: dict[str, Any]
) -> None:
    record = keys.get_key(db, owner["key_id"])
    assert record is not None
    forged = hs256_with_public_key(owner, record.public_key)
    assert code_of(auth, forged) == errors.AUTH_FAILED


@pytest.mark.parametrize("missing", ["kid", "iss", "iat", "exp"])
def test_missing_kid_or_claim_is_100(
    auth: Authenticator, owner: dict[str, Any], missing: str
) -> None:
    assert code_of(auth, token(owner, now=NOW, omit=(missing,))) == errors.AUTH_FAILED


def test_non_numeric_times_are_100(auth: Authenticator, owner: dict[str, Any]) -> None:
    assert code_of(auth, token(owner, now=NOW, exp="soon")) == errors.AUTH_FAILED
    assert code_of(auth, token(owner, now=NOW, nbf=True)) == errors.AUTH_FAILED


def test_unknown_kid_is_100(db: Database, auth: Authenticator, owner: dict[str, Any]) -> None:
    assert code_of(auth, token({**owner, "key_id": "no-such-key"}, now=NOW)) == 100


def test_key_of_another_account_signing_is_100(db: Database, auth: Authenticator) -> None:
    a = new_key(db, ["Owner"])
    b = new_key(db, ["Owner"])
    # b's kid but signed with a's private key: bad signature.
    assert code_of(auth, token({**a, "key_id": b["key_id"]}, now=NOW)) == 100


@pytest.mark.parametrize("iss", ["other", 999, "999", "01", 1.0, True, None, ["1"]])
def test_iss_not_the_keys_account_is_100(
    auth: Authenticator, owner: dict[str, Any], iss: Any
) -> None:
    assert owner["account_id"] == 1
    text = token(owner, now=NOW, iss=iss) if iss is not None else token(owner, now=NOW, iss={})
    assert code_of(auth, text) == errors.AUTH_FAILED


def test_tampered_payload_is_100(auth: Authenticator, owner: dict[str, Any]) -> None:
    good = token(owner, now=NOW)
    assert code_of(auth, tampered(good, exp=NOW + 120)) == errors.AUTH_FAILED
    assert code_of(auth, tampered(good, iss="2")) == errors.AUTH_FAILED


def test_lifetime_over_3600_is_454_and_3600_is_fine(
    auth: Authenticator, owner: dict[str, Any]
) -> None:
    assert code_of(auth, token(owner, now=NOW, ttl=3601)) == errors.TOKEN_TTL_TOO_LONG
    assert auth.verify(token(owner, now=NOW, ttl=3600)).key_id == owner["key_id"]


def test_issued_in_the_future_beyond_skew_is_455(
    auth: Authenticator, owner: dict[str, Any]
) -> None:
    assert code_of(auth, token(owner, iat=NOW + 11)) == errors.TOKEN_FROM_FUTURE
    assert auth.verify(token(owner, iat=NOW + 10)).key_id == owner["key_id"]
    assert code_of(auth, token(owner, now=NOW, nbf=NOW + 11)) == errors.TOKEN_FROM_FUTURE
    assert auth.verify(token(owner, now=NOW, nbf=NOW + 10)).key_id == owner["key_id"]


def test_expired_beyond_skew_is_456(auth: Authenticator, owner: dict[str, Any]) -> None:
    # exp = NOW - 10 is expired (PyJWT's rule: exp <= now - leeway); NOW - 9 is not.
    assert code_of(auth, token(owner, iat=NOW - 70, ttl=60)) == errors.TOKEN_EXPIRED
    assert auth.verify(token(owner, iat=NOW - 69, ttl=60)).key_id == owner["key_id"]


def test_checks_run_in_spec_order(db: Database, auth: Authenticator, owner: dict[str, Any]) -> None:
    # 100 (tampered) before 454/455/456; 454 before 455 before 456.
    old = token(owner, iat=NOW - 5000, ttl=60)
    assert code_of(auth, tampered(old, iss="7")) == errors.AUTH_FAILED
    assert code_of(auth, token(owner, iat=NOW - 5000, ttl=4000)) == errors.TOKEN_TTL_TOO_LONG
    assert code_of(auth, token(owner, iat=NOW + 100, ttl=5000)) == errors.TOKEN_TTL_TOO_LONG
    assert code_of(auth, token(owner, iat=NOW - 200, ttl=100, nbf=NOW + 100)) == 455


@pytest.mark.parametrize("ttl", [0, -1, -3000])
def test_exp_not_after_iat_is_100(auth: Authenticator, owner: dict[str, Any], ttl: int) -> None:
    # Within the clock skew either way: only the order of the two claims refuses it.
    assert code_of(auth, token(owner, iat=NOW, ttl=ttl)) == errors.AUTH_FAILED
    assert code_of(auth, token(owner, iat=NOW + 5, ttl=ttl)) == errors.AUTH_FAILED


def test_deleted_and_disabled_keys_are_100(db: Database, auth: Authenticator) -> None:
    gone = new_key(db, ["Owner"])
    keys.delete_key(db, gone["key_id"])
    assert code_of(auth, token(gone, now=NOW)) == errors.AUTH_FAILED
    off = new_key(db, ["Owner"])
    keys.set_disabled(db, off["key_id"])
    assert code_of(auth, token(off, now=NOW)) == errors.AUTH_FAILED
    keys.set_disabled(db, off["key_id"], False)
    assert auth.verify(token(off, now=NOW)).key_id == off["key_id"]


def test_cache_never_outlives_a_key_change(db: Database, auth: Authenticator) -> None:
    cred = new_key(db, ["Owner", "Admin"])
    text = token(cred, now=NOW)
    assert auth.verify(text).roles == {"Owner", "Admin"}
    keys.remove_roles(db, cred["key_id"], ["Owner"])
    assert auth.verify(text).roles == {"Admin"}
    keys.set_disabled(db, cred["key_id"])
    assert code_of(auth, text) == errors.AUTH_FAILED
    keys.set_disabled(db, cred["key_id"], False)
    assert auth.verify(text).roles == {"Admin"}
    keys.delete_key(db, cred["key_id"])
    assert code_of(auth, text) == errors.AUTH_FAILED


def test_cached_token_still_expires(
    auth: Authenticator, owner: dict[str, Any], clock: Clock
) -> None:
    text = token(owner, now=NOW, ttl=60)
    auth.verify(text)
    clock.now = NOW + 69
    assert auth.verify(text).key_id == owner["key_id"]
    clock.now = NOW + 70
    assert code_of(auth, text) == errors.TOKEN_EXPIRED


def test_cache_hit_does_not_read_the_key_again(
    db: Database, owner: dict[str, Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = Authenticator(db, clock=clock)
    text = token(owner, now=NOW)
    auth.verify(text)
    looked_up: list[tuple[Any, ...]] = []
    original = keys.get_key

    def counting_get_key(*args: Any) -> Any:
        looked_up.append(args)
        return original(*args)

    monkeypatch.setattr(keys, "get_key", counting_get_key)
    auth.verify(text)
    assert looked_up == []
    auth.verify(token(owner, now=NOW, jti="another"))
    assert len(looked_up) == 1


def test_cache_is_bounded(db: Database, owner: dict[str, Any], clock: Clock) -> None:
    auth = Authenticator(db, cache_size=3, clock=clock)
    for n in range(10):
        auth.verify(token(owner, now=NOW, jti=str(n)))
    assert len(auth._cache) == 3


def test_cache_keeps_digests_not_tokens(db: Database, owner: dict[str, Any], clock: Clock) -> None:
    auth = Authenticator(db, clock=clock)
    text = token(owner, now=NOW, padding="x" * 10_000)
    auth.verify(text)
    assert auth.verify(text).key_id == owner["key_id"]
    (kept,) = auth._cache
    assert isinstance(kept, bytes) and len(kept) == 32
