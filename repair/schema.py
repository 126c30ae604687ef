"""Typed values of a configuration table: limits and the schema's scalar and list types.

Each function checks one value and raises :class:`~repair.errors.ConfigError` naming the file and
key (``where``) when it is of the wrong type.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Union

from repair.errors import ConfigError

Limit = Union[float, None]  # None: the gate is off


def parse_limit(value: Any, where: str) -> Limit:
    """A limit: a non-negative number, or ``"off"``/``false`` for no gate.

    >>> parse_limit("off", "x"), parse_limit(3, "x"), parse_limit("0.5", "x")
    (None, 3.0, 0.5)
    """
    if value is False or (isinstance(value, str) and value.strip().lower() == "off"):
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{where}: a limit is a number or 'off', not true")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"{where}: a limit is a number or 'off', not {value!r}") from None
    if not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: a limit is a number or 'off', not {type(value).__name__}")
    if value < 0 or value != value:
        raise ConfigError(f"{where}: a limit must be a number >= 0, not {value}")
    return float(value)


def coerce(value: Any, kind: Any, where: str, key: str) -> Any:
    origin = typing.get_origin(kind)
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is str:
        if isinstance(value, str):
            return value
    elif origin is list:
        (item,) = typing.get_args(kind)
        if isinstance(value, list):
            return [coerce(v, item, where, f"{key}[{i}]") for i, v in enumerate(value)]
    elif origin in (Union, types.UnionType):
        for option in typing.get_args(kind):
            if option is type(None):
                continue
            try:
                return coerce(value, option, where, key)
            except ConfigError:
                continue
    else:  # pragma: no cover - a schema field of a type this loader does not know
        raise ConfigError(f"{where}: {key}: unsupported setting type {kind!r}")
    raise ConfigError(f"{where}: {key} must be {type_name(kind)}, not {type(value).__name__} ({value!r})")


def type_name(kind: Any) -> str:
    if typing.get_origin(kind) is list:
        inner = typing.get_args(kind)[0]
        return "a list of " + {str: "strings", float: "numbers", int: "integers", bool: "booleans"}.get(inner, "values")
    return {bool: "true or false", float: "a number", int: "an integer", str: "a string"}.get(kind, str(kind))
