"""The console's sign-in, session cookie, CSRF and role checks (Flask test client)."""
from __future__ import annotations

from http.cookies import SimpleCookie

from tests.functional.console.helpers import ADMIN, csrf_of, make_token, post_form, sign_in


def _cookie(response) -> SimpleCookie:
    cookies = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookies.load(header)
    return cookies


def test_pages_need_a_signed_in_merchant(client):
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/sign-in" in response.headers["Location"]


def test_sign_in_with_the_bootstrap_token_and_out(client):
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/")
    home = client.get("/console/")
    assert home.status_code == 200 and "bootstrap" in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"
    signed_out = post_form(client, "/console/sign-out", {})
    assert signed_out.status_code == 302
    assert client.get("/console/").status_code == 302


def test_a_wrong_token_is_refused_and_counted(app, client, db_session):
    from sqlalchemy import func, select

    from storefront.admin.models import AuthFailure

    def failures() -> int:
        with app.app_context():
            return db_session.scalar(select(func.count(AuthFailure.id)))

    before = failures()
    response = sign_in(client, "sf_not-a-token")
    assert response.status_code == 401
    assert "not valid" in response.get_data(as_text=True)
    assert failures() == before + 1
    assert client.get("/console/").status_code == 302


def test_failed_sign_ins_past_the_limit_are_429(app, client):
    app.config["AUTH_FAILURE_LIMIT"] = 2
    try:
        answers = [sign_in(client, "sf_guess-guess") for _ in range(3)]
        assert [a.status_code for a in answers] == [401, 401, 429]
        assert int(answers[-1].headers["Retry-After"]) >= 1
        assert "Too many failed attempts" in answers[-1].get_data(as_text=True)
        assert sign_in(client, "test-admin-token").status_code == 302  # a valid token still passes, as in the API
    finally:
        app.config["AUTH_FAILURE_LIMIT"] = 1000


def test_session_cookie_flags(app, client):
    response = sign_in(client)
    cookie = _cookie(response)["storefront_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    assert "test-admin-token" not in cookie.value  # the token never travels in the cookie
    # Secure outside development and tests (production serves HTTPS).
    from storefront import create_app

    production = create_app(env="test", overrides={"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": False})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_a_post_without_or_with_a_wrong_csrf_token_is_400(client):
    sign_in(client)
    assert client.post("/console/sign-out").status_code == 400
    assert client.post("/console/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/console/").status_code == 200  # still signed in
    page = client.post("/console/sign-out", data={"csrf_token": "forged"})
    assert 'id="error-page"' in page.get_data(as_text=True)


def test_sign_in_itself_needs_the_csrf_token(client):
    response = client.post("/console/sign-in", data={"token": "test-admin-token"})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_a_revoked_token_signs_the_console_out(client):
    secret = make_token(client, "orders")
    assert sign_in(client, secret).status_code == 302
    assert client.get("/console/").status_code == 200
    token_id = next(t["id"] for t in client.get("/api/v1/admin/tokens", headers=ADMIN).get_json()["items"]
                    if t["prefix"] == secret[:10])
    assert client.delete(f"/api/v1/admin/tokens/{token_id}", headers=ADMIN).status_code == 200
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/sign-in" in response.headers["Location"]
    assert "no longer valid" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_changed_bootstrap_token_signs_the_console_out(app, client):
    sign_in(client)
    app.config["STOREFRONT_ADMIN_TOKEN"] = "another-bootstrap-token"
    try:
        assert client.get("/console/").status_code == 302
    finally:
        app.config["STOREFRONT_ADMIN_TOKEN"] = "test-admin-token"


def test_the_next_page_is_only_inside_the_console(client):
    page = client.get("/console/sign-in").get_data(as_text=True)
    response = client.post("/console/sign-in", data={"csrf_token": csrf_of(page), "token": "test-admin-token",
                                                     "next": "https://evil.example/console"})
    assert response.headers["Location"].endswith("/console/")


def test_language_from_accept_language_then_the_switcher(client):
    page = client.get("/console/sign-in", headers={"Accept-Language": "de-CH,de;q=0.9"})
    assert '<html lang="de"' in page.get_data(as_text=True)
    post_form(client, "/console/locale", {"locale": "ar"}, page="/console/sign-in")
    html = client.get("/console/sign-in", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html


def test_an_unexpected_error_is_a_logged_500_page(app, client, monkeypatch, caplog):
    from storefront.console.pages import markets

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(markets.market_services, "all_markets", broken)
    sign_in(client)
    response = client.get("/console/markets")
    assert response.status_code == 500 and 'id="error-page"' in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)
    assert any("unhandled error" in r.getMessage() for r in caplog.records)
