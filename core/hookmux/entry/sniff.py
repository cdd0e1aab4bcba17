"""An event's name read off its raw bytes, without parsing the JSON.

``hookmux run`` sizes its wait for the daemon by it, and the daemon answers an http
event that no handler takes without building the whole payload as Python objects.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container, Mapping

KEY = b'"hook_event_name"'
TOOL_KEY = b'"tool_name"'
#: Set by hookmux's adapters for another agent's events, whose handlers may differ.
AGENT_KEY = b'"hookmux_agent"'


def event_name_hint(data: bytes) -> str | None:
    """The event's name read off the raw bytes, without parsing them (the relay's
    wait depends on it; the daemon parses the event itself). None unless plainly there:
    inside a JSON string the key's quotes would be escaped, so it cannot match there."""
    return field_hint(data, KEY)


def field_hint(data: bytes, key: bytes) -> str | None:
    """The string value of the field ``key`` (quoted) read off the raw bytes, as
    :func:`event_name_hint` reads the event's name."""
    at = data.find(key)
    if at < 0:
        return None
    rest = data[at + len(key) : at + len(key) + 103].lstrip(b" \t\r\n")
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
    return _certain(data, name)


def _certain(data: bytes, name: str) -> bool:
    """``name``, read off ``data`` by :func:`event_name_hint`, is the event's own name
    (see :func:`surely_unwanted`)."""
    return "\\" not in name and b"\\u" not in data and data.count(KEY) == 1


def surely_only_observed(data: bytes, answering: Mapping[str, frozenset[str] | None]) -> bool:
    """Whether the event, read off its bytes, is certainly one that no handler which may
    answer takes: its answer is empty whatever its observers and background handlers do.

    ``answering``: event name -> the tool names its answering handlers match exactly, or
    None when one may take any tool (or is matched otherwise); an event not in it has none.
    Certain as :func:`surely_unwanted` is, for the tool's name too, and only for Claude
    Code's own events (another agent's handlers are not in ``answering``).
    """
    name = event_name_hint(data)
    if name is None:
        return False
    tools = answering.get(name, frozenset())
    if tools is None or not _certain(data, name) or AGENT_KEY in data:
        return False
    if name not in answering:
        return True
    tool = field_hint(data, TOOL_KEY)
    return tool is not None and "\\" not in tool and tool not in tools and data.count(TOOL_KEY) == 1
