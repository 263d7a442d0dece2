"""Key management methods of platform_api (Owner, Admin), with Voximplant's parameter names.

Results follow the official clients' structures: KeyInfo, KeyView and RoleView.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acdstats import errors
from acdstats.domain.query import boolean, digits
from acdstats.errors import ApiError, shown
from acdstats.services import keys
from acdstats.services.context import KEY_ADMIN_ROLES, CallContext, Method
from acdstats.storage.keys import KeyRecord

# name -> (parameter, required, description), in check order; also feeds the OpenAPI document.
PARAMETERS: dict[str, list[tuple[str, bool, str]]] = {
    "CreateKey": [
        ("description", False, "The key's description"),
        ("key_name", False, "The key's name"),
        ("role_id", False, "';'-separated role ids (not with role_name)"),
        ("role_name", False, "';'-separated role names (not with role_id)"),
    ],
    "GetKeys": [
        ("key_id", False, "Only this key"),
        ("with_roles", False, "Boolean: show each key's roles"),
        ("offset", False, "Skip the first N keys"),
        ("count", False, "Return at most N keys"),
    ],
    "UpdateKey": [
        ("key_id", True, "The key's id"),
        ("description", True, "The key's new description (may be empty)"),
        ("key_name", False, "The key's new name"),
    ],
    "DeleteKey": [("key_id", True, "The key's id")],
    "SetKeyRoles": [
        ("key_id", True, "The key's id"),
        ("role_id", False, "';'-separated role ids to add (or role_name)"),
        ("role_name", False, "';'-separated role names to add (or role_id)"),
    ],
    "GetKeyRoles": [
        ("key_id", True, "The key's id"),
        ("with_expanded_roles", False, "Boolean: show the roles' additional properties"),
    ],
    "RemoveKeyRoles": [
        ("key_id", True, "The key's id"),
        ("role_id", False, "';'-separated role ids to remove (or role_name)"),
        ("role_name", False, "';'-separated role names to remove (or role_id)"),
    ],
    "GetRoles": [("group_name", False, "The role group (all roles belong to every group)")],
}


def _required(params: Mapping[str, str], name: str, allow_empty: bool = False) -> str:
    value = params.get(name)
    if value is None or (value == "" and not allow_empty):
        raise ApiError(errors.MISSING_PARAMETER, f"The parameter '{name}' is required")
    return value


def _count(params: Mapping[str, str], name: str, minimum: int) -> int | None:
    value = params.get(name) or None
    if value is None:
        return None
    number = digits(value, 2**31)
    if number is None or number < minimum:
        raise ApiError(
            errors.INVALID_ARGUMENT, f"Invalid '{name}' {shown(value)}: expected an integer"
        )
    return number


def _roles(params: Mapping[str, str], required: bool) -> list[str] | None:
    """Role names from role_id or role_name (not both); None when neither is given."""
    by_id, by_name = params.get("role_id") or None, params.get("role_name") or None
    if by_id is not None and by_name is not None:
        raise ApiError(errors.INVALID_ARGUMENT, "Give role_id or role_name, not both")
    if by_id is None and by_name is None:
        if required:
            raise ApiError(
                errors.MISSING_PARAMETER, "The parameter 'role_id' or 'role_name' is required"
            )
        return None
    names = []
    for part in (by_id or by_name or "").split(";"):
        part = part.strip()
        if by_id is not None:
            number = digits(part, 2**31)
            name = None if number is None else keys.ROLE_NAMES.get(number)
        else:
            name = part if part in keys.ROLES else None
        if name is None:
            param = "role_id" if by_id is not None else "role_name"
            raise ApiError(
                errors.INVALID_ARGUMENT,
                f"Invalid '{param}' {shown(part)}: expected one of "
                + ", ".join(f"{n} ({i})" for n, i in keys.ROLES.items()),
            )
        names.append(name)
    return names


def _role_view(name: str, expanded: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {"role_id": keys.ROLES[name], "role_name": name, "gui_only": False}
    if expanded:
        view.update(inherited=False, child_ids=[], parent_role_id=[])
    return view


def _own_key(ctx: CallContext, key_id: str) -> KeyRecord:
    key = keys.get_key(ctx.db, key_id)
    if key is None or key.deleted or key.account_id != ctx.account_id:
        raise ApiError(errors.INVALID_ARGUMENT, f"Invalid 'key_id' {shown(key_id)}: no such key")
    return key


def create_key(ctx: CallContext, params: Mapping[str, str]) -> list[dict[str, Any]]:
    description = params.get("description") or None
    name = params.get("key_name") or None
    roles = _roles(params, required=False) or []
    try:
        return [keys.create_key(ctx.db, ctx.account_id, roles, name, description)]
    except keys.KeyOperationError as exc:
        raise ApiError(errors.INVALID_ARGUMENT, str(exc)) from None


def get_keys(ctx: CallContext, params: Mapping[str, str]) -> list[dict[str, Any]]:
    key_id = params.get("key_id") or None
    with_roles = boolean(params, "with_roles", default=False)
    offset = _count(params, "offset", 0) or 0
    count = _count(params, "count", 1)
    found, _ = keys.list_keys(ctx.db, ctx.account_id, key_id, offset, count)
    views = []
    for key in found:
        view: dict[str, Any] = {"key_id": key.key_id, "description": key.description or ""}
        if with_roles:
            view["roles"] = [_role_view(role) for role in key.roles]
        views.append(view)
    return views


def _change(ctx: CallContext, key_id: str, action: Any, *args: Any) -> int:
    _own_key(ctx, key_id)
    try:
        action(ctx.db, key_id, *args, account_id=ctx.account_id)
    except keys.KeyOperationError as exc:
        raise ApiError(errors.INVALID_ARGUMENT, str(exc)) from None
    return 1


def update_key(ctx: CallContext, params: Mapping[str, str]) -> int:
    key_id = _required(params, "key_id")
    description = _required(params, "description", allow_empty=True)
    name = params.get("key_name") or None
    return _change(ctx, key_id, keys.update_key, description, name)


def delete_key(ctx: CallContext, params: Mapping[str, str]) -> int:
    return _change(ctx, _required(params, "key_id"), keys.delete_key)


def set_key_roles(ctx: CallContext, params: Mapping[str, str]) -> int:
    key_id = _required(params, "key_id")
    return _change(ctx, key_id, keys.add_roles, _roles(params, required=True))


def remove_key_roles(ctx: CallContext, params: Mapping[str, str]) -> int:
    key_id = _required(params, "key_id")
    return _change(ctx, key_id, keys.remove_roles, _roles(params, required=True))


def get_key_roles(ctx: CallContext, params: Mapping[str, str]) -> list[dict[str, Any]]:
    key_id = _required(params, "key_id")
    expanded = boolean(params, "with_expanded_roles", default=False)
    return [_role_view(role, expanded) for role in _own_key(ctx, key_id).roles]


def get_roles(ctx: CallContext, params: Mapping[str, str]) -> list[dict[str, Any]]:
    return [_role_view(role) for role in keys.ROLES]


KEY_METHODS = {
    "CreateKey": Method(KEY_ADMIN_ROLES, create_key, writes=True),
    "GetKeys": Method(KEY_ADMIN_ROLES, get_keys),
    "UpdateKey": Method(KEY_ADMIN_ROLES, update_key, writes=True),
    "DeleteKey": Method(KEY_ADMIN_ROLES, delete_key, writes=True),
    "SetKeyRoles": Method(KEY_ADMIN_ROLES, set_key_roles, writes=True),
    "GetKeyRoles": Method(KEY_ADMIN_ROLES, get_key_roles),
    "RemoveKeyRoles": Method(KEY_ADMIN_ROLES, remove_key_roles, writes=True),
    "GetRoles": Method(KEY_ADMIN_ROLES, get_roles),
}
