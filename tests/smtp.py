"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), collecting what it is sent."""

import email
import socket
import threading
import time
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.received = threading.Condition()
        self.holding = threading.Event()  # a delivery is held in DATA (see hold_next)
        self._hold_next = None
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # aiosmtpd handler
    async def handle_DATA(self, server, session, envelope):
        release = self._hold_next
        if release is not None:
            self._hold_next = None
            self.holding.set()
            while not release.is_set():  # the sender is killed meanwhile; nothing is delivered
                import asyncio

                await asyncio.sleep(0.05)
            return "451 Try again later"
        with self.received:
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
            self.received.notify_all()
        return "250 OK"

    def hold_next(self) -> threading.Event:
        """The next message waits in DATA until the returned event is set, then is refused."""
        self._hold_next = threading.Event()
        return self._hold_next

    def wait_for(self, count: int, timeout: float = 15) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self.received:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.messages)} messages arrived, {count} expected")
                self.received.wait(left)
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())
