"""Shared fixtures for integration tests: namespaces with cleanup (see ``netns.py``).

* ``netns_registry``: a :class:`~tests.integration.netns.NetnsRegistry`; everything it
  made (namespaces, veths, spawned PIDs) is removed when the test ends.
* ``netns``: one fresh namespace (IPv6 off, ``lo`` up).
* ``netns6``: one fresh namespace with IPv6 on.

Each fixture first calls :func:`~tests.integration.netns.require_netns`: without root or
``ip`` the test is skipped, or fails when ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.netns import Netns, NetnsRegistry, require_netns


@pytest.fixture
def netns_registry() -> Iterator[NetnsRegistry]:
    require_netns()
    with NetnsRegistry() as registry:
        yield registry


@pytest.fixture
def netns(netns_registry: NetnsRegistry) -> Netns:
    return netns_registry.create()


@pytest.fixture
def netns6(netns_registry: NetnsRegistry) -> Netns:
    return netns_registry.create(ipv6=True)
