"""An event's name read off its raw bytes, without parsing the JSON.

``hookmux run`` sizes its wait for the daemon by it, and the daemon answers an http
event that no handler takes without building the whole payload as Python objects.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container

KEY = b'"hook_event_name"'


def event_name_hint(data: bytes) -> str | None:
    """The event's name read off the raw bytes, without parsing them (the relay's
    wait depends on it; the daemon parses the event itself). None unless plainly there:
    inside a JSON string the key's quotes would be escaped, so it cannot match there."""
    at = data.find(KEY)
    if at < 0:
        return None
    rest = data[at + len(KEY) : at + 120].lstrip(b" \t\r\n")
    if rest[:1] != b":":
        return None
    rest = rest[1:].lstrip(b" \t\r\n")
    end = rest.find(b'"', 1)
    if rest[:1] != b'"' or end < 0:
        return None
    return rest[1:end].decode("utf-8", "replace")


def surely_unwanted(data: bytes, wanted: Container[str]) -> bool:
    """Whether the event's name, read off the bytes, is certainly not in ``wanted``.

    Without a ``\\u`` escape anywhere, no key can spell ``hook_event_name`` but
    literally, so a single literal occurrence is the only such key: the event's own,
    or (nested, or a string value) the event has none and is invalid. An invalid
    event is answered with nothing, like an event no handler takes, so either way
    the answer is the one parsing would give. A name with an escape is left to the
    parser. A wanted name needs no certainty: the event is parsed and routed anyway.
    """
    name = event_name_hint(data)
    if name is None or name in wanted:
        return False
    return "\\" not in name and b"\\u" not in data and data.count(KEY) == 1
