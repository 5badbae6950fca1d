"""``python -m lagg_ifconfig`` runs the ifconfig program."""

import sys

from lagg_ifconfig.cli import main

sys.exit(main())
