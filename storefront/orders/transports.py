"""How outbox messages leave the shop: e-mail over SMTP, webhooks over HTTPS.

The outbox (storefront/orders/outbox.py) hands a transport a plain ``Mail``
or ``Post`` and learns the outcome from whether ``send`` raises
``DeliveryFailed``; tests swap in their own transports, and the retry policy
(storefront/orders/retry.py) never sees a socket."""
from __future__ import annotations

import http.client
import ipaddress
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol
from urllib.parse import urlsplit

from storefront.orders.signing import HEADER, signature_header


class DeliveryFailed(Exception):
    """This attempt failed; ``permanent`` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Mail:
    message_id: int
    recipient: str
    subject: str
    body: str
    locale: str


@dataclass(frozen=True)
class Post:
    message_id: int
    url: str
    secret: str
    event_type: str
    body: str


class MailTransport(Protocol):
    def send(self, mail: Mail) -> None: ...


class PostTransport(Protocol):
    def send(self, post: Post) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    """One SMTP connection per message (workers are long-lived; servers drop idle ones)."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False
    use_ssl: bool = False
    timeout: float = 30

    def send(self, mail: Mail) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = mail.recipient
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(idstring=f"outbox-{mail.message_id}")
        msg["Content-Language"] = mail.locale
        msg["X-Storefront-Outbox-Id"] = str(mail.message_id)
        msg.set_content(mail.body)
        try:
            if self.use_ssl:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.starttls and not self.use_ssl:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password)
                client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryFailed(f"recipient refused: {exc.recipients}"[:500],
                                 permanent=all(500 <= c < 600 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500],
                                 permanent=exc.smtp_code in (550, 551, 553)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_problem(url: str, *, allow_loopback_http: bool) -> str | None:
    """Why ``url`` cannot receive webhooks, or None: HTTPS only (plain HTTP to a
    loopback address only when the setting allows it, for local development)."""
    if any(ord(c) <= 0x20 or ord(c) == 0x7f for c in url):
        return "control characters or spaces"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "malformed URL"
    if not host:
        return "no host"
    if parts.username or parts.password:
        return "credentials in the URL"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and allow_loopback_http and is_loopback(host):
        return None
    return "not https"


@dataclass(frozen=True)
class HttpPoster:
    """POSTs the event JSON, signed; any 2xx is delivered, no redirect is followed."""

    timeout: float = 10
    allow_loopback_http: bool = False
    user_agent: str = "Storefront-Webhooks/1"

    def send(self, post: Post) -> None:
        problem = url_problem(post.url, allow_loopback_http=self.allow_loopback_http)
        if problem:
            raise DeliveryFailed(f"endpoint refused: {problem}", permanent=True)
        parts = urlsplit(post.url)
        payload = post.body.encode()
        headers = {"Content-Type": "application/json", "User-Agent": self.user_agent,
                   HEADER: signature_header(post.secret, int(time.time()), payload),
                   "Storefront-Event": post.event_type, "Storefront-Delivery": str(post.message_id)}
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname, parts.port, timeout=self.timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read(65536)
        except (OSError, http.client.HTTPException, socket.timeout) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
        finally:
            conn.close()
        if not 200 <= response.status < 300:
            raise DeliveryFailed(f"HTTP {response.status}", permanent=response.status == 410)
