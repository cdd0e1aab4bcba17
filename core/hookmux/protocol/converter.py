"""hookmux's own cattrs converter: strict types and errors that name the field.

cattrs coerces primitives by default (``structure(5, str) == "5"``); hook input
and config are checked strictly instead, so a wrong type is reported, not hidden.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from hookmux.protocol.eventmodels import HookEvent, UnknownEvent, event_class

_TYPE_NAMES = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}


class StructureError(ValueError):
    """Input that does not fit its model; ``messages`` name each bad field."""

    def __init__(self, what: str, messages: list[str]) -> None:
        self.what = what
        self.messages = messages
        super().__init__(f"{what}: " + "; ".join(messages))


def _strict(kind: type) -> Callable[[Any, type], Any]:
    def structure(value: Any, _: type) -> Any:
        ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not ok:
            raise TypeError(f"expected {_TYPE_NAMES[kind]}, got {_describe(value)}")
        return value

    return structure


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}"


def _is_json_dict(type_: Any) -> bool:
    return typing.get_origin(type_) is dict and typing.get_args(type_) == (str, Any)


def _json_dict(value: Any, _: type) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {_describe(value)}")
    return value


def _is_list(type_: Any) -> bool:
    return typing.get_origin(type_) in (list, tuple) and len(typing.get_args(type_)) >= 1


def _is_optional(type_: Any) -> bool:
    """``X | None`` (or ``Optional[X]``) of a single X, as cattrs's own optional hook takes."""
    args = typing.get_args(type_)
    union = typing.get_origin(type_) in (typing.Union, types.UnionType)
    return union and len(args) == 2 and type(None) in args


def _is_event(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, HookEvent)


def _object_first(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Reject a non-object before cattrs indexes into it (its message would blame a field)."""

    def structure(value: Any, type_: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object, got {_describe(value)}")
        return fn(value, type_)

    return structure


def make_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """A fresh strict converter. Events tolerate unknown keys; config does not."""
    conv = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    for kind in (str, bool, int, float):
        conv.register_structure_hook(kind, _strict(kind))
    conv.register_structure_hook_func(_is_json_dict, _json_dict)

    def list_factory(type_: Any) -> Callable[[Any, Any], Any]:
        args = typing.get_args(type_)
        elem = args[0]
        origin = typing.get_origin(type_)

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"expected a list, got {_describe(value)}")
            items, errors = [], []
            for index, item in enumerate(value):
                try:
                    items.append(conv.structure(item, elem))
                except Exception as exc:  # noqa: BLE001 - regrouped below with its index
                    exc.__notes__ = [
                        *getattr(exc, "__notes__", []),
                        IterableValidationNote(f"Structuring {type_} @ index {index}", index, elem),
                    ]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {type_}", errors, type_)
            return tuple(items) if origin is tuple else items

        return structure

    conv.register_structure_hook_factory(_is_list, list_factory)

    def optional_factory(type_: Any) -> Callable[[Any, Any], Any]:
        # What cattrs does for ``X | None``, with X's hook looked up once, not on every value
        # (its own hook takes the union apart and dispatches X each time: most of the cost
        # of an event's optional fields). The same hook of X raises the same errors.
        first, second = typing.get_args(type_)
        other = first if second is type(None) else second
        hook: Callable[[Any, Any], Any] | None = None

        def structure(value: Any, _: Any) -> Any:
            nonlocal hook
            if value is None:
                return None
            if hook is None:  # looked up at first use: every hook is registered by then
                lookup = getattr(conv, "get_structure_hook", None)  # cattrs >= 24.1
                hook = conv.structure if lookup is None else lookup(other)
            return hook(value, other)

        return structure

    conv.register_structure_hook_factory(_is_optional, optional_factory)
    conv.register_structure_hook_factory(
        attrs.has, lambda cl: _object_first(make_dict_structure_fn(cl, conv))
    )
    # ``raw`` is not read from the payload: it is the payload (set in structure_event).
    conv.register_structure_hook_factory(
        _is_event, lambda cl: _object_first(make_dict_structure_fn(cl, conv, raw=override(omit=True)))
    )
    return conv


@functools.cache
def converter() -> cattrs.Converter:
    return make_converter()


@functools.cache
def config_converter() -> cattrs.Converter:
    return make_converter(forbid_extra_keys=True)


def _messages(exc: BaseException) -> list[str]:
    def fmt(err: BaseException, type_: Any) -> str:
        if isinstance(err, KeyError):
            return "required field is missing"
        if isinstance(err, ForbiddenExtraKeysError):
            return "unknown key " + ", ".join(repr(k) for k in sorted(err.extra_fields))
        return str(err) or f"invalid value for {getattr(type_, '__name__', type_)}"

    out = []
    for line in cattrs.transform_error(exc, path="$", format_exception=fmt):
        message, _, where = line.rpartition(" @ ")
        field = where.removeprefix("$").lstrip(".") or "(top level)"
        if message.startswith("unknown key") and field == "(top level)":
            out.append(message)
        else:
            out.append(f"{field}: {message}")
    return out


def structure(data: Any, cls: type[Any], what: str, conv: cattrs.Converter | None = None) -> Any:
    """Structure ``data`` into ``cls`` or raise :class:`StructureError` about ``what``."""
    try:
        return (conv or converter()).structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            raise StructureError(what, _messages(exc)) from None
        raise StructureError(what, [str(exc)]) from None


def structure_event(payload: Mapping[str, Any]) -> HookEvent:
    """The attrs model of a hook payload; unknown events become :class:`UnknownEvent`."""
    name = payload.get("hook_event_name")
    cls = event_class(name) if isinstance(name, str) else UnknownEvent
    event: HookEvent = structure(payload, cls, f"{name} event")
    # The instance is new and not shared yet, and ``raw`` has no validator or converter:
    # set it in place, as attrs' own __init__ does, instead of building the event twice
    # (attrs.evolve re-runs __init__ over every field: a third of this function's cost).
    object.__setattr__(event, "raw", payload)
    return event
