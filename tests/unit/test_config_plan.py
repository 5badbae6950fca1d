"""fold (FreeBSD's checks on a copy), diff (steps with undo) and execute (rollback)."""

from __future__ import annotations

import errno
from dataclasses import replace

import pytest

from lagg_ifconfig import plan as p
from lagg_ifconfig.apply import execute
from lagg_ifconfig.config import Folded, World, fold
from lagg_ifconfig.errors import BackendError, PartialApplyError, PortError
from lagg_ifconfig.model import Address, InterfaceConfig, LaggConfig, LaggOption, LaggProto, Nd6Flag
from lagg_ifconfig.syntax.parser import parse_words

WORLD = World(link_types={"fxp0": "ether", "fxp1": "ether", "lo": "loopback", "lagg0": "ether", "bge0": "ether"})
BGE0 = InterfaceConfig(name="bge0", up=False, mtu=1500, description="")
LAGG0 = InterfaceConfig(name="lagg0", up=False, mtu=1500, description="", lagg=LaggConfig())


def folded(current: InterfaceConfig, words: str, *, is_lagg: bool = False) -> Folded:
    return fold(current, parse_words(current.name, words.split()), is_lagg=is_lagg, world=WORLD)


def test_handbook_failover_line_folds_to_the_lagg_config() -> None:
    result = folded(LAGG0, "up laggproto failover laggport fxp0 laggport fxp1 198.18.0.15/24", is_lagg=True)
    assert result.config.lagg == LaggConfig(proto=LaggProto.FAILOVER, ports=("fxp0", "fxp1"))
    assert result.config.up is True
    assert result.config.addresses == (Address("inet", "198.18.0.15", 24, broadcast="198.18.0.255"),)


def test_lacp_defaults_strict_and_other_protocols_drop_lacp_options() -> None:
    lacp = folded(LAGG0, "laggproto lacp lacp_fast_timeout", is_lagg=True).config
    assert lacp.lagg is not None
    assert lacp.lagg.options == LaggOption.USE_NUMA | LaggOption.LACP_STRICT | LaggOption.LACP_FAST_TIMO
    back = folded(lacp, "laggproto failover", is_lagg=True).config
    assert back.lagg is not None
    assert back.lagg.options == LaggOption.USE_NUMA


def test_minus_use_flowid_clears_every_option_as_freebsd_does() -> None:
    result = folded(LAGG0, "use_flowid -use_flowid", is_lagg=True).config
    assert result.lagg is not None
    assert result.lagg.options == LaggOption(0)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("lacp_strict", "SIOCSLAGGOPTS: Invalid argument"),
        ("rr_limit 2", "SIOCSLAGGOPTS: Invalid argument"),
        ("-laggport fxp9", "SIOCSLAGGDELPORT: Invalid argument"),
        ("-laggport fxp1", "SIOCSLAGGDELPORT: No such file or directory"),
    ],
)
def test_lagg_errors_that_stop_processing(words: str, message: str) -> None:
    with pytest.raises(BackendError) as caught:
        folded(LAGG0, words, is_lagg=True)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("laggproto lacp", "SIOCSLAGG: Invalid argument"),
        ("lagghash l2", "SIOCSLAGGHASH: Invalid argument"),
        ("use_numa", "SIOCSLAGGOPTS: Invalid argument"),
    ],
)
def test_lagg_keywords_on_a_plain_interface(words: str, message: str) -> None:
    with pytest.raises(BackendError) as caught:
        folded(BGE0, words)
    assert str(caught.value) == message


def test_laggport_on_a_plain_interface_is_a_port_error_and_the_rest_goes_on() -> None:
    result = folded(BGE0, "laggport fxp0 up")
    assert result.port_errors == (PortError("bge0", "fxp0", "SIOCSLAGGPORT", errno.EINVAL),)
    assert result.port_errors[0].message() == "bge0 fxp0: SIOCSLAGGPORT: Invalid argument"
    assert result.config.up is True


