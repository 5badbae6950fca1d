"""The Handbook's lagg examples, run for real in a throwaway sandbox.

Creates namespaces ``laggdemo-a`` (our side: veths fxp0, fxp1) and ``laggdemo-b`` (the peer),
runs the FreeBSD Handbook's failover commands through ``ifconfig -j``, prints each command and
FreeBSD's status text, pings the peer through lagg0, pulls fxp0's cable, and removes everything.
Addresses are from 198.18.0.0/15 (benchmarking range); nothing leaves the sandbox.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

VENV = Path(__file__).resolve().parent.parent / ".venv" / "bin"
A, B = "laggdemo-a", "laggdemo-b"


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=check, text=True, capture_output=True)


def ifconfig(*words: str) -> None:
    print(f"# ifconfig {' '.join(shlex.quote(w) for w in words)}")
    result = sh(str(VENV / "ifconfig"), "-j", A, *words, check=False)
    sys.stdout.write(result.stdout)
    sys.stdout.write(result.stderr)


def setup() -> None:
    for ns in (A, B):
        sh("ip", "netns", "add", ns)
        sh(
            "ip",
            "netns",
            "exec",
            ns,
            "sysctl",
            "-qw",
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        )
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "-n", B, "link", "add", "br0", "type", "bridge")
    for name in ("fxp0", "fxp1"):
        sh("ip", "link", "add", name, "netns", A, "type", "veth", "peer", "name", f"p{name}", "netns", B)
        sh("ip", "-n", B, "link", "set", f"p{name}", "master", "br0", "up")
    sh("ip", "-n", B, "addr", "add", "198.18.0.1/24", "dev", "br0")
    sh("ip", "-n", B, "link", "set", "br0", "up")


def teardown() -> None:
    ifconfig("lagg0", "destroy")
    for ns in (A, B):
        sh("ip", "netns", "del", ns, check=False)


def ping() -> None:
    result = sh(
        "ip", "netns", "exec", A, "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.18.0.1", check=False
    )
    print(result.stdout.strip().splitlines()[-2] if result.stdout else result.stderr)


def main() -> int:
    teardown_needed = False
    try:
        setup()
        teardown_needed = True
        print("== Handbook example 31.2, failover (our side runs in namespace laggdemo-a)\n")
        ifconfig("fxp0", "up")
        ifconfig("fxp1", "up")
        ifconfig("lagg0", "create")
        ifconfig(
            "lagg0", "up", "laggproto", "failover", "laggport", "fxp0", "laggport", "fxp1", "198.18.0.15/24"
        )
        time.sleep(1.2)  # the kernel reports a new veth's operstate up to 1 s late
        ifconfig("lagg0")
        print("\n# ping the peer through lagg0")
        ping()
        print("\n== fxp0 loses its link: fxp1 takes over at once\n")
        sh("ip", "-n", B, "link", "set", "pfxp0", "down")
        time.sleep(0.3)
        ifconfig("lagg0")
        ping()
        print("\n== the cable is back: fxp0 is preferred again\n")
        sh("ip", "-n", B, "link", "set", "pfxp0", "up")
        time.sleep(1.2)
        ifconfig("lagg0")
        print("\n== errors are FreeBSD's\n")
        ifconfig("lagg0", "laggproto", "bogus")
        ifconfig("lagg0", "lagghash", "l5")
        ifconfig("fxp9", "up")
    finally:
        if teardown_needed:
            teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
