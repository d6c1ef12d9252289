"""Signing in to the console in a real browser."""
from __future__ import annotations


def test_sign_in_and_out(console, screenshot):
    console.open("/console/")
    assert console.driver.current_url.startswith(console.url("/console/sign-in"))
    screenshot("sign-in")
    console.sign_in()
    assert console.driver.current_url == console.url("/console/")
    assert console.text("#principal") == "bootstrap"
    (cookie,) = [c for c in console.driver.get_cookies() if c["name"] == "storefront_console"]
    # production settings: Secure (Chromium keeps it on http://127.0.0.1, a secure context), HttpOnly, Lax
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, True, "Lax", "/console")
    assert console.driver.execute_script("return document.cookie") == ""  # no script reads it
    screenshot("home")
    console.click_and_wait("#sign-out")
    assert console.driver.current_url.startswith(console.url("/console/sign-in"))


def test_a_wrong_token_is_refused(console, screenshot):
    console.sign_in("sf_wrong-token")
    assert "/console/sign-in" in console.driver.current_url
    assert "not valid" in console.text("#sign-in-error")
    screenshot("sign-in-wrong-token")
    console.open("/console/")
    assert "/console/sign-in" in console.driver.current_url