def test_inet_without_alias_replaces_the_first_address_and_alias_adds() -> None:
    one = folded(BGE0, "198.18.0.15/24").config
    two = folded(one, "198.18.0.20/24").config
    assert [a.address for a in two.addresses] == ["198.18.0.20"]
    three = folded(two, "alias 198.18.0.16/32").config
    assert [a.address for a in three.addresses] == ["198.18.0.20", "198.18.0.16"]
    with pytest.raises(BackendError) as caught:
        folded(three, "alias 198.18.0.16/32")
    assert str(caught.value) == "ioctl (SIOCAIFADDR): File exists"
    with pytest.raises(BackendError) as caught:
        folded(three, "198.18.0.99 -alias")
    assert str(caught.value) == "ioctl (SIOCDIFADDR): Can't assign requested address"


def test_address_without_mask_warns_and_uses_the_classful_mask() -> None:
    result = folded(BGE0, "198.18.0.15")
    assert result.warnings == (
        "WARNING: setting interface address without mask is deprecated,\ndefault mask may not be correct.",
    )
    assert result.config.addresses[0].prefixlen == 24  # 198.x is class C


def test_mtu_on_a_lagg_port_is_refused() -> None:
    world = replace(WORLD, lagg_of={"fxp0": "lagg0"})
    with pytest.raises(BackendError) as caught:
        fold(replace(BGE0, name="fxp0"), parse_words("fxp0", ["mtu", "9000"]), is_lagg=False, world=world)
    assert str(caught.value) == "ioctl SIOCSIFMTU (set mtu): Invalid argument"


def test_diff_orders_steps_and_each_has_an_undo() -> None:
    current = replace(BGE0, addresses=(Address("inet", "198.18.0.1", 24, "198.18.0.255"),))
    result = folded(current, "mtu 9000 description uplink 198.18.0.15/24 ifdisabled up")
    steps = p.diff(current, result).steps
    assert [type(s) for s in steps] == [
        p.SetMtu,
        p.DelAddress,
        p.AddAddress,
        p.SetDescription,
        p.SetNd6,
        p.SetUp,
    ]
    assert steps[0].undo() == p.SetMtu("bge0", 1500, 9000, False)
    assert steps[-1].undo() == p.SetUp("bge0", False)
    assert isinstance(steps[4], p.SetNd6)
    assert steps[4].flag is Nd6Flag.IFDISABLED


class Recorder:
    """A System that records calls and fails on a chosen operation (unit test of the rollback rule)."""

    def __init__(self, fail_on: str) -> None:
        self.fail_on = fail_on
        self.calls: list[str] = []

    def __getattr__(self, operation: str):  # type: ignore[no-untyped-def]
        def call(*args: object) -> tuple[PortError, ...]:
            if operation == self.fail_on:
                raise BackendError(errno.EINVAL, op="ioctl SIOCSIFMTU (set mtu)")
            self.calls.append(f"{operation}{args}")
            return ()

        return call


def test_a_failing_step_rolls_back_the_completed_ones_in_reverse() -> None:
    the_plan = p.Plan(
        (
            p.SetDescription("bge0", "uplink", ""),
            p.AddAddress("bge0", Address("inet", "198.18.0.1", 24)),
            p.SetMtu("bge0", 9000, 1500),
        ),
        "bge0",
    )
    system = Recorder(fail_on="set_mtu")
    with pytest.raises(PartialApplyError) as caught:
        execute(the_plan, system)
    assert str(caught.value) == "ioctl SIOCSIFMTU (set mtu): Invalid argument"
    assert caught.value.rolled_back
    assert system.calls == [
        "set_description('bge0', 'uplink')",
        "add_address('bge0', Address(family='inet', address='198.18.0.1', prefixlen=24, broadcast=None, "
        "peer=None, scope_id=0, flags=()))",
        "del_address('bge0', Address(family='inet', address='198.18.0.1', prefixlen=24, broadcast=None, "
        "peer=None, scope_id=0, flags=()))",
        "set_description('bge0', '')",
    ]
