"""Kernel constants Python 3.11's ``socket`` module lacks (spec linux-mapping §8.2).

Values are from the Linux uapi headers (``if_packet.h``, ``if_tun.h``,
``ethtool.h``, ``rtnetlink.h``, ``sockios.h``); they are ABI and never change.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ETHTOOL_GLINK",
    "ETHTOOL_GLINKSETTINGS",
    "ETHTOOL_SLINKSETTINGS",
    "ETH_P_ALL",
    "ETH_P_SLOW",
    "IFF_LOWER_UP",
    "IFF_MULTI_QUEUE",
    "IFF_NOARP",
    "IFF_NO_CARRIER",
    "IFF_NO_PI",
    "IFF_PERSIST",
    "IFF_PROMISC",
    "IFF_RUNNING",
    "IFF_TAP",
    "IFF_UP",
    "IFF_VNET_HDR",
    "IFLA_ADDRESS",
    "IFLA_CARRIER",
    "IFLA_IFNAME",
    "IFLA_MTU",
    "NETLINK_ROUTE",
    "PACKET_ADD_MEMBERSHIP",
    "PACKET_IGNORE_OUTGOING",
    "PACKET_MR_MULTICAST",
    "PACKET_MR_PROMISC",
    "PACKET_VNET_HDR",
    "RTMGRP_LINK",
    "RTM_DELLINK",
    "RTM_NEWLINK",
    "SIOCETHTOOL",
    "SIOCGIFFLAGS",
    "SIOCGIFHWADDR",
    "SIOCGIFINDEX",
    "SIOCGIFMTU",
    "SIOCSIFFLAGS",
    "SIOCSIFHWADDR",
    "SIOCSIFMTU",
    "SLOW_PROTOCOLS_MAC",
    "SOL_PACKET",
    "SO_RCVBUFFORCE",
    "SO_SNDBUFFORCE",
    "TUNGETFEATURES",
    "TUNSETCARRIER",
    "TUNSETIFF",
    "TUNSETOFFLOAD",
    "TUNSETPERSIST",
    "TUNSETVNETHDRSZ",
    "TUN_F_CSUM",
    "TUN_F_TSO4",
    "TUN_F_TSO6",
    "TUN_F_TSO_ECN",
    "VNET_HDR_LEN",
]

# --- AF_PACKET (linux/if_packet.h) ---------------------------------------------------------------
SOL_PACKET: Final = 263
PACKET_ADD_MEMBERSHIP: Final = 1
PACKET_MR_MULTICAST: Final = 0
PACKET_MR_PROMISC: Final = 1
PACKET_VNET_HDR: Final = 15
PACKET_IGNORE_OUTGOING: Final = 23
SO_SNDBUFFORCE: Final = 32
SO_RCVBUFFORCE: Final = 33
ETH_P_ALL: Final = 0x0003
ETH_P_SLOW: Final = 0x8809
#: The Slow Protocols multicast group (LACP), joined on every member as teamd does.
SLOW_PROTOCOLS_MAC: Final = b"\x01\x80\xc2\x00\x00\x02"

# --- TUN/TAP (linux/if_tun.h) ---------------------------------------------------------------------
TUNSETIFF: Final = 0x400454CA
TUNSETPERSIST: Final = 0x400454CB
TUNGETFEATURES: Final = 0x800454CF
TUNSETOFFLOAD: Final = 0x400454D0
TUNSETVNETHDRSZ: Final = 0x400454D8
TUNSETCARRIER: Final = 0x400454E2
IFF_TAP: Final = 0x0002
IFF_NO_CARRIER: Final = 0x0040
IFF_MULTI_QUEUE: Final = 0x0100
IFF_PERSIST: Final = 0x0800
IFF_NO_PI: Final = 0x1000
IFF_VNET_HDR: Final = 0x4000
TUN_F_CSUM: Final = 0x01
TUN_F_TSO4: Final = 0x02
TUN_F_TSO6: Final = 0x04
TUN_F_TSO_ECN: Final = 0x08
#: struct virtio_net_hdr: flags u8, gso_type u8, hdr_len, gso_size, csum_start, csum_offset u16.
VNET_HDR_LEN: Final = 10

# --- interface ioctls (linux/sockios.h, linux/if.h) -----------------------------------------------
SIOCGIFFLAGS: Final = 0x8913
SIOCSIFFLAGS: Final = 0x8914
SIOCGIFMTU: Final = 0x8921
SIOCSIFMTU: Final = 0x8922
SIOCGIFHWADDR: Final = 0x8927
SIOCSIFHWADDR: Final = 0x8924
SIOCGIFINDEX: Final = 0x8933
SIOCETHTOOL: Final = 0x8946
IFF_UP: Final = 0x1
IFF_RUNNING: Final = 0x40
IFF_NOARP: Final = 0x80
IFF_PROMISC: Final = 0x100
IFF_LOWER_UP: Final = 0x10000

# --- ethtool (linux/ethtool.h) --------------------------------------------------------------------
ETHTOOL_GLINK: Final = 0x0000000A
ETHTOOL_GLINKSETTINGS: Final = 0x0000004C
ETHTOOL_SLINKSETTINGS: Final = 0x0000004D

# --- rtnetlink (linux/rtnetlink.h, linux/if_link.h) -----------------------------------------------
NETLINK_ROUTE: Final = 0
RTMGRP_LINK: Final = 1
RTM_NEWLINK: Final = 16
RTM_DELLINK: Final = 17
IFLA_ADDRESS: Final = 1
IFLA_IFNAME: Final = 3
IFLA_MTU: Final = 4
IFLA_CARRIER: Final = 33
