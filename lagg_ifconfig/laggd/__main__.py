"""``python -m lagg_ifconfig.laggd``: the same as the ``laggd`` console script."""

import sys

from lagg_ifconfig.laggd.main import main

sys.exit(main())
