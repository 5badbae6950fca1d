"""Drive ``lagg_ifconfig.backends.userspace`` from inside a namespace (run by ``ip netns exec``).

``python laggd_api.py OP NAME [JSON-ARG]`` prints one JSON object: ``{"ok": true, "result": ...}``
or ``{"ok": false, "error": {"type": ..., "errno": ..., "op": ..., "text": "str(error)"}}``.
OPs: create, destroy, apply (arg: {"proto", "ports", "rr_limit", "hash"}), observe, counters, names,
is_lagg, set_mtu (arg: int), set_lladdr (arg: str).  A traceback here is a test failure.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from lagg_ifconfig.backends import userspace
from lagg_ifconfig.errors import BackendError
from lagg_ifconfig.model import HashLayer, LaggConfig, LaggProto, LaggStatus


def _status(st: LaggStatus) -> dict[str, Any]:
    return {
        "proto": st.proto.value,
        "hash": int(st.hash),
        "options": int(st.options),
        "rr_limit": st.rr_limit,
        "ports": [[p.name, int(p.flags)] for p in st.ports],
        "ifindexes": [p.ifindex for p in st.ports],
        "active_ports": st.active_ports,
        "flapping": st.flapping,
        "backend": st.backend,
    }


def run(op: str, name: str, arg: Any) -> Any:
    if op == "create":
        return userspace.create(name)
    if op == "destroy":
        return userspace.destroy(name)
    if op == "apply":
        cfg = LaggConfig(
            proto=LaggProto(arg.get("proto", "failover")),
            ports=tuple(arg.get("ports", ())),
            hash=HashLayer(arg.get("hash", 7)),
            rr_limit=int(arg.get("rr_limit", 0)),
        )
        return [[e.port, e.op, e.errno, e.message()] for e in userspace.apply(name, cfg)]
    if op == "observe":
        return _status(userspace.observe(name))
    if op == "counters":
        return dict(userspace.observe(name).counters)
    if op == "names":
        return list(userspace.names())
    if op == "is_lagg":
        return userspace.is_lagg(name)
    if op == "set_mtu":
        return userspace.set_mtu(name, int(arg))
    if op == "set_lladdr":
        return userspace.set_lladdr(name, str(arg))
    raise SystemExit(f"unknown op {op}")


def main() -> None:
    op, name = sys.argv[1], sys.argv[2]
    arg = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    try:
        out: dict[str, Any] = {"ok": True, "result": run(op, name, arg)}
    except BackendError as exc:
        out = {
            "ok": False,
            "error": {"type": type(exc).__name__, "errno": exc.errno, "op": exc.op, "text": str(exc)},
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
