"""Console test helpers (Flask test client): sign in, read the CSRF token, post a form."""
from __future__ import annotations

import re

ADMIN_TOKEN = "test-admin-token"  # config/test.toml's STOREFRONT_ADMIN_TOKEN
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def make_token(client, *roles: str) -> str:
    response = client.post("/api/v1/admin/tokens", json={"name": f"console {'+'.join(roles)}", "roles": list(roles)},
                           headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def sign_in(client, token: str = ADMIN_TOKEN, locale: str | None = None):
    page = client.get("/console/sign-in")
    form = {"csrf_token": csrf_of(page.get_data(as_text=True)), "token": token}
    if locale:
        form["locale"] = locale
    return client.post("/console/sign-in", data=form)


def post_form(client, path: str, data: dict, page: str | None = None):
    """POST ``data`` to ``path`` with the CSRF token read from ``page`` (default: the console's start page)."""
    html = client.get(page or "/console/").get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_of(html), **data})
