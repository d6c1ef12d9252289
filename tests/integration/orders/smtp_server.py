"""A real SMTP server for the outbox tests (aiosmtpd on a free loopback port;
a helper module, not a test). It records every message it accepted, refuses
recipients at ``temp.invalid`` with 451 and at ``bounce.invalid`` with 550."""
from __future__ import annotations

import email
import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from aiosmtpd.controller import Controller

from tests.served import free_port


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[email.message.Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@temp.invalid"):
            return "451 4.3.0 Mailbox busy, try again later"
        if address.endswith("@bounce.invalid"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def outbox_ids(self) -> Counter:
        with self.lock:
            return Counter(int(m["X-Storefront-Outbox-Id"]) for m in self.messages)


@contextmanager
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()
