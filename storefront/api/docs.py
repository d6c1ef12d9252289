"""``GET /docs``: Swagger UI over /api/v1/openapi.json, served from the
swagger-ui-bundle package so it works offline (no CDN)."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from storefront.api.spec import API_PREFIX

blp = Blueprint("docs", __name__, template_folder="templates")

ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"})


@blp.get("/docs")
def docs_page():
    return render_template("docs.html", spec_url=f"{API_PREFIX}/openapi.json")


@blp.get("/docs/assets/<name>")
def docs_asset(name: str):
    if name not in ASSETS:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    return send_from_directory(swagger_ui_path, name, max_age=86400)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
