"""Selection Logic (802.1AX-2008 5.4.14) for one aggregation per lagg.

Theory of operation
-------------------
802.1AX lets every port pick an Aggregator whose identity is (actor system,
actor key, partner system, partner key); ports that agree on all four share
it.  FreeBSD then uses only one of those aggregators for traffic, the *active
aggregator*, chosen by its partner system priority and its total speed (spec
§4.4).  This module takes that scope cut one step further and selects ports
into the active aggregator only: a port of any other aggregator stays
UNSELECTED, so every SELECTED port shares one partner, and a lagg shows one
``lag id``.

``eligibility`` is a list of guard clauses; each refusal carries its reason,
which the machine records in its trace (FreeBSD's ``LACP_DPRINTF`` lines).
``choose_aggregator`` orders the candidate aggregators:

1. the lowest partner system priority (a partner asking to decide wins),
2. then the greatest total speed (lagg.4: "the LAG with the greatest total
   speed"),
3. then the aggregator already active (no flapping between equals),
4. then the lowest port number, so that the choice never depends on the
   order in which events arrived.

FreeBSD applies 1 and 2 as a running "better than the best so far" test over
aggregators with distributing ports; here the same criteria are a total order
over aggregators with *eligible* ports, since a port must be selected before
it can distribute.

Not modelled: STANDBY (a lagg has at most 32 ports, the limit of an
aggregator), and aggregators with a partner of our own system (looped back
PDUs are dropped before they reach the Receive machine).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["AggregatorId", "Candidate", "choose_aggregator", "eligibility"]


@dataclass(frozen=True, order=True)
class AggregatorId:
    """What ports must share to be aggregated (802.1AX-2008 5.4.14.1, 5.3.5).

    ``individual_port`` is the actor port number of an Individual link (ours
    or the partner's Aggregation bit clear): such a link is an aggregator of
    its own.  It is 0 for aggregatable links.
    """

    actor_key: int
    partner_system_priority: int
    partner_system: bytes
    partner_key: int
    individual_port: int = 0


@dataclass(frozen=True)
class Candidate:
    """What selection needs to know about one port."""

    name: str
    port_number: int
    speed_mbps: int
    port_enabled: bool
    lacp_enabled: bool
    receive_current: bool
    actor_aggregatable: bool
    partner_aggregatable: bool
    actor_key: int
    partner_system_priority: int
    partner_system: bytes
    partner_key: int

    @property
    def aggregator(self) -> AggregatorId:
        individual = not (self.actor_aggregatable and self.partner_aggregatable)
        return AggregatorId(
            self.actor_key,
            self.partner_system_priority,
            self.partner_system,
            self.partner_key,
            self.port_number if individual else 0,
        )


def eligibility(port: Candidate) -> str | None:
    """Why ``port`` cannot be selected at all, or ``None`` if it can."""
    if not port.port_enabled:
        return "port disabled"
    if not port.lacp_enabled:
        return "LACP disabled (not full duplex)"
    if not port.receive_current:
        # MAIN's rule: a DEFAULTED (or EXPIRED) port has no live partner.
        return "receive machine not CURRENT"
    if not port.actor_aggregatable:
        return "port not aggregatable"
    return None


def choose_aggregator(
    candidates: Iterable[Candidate], active: AggregatorId | None
) -> tuple[AggregatorId | None, dict[str, str]]:
    """The aggregator to select ports into, and the reason each other port is left out.

    ``active`` is the aggregator chosen last time (it wins ties).
    """
    reasons: dict[str, str] = {}
    groups: dict[AggregatorId, list[Candidate]] = {}
    for port in candidates:
        why = eligibility(port)
        if why is not None:
            reasons[port.name] = why
            continue
        groups.setdefault(port.aggregator, []).append(port)
    if not groups:
        return None, reasons

    def rank(item: tuple[AggregatorId, Sequence[Candidate]]) -> tuple[int, int, int, int]:
        agg, ports = item
        bandwidth = sum(p.speed_mbps for p in ports)
        return (
            agg.partner_system_priority,
            -bandwidth,
            0 if agg == active else 1,
            min(p.port_number for p in ports),
        )

    best, _ = min(groups.items(), key=rank)
    for agg, ports in groups.items():
        if agg != best:
            for port in ports:
                reasons[port.name] = "another aggregator is active"
    return best, reasons
