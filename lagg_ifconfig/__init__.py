"""lagg-ifconfig: FreeBSD's ifconfig link aggregation (lagg) and rc.conf network setup, for Linux."""

__all__ = ["__version__"]
__version__ = "0.1.0"
