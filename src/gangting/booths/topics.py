"""The MQTT topic scheme between booths and the centre, and who may use which topic.

One scheme for both ends (docs/decisions/0003-booths-over-mqtt.md)::

    gangting/v1/booths/{code}/telemetry/{kind}      booth -> centre  QoS 1
    gangting/v1/booths/{code}/state                 booth -> centre  QoS 1, retained
    gangting/v1/booths/{code}/availability          booth -> centre  QoS 1, retained, last will
    gangting/v1/booths/{code}/plate-reads           booth -> centre  QoS 1
    gangting/v1/booths/{code}/help-calls            booth -> centre  QoS 1
    gangting/v1/booths/{code}/commands/{id}         centre -> booth  QoS 1
    gangting/v1/booths/{code}/commands/{id}/ack     booth -> centre  QoS 1
    gangting/v1/booths/{code}/refusals              centre -> booth  QoS 1 (a message refused)

``v1`` is the scheme's major version; payloads carry their own version. Pure: no MQTT
library here, so the broker configuration, the centre and the booth node share it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Literal

from gangting.booths.errors import TopicUnknown

ROOT = "gangting/v1"
BOOTHS = f"{ROOT}/booths"
CENTRE_FILTER = f"{ROOT}/#"

Channel = Literal["telemetry", "state", "availability", "plate_reads", "help_calls", "ack"]

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def valid_booth_code(code: str) -> bool:
    """Booth codes (BT-KDL-001) never contain MQTT's separators or wildcards."""
    return bool(_CODE.match(code))


def _base(code: str) -> str:
    if not valid_booth_code(code):
        raise ValueError(f"booth code not usable in a topic: {code!r}")
    return f"{BOOTHS}/{code}"


def telemetry_topic(code: str, kind: str) -> str:
    if not _KIND.match(kind):
        raise ValueError(f"telemetry kind not usable in a topic: {kind!r}")
    return f"{_base(code)}/telemetry/{kind}"


def state_topic(code: str) -> str:
    return f"{_base(code)}/state"


def availability_topic(code: str) -> str:
    return f"{_base(code)}/availability"


def plate_reads_topic(code: str) -> str:
    return f"{_base(code)}/plate-reads"


def help_calls_topic(code: str) -> str:
    return f"{_base(code)}/help-calls"


def command_topic(code: str, command_id: uuid.UUID) -> str:
    return f"{_base(code)}/commands/{command_id}"


def command_ack_topic(code: str, command_id: uuid.UUID) -> str:
    return f"{command_topic(code, command_id)}/ack"


def refusals_topic(code: str) -> str:
    """Where the centre tells a booth that a message it published was refused (never
    stored): which topic, the error code and the zh-CN message (docs/decisions/0016)."""
    return f"{_base(code)}/refusals"


def booth_command_filter(code: str) -> str:
    """What a booth subscribes to: its own commands (not their acknowledgements)."""
    return f"{_base(code)}/commands/+"


def centre_filters() -> list[str]:
    """What the centre's ingest subscribes to: everything booths publish."""
    any_booth = f"{BOOTHS}/+"
    return [
        f"{any_booth}/telemetry/+",
        f"{any_booth}/state",
        f"{any_booth}/availability",
        f"{any_booth}/plate-reads",
        f"{any_booth}/help-calls",
        f"{any_booth}/commands/+/ack",
    ]


@dataclass(frozen=True)
class Route:
    """Where a booth-published message goes: its booth, channel and the topic's detail."""

    booth_code: str
    channel: Channel
    kind: str | None = None
    command_id: uuid.UUID | None = None


_SIMPLE: dict[str, Channel] = {
    "state": "state",
    "availability": "availability",
    "plate-reads": "plate_reads",
    "help-calls": "help_calls",
}


def parse_topic(topic: str) -> Route:
    """The route of a booth-published topic; ``TopicUnknown`` for anything else (including
    the centre's own command topics, which booths never publish)."""
    prefix = BOOTHS + "/"
    if not topic.startswith(prefix):
        raise TopicUnknown("未知的消息主题", data={"topic": topic[:200]})
    parts = topic[len(prefix) :].split("/")
    code = parts[0]
    if valid_booth_code(code):
        rest = parts[1:]
        if len(rest) == 1 and rest[0] in _SIMPLE:
            return Route(code, _SIMPLE[rest[0]])
        if len(rest) == 2 and rest[0] == "telemetry" and _KIND.match(rest[1]):
            return Route(code, "telemetry", kind=rest[1])
        if len(rest) == 3 and rest[0] == "commands" and rest[2] == "ack":
            try:
                return Route(code, "ack", command_id=uuid.UUID(rest[1]))
            except ValueError:
                pass
    raise TopicUnknown("未知的消息主题", data={"topic": topic[:200]})


# --- who may use which topic (the same rules feed the Mosquitto ACL file and the embedded
# --- broker's topic check)

Access = Literal["read", "write", "readwrite"]


def booth_acl(code: str) -> list[tuple[Access, str]]:
    """A booth's own topics, nothing else: it writes its reports and command
    acknowledgements and reads its own commands and the centre's refusals of its messages."""
    base = _base(code)
    return [
        ("write", f"{base}/telemetry/+"),
        ("write", f"{base}/state"),
        ("write", f"{base}/availability"),
        ("write", f"{base}/plate-reads"),
        ("write", f"{base}/help-calls"),
        ("write", f"{base}/commands/+/ack"),
        ("read", f"{base}/commands/+"),
        ("read", f"{base}/refusals"),
    ]


def centre_acl() -> list[tuple[Access, str]]:
    return [("readwrite", CENTRE_FILTER)]


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT matching of a concrete topic against a filter with ``+`` and ``#``."""
    f_levels = topic_filter.split("/")
    t_levels = topic.split("/")
    for i, f in enumerate(f_levels):
        if f == "#":
            return True
        if i >= len(t_levels):
            return False
        if f != "+" and f != t_levels[i]:
            return False
    return len(f_levels) == len(t_levels)


def filter_within(requested: str, allowed: str) -> bool:
    """Whether every topic the ``requested`` subscription filter can match is matched by
    ``allowed`` (a ``#`` or ``+`` asked for must be covered by one that is allowed)."""
    r_levels = requested.split("/")
    a_levels = allowed.split("/")
    for i, a in enumerate(a_levels):
        if a == "#":
            return True
        if i >= len(r_levels):
            return False
        r = r_levels[i]
        if r == "#":
            return False
        if a != "+" and a != r:
            return False
    return len(r_levels) == len(a_levels)


def _grants(acl: list[tuple[Access, str]], want: Literal["read", "write"]) -> list[str]:
    return [f for access, f in acl if access in (want, "readwrite")]


def may_publish(acl: list[tuple[Access, str]], topic: str) -> bool:
    return any(topic_matches(f, topic) for f in _grants(acl, "write"))


def may_receive(acl: list[tuple[Access, str]], topic: str) -> bool:
    return any(topic_matches(f, topic) for f in _grants(acl, "read"))


def may_subscribe(acl: list[tuple[Access, str]], topic_filter: str) -> bool:
    return any(filter_within(topic_filter, f) for f in _grants(acl, "read"))
