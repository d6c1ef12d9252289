"""Console errors as HTML pages in the merchant's language: a domain error's
status and translated message (the API's message texts), 401 as a redirect to
the sign-in page, a failed CSRF check 400."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from storefront.admin.errors import Unauthorized
from storefront.api.errors import handle_database_error
from storefront.api.messages import HTTP_ERRORS
from storefront.errors import N_, StorefrontError


class SignInRequired(Unauthorized):
    code = "sign_in_required"
    message = N_("Please sign in with a merchant token.")


class CsrfFailed(StorefrontError):
    code = "csrf_failed"
    http_status = 400
    message = N_("The form has expired or did not come from this console. Reload the page and try again.")


def redirect_to_sign_in():
    """To the sign-in page, coming back to the page asked for (a GET) afterwards."""
    return redirect(url_for("console.sign_in", next=request.full_path if request.method == "GET" else None))


def message_of(err: StorefrontError) -> str:
    """The error's message in the merchant's language (as the API's edge translates it)."""
    return gettext(err.message, **err.params) if err.params else gettext(err.message)


def _storefront_error(err: StorefrontError):
    if isinstance(err, Unauthorized):
        return redirect_to_sign_in()
    return render_template("console/error.html", status=err.http_status, message=message_of(err),
                           code=err.code), err.http_status


def _http_error(err: HTTPException):
    status = err.code or 500
    _code, message = HTTP_ERRORS.get(status, ("http_error", None))
    text = gettext(message) if message else err.name
    return render_template("console/error.html", status=status, message=text, code=str(status)), status


def _unexpected(err: Exception):
    """What the API's catch-all does (a busy SQLite is 503, anything else logged and 500), as a page."""
    answer = handle_database_error(err)
    status = answer.status_code
    body = answer.get_json(silent=True) or {}
    message = body.get("error", {}).get("message") or gettext("Something went wrong on our side. Please try again.")
    response = render_template("console/error.html", status=status, message=message, code=str(status))
    return response, status, {k: v for k, v in answer.headers.items() if k == "Retry-After"}


def register(bp: Blueprint) -> None:
    bp.register_error_handler(StorefrontError, _storefront_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)
