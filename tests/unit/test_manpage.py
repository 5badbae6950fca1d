"""man/ifconfig.8 is lint-clean mdoc and documents what the program does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lagg_ifconfig.linux import freebsd_map
from lagg_ifconfig.model import PROTO_BY_NAME
from lagg_ifconfig.status import FORMAT_CHOICES

MAN = Path(__file__).resolve().parents[2] / "man"
PAGE = MAN / "ifconfig.8"

#: Messages that depend on the machine, not on the page: our other pages are
#: only found once installed and indexed (makewhatis), and mandoc notes a stale
#: system database.  Everything else must be silent.
_ENVIRONMENT = re.compile(
    r"STYLE: referenced manual not found: Xr (laggd|lagg-netif|sysrc) 8"
    r"|outdated mandoc\.db lacks .* entry, run makewhatis"
)


def _mandoc() -> str:
    path = shutil.which("mandoc")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mandoc is not installed (tools/setup.sh installs it)")
        pytest.skip("mandoc is not installed")
    return path


def test_lint_reports_nothing_about_the_page() -> None:
    proc = subprocess.run([_mandoc(), "-T", "lint", str(PAGE)], capture_output=True, text=True, check=False)
    messages = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    remaining = [m for m in messages if not _ENVIRONMENT.search(m)]
    assert remaining == []


def test_lint_warnings_and_errors_are_empty() -> None:
    proc = subprocess.run(
        [_mandoc(), "-T", "lint", "-W", "warning", str(PAGE)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout == ""


def test_page_documents_every_lagg_protocol_and_format() -> None:
    text = PAGE.read_text()
    for proto in PROTO_BY_NAME:
        assert f"Cm {proto}" in text, proto
    for kind, formats in FORMAT_CHOICES.items():
        assert f"It Cm {kind}" in text
        for fmt in formats:
            assert f"Cm {fmt}" in text, (kind, fmt)


def test_linux_mapping_table_matches_the_code() -> None:
    # every speed row of the media table appears by its twisted-pair name
    text = PAGE.read_text()
    for speed in (10, 100, 1000, 2500, 5000, 10000, 25000, 40000, 50000, 100000):
        assert freebsd_map.MEDIA_BY_SPEED[speed][0] in text, speed
    for word in ("SIMPLEX (0x800)", "RUNNING (0x40)", "LOWER_UP (0x1000000)", "nd6 IFDISABLED"):
        assert word in text
