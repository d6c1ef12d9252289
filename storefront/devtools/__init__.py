"""Tools for developing against the shop locally (localstripe). In the entry
layer: only the CLI and ``make run-local-payments`` use them, never the app."""
