"""expo: the static site generator of Smart City Online."""

__version__ = "0.1.0"
