"""``GET /healthz``: 200 when the database answers, 503 otherwise. With
``REDIS_URL`` it also says whether Redis answers (``redis``: ``ok`` or
``unavailable``); the app serves without it (storefront/cache.py)."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask_babel import gettext
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from storefront.api.errors import error_response
from storefront.cache import redis_status
from storefront.extensions import db

log = logging.getLogger("storefront.health")


def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("database health check failed")
        db.session.rollback()
        return error_response(503, "database_unavailable", gettext("The database is not answering."))
    body = {"status": "ok"}
    redis = redis_status()
    if redis is not None:
        body["redis"] = redis
    return jsonify(body)


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
