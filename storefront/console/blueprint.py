"""The console's one blueprint, at /console, with its templates and static files.

Its request hooks (language, session, CSRF, no caching) and error pages are
attached by storefront.console (``__init__.py``)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")

