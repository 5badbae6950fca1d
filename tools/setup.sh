#!/bin/sh
# Install everything lagg-ifconfig needs on Debian 12 (root): system packages and a venv.
# Idempotent: a second run only checks.  The venv is .venv/ in the checkout (a venv starts
# Python in ~12 ms, the global interpreter here in ~70 ms: the CLI budget is 30 ms).
set -eu
cd "$(dirname "$0")/.."

PACKAGES="iproute2 nftables iperf3 tshark ethtool mandoc procps kmod iputils-ping
openvswitch-switch dnsmasq-base isc-dhcp-client python3-venv"

missing=""
for pkg in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "setup: installing:$missing"
    # tshark asks whether non-root users may capture: answer before it asks.
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        --no-install-recommends $missing >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c 'import lagg_ifconfig, pyroute2, pyparsing, rich, pytest, hypothesis' 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
    .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
    touch .venv/.installed
fi
# PYTHONDONTWRITEBYTECODE may be set: write the bytecode once, or every CLI call recompiles.
.venv/bin/python -m compileall -q lagg_ifconfig >/dev/null
echo "setup: ready (.venv/bin/ifconfig)"
