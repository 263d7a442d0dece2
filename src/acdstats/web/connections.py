"""Connection hygiene for uvicorn's h11 protocol: deadlines and a cap on connections.

uvicorn by itself closes a connection only when it is idle after a response
(timeout_keep_alive): a connection that never sends a request, or sends its headers or body
a byte at a time, stays open for ever, and its limit_concurrency refuses with a text body only
once a request arrives. This subclass adds, per connection:

- a deadline for the request's headers, from the moment the connection is made (first
  request) or from the first byte of a later one: past it, 408 and close;
- a deadline for the request's body, from the end of its headers: past it, 408 if no answer
  has started (the application sees a disconnect), and close;
- a cap on open connections: one past it is answered 503 (a JSON body) to its first request
  and closed, and has only a short deadline to send it.

Idle keep-alive connections are uvicorn's own timeout_keep_alive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Literal

import h11
import orjson
from uvicorn.protocols.http.h11_impl import H11Protocol

from acdstats.config import Settings

log = logging.getLogger(__name__)

REFUSED_DEADLINE_S = 2.0
_LOG_EVERY_S = 10.0


def _json_error(status: int, msg: str) -> bytes:
    return orjson.dumps({"error": {"msg": msg, "code": status}})


def _raw_response(status: int, reason: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


_TOO_MANY = _json_error(503, "Too many connections to the server; try again later")


async def _refuse(scope: Any, receive: Any, send: Any) -> None:
    """The application a connection over the cap gets: 503 and close."""
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": _TOO_MANY})


class _Refusals:
    count = 0
    logged_at = 0.0

    @classmethod
    def note(cls, limit: int) -> None:
        cls.count += 1
        now = time.monotonic()
        if now - cls.logged_at >= _LOG_EVERY_S:
            log.warning("over the cap of %d connections: %d refused with 503", limit, cls.count)
            cls.logged_at, cls.count = now, 0


class GuardedH11Protocol(H11Protocol):
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    max_connections: int = 1000

    _deadline: asyncio.TimerHandle | None = None
    _phase: Literal["headers", "body"] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            _Refusals.note(self.max_connections)
            self.app = _refuse
            self._start("headers", min(REFUSED_DEADLINE_S, self.header_timeout_s))
        else:
            self._start("headers", self.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._phase is None and self.conn.their_state is h11.IDLE:
            self._start("headers", self.header_timeout_s)  # the first byte of a new request
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def _follow(self) -> None:
        """Move the deadline along with the client's side of the h11 state machine."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if self._phase != "body":
                self._start("body", self.body_timeout_s)
        elif state is h11.IDLE:
            if self._phase == "body":
                self._stop()  # a new cycle: idle until its first byte (keep-alive timeout)
        else:
            self._stop()

    def _start(self, phase: Literal["headers", "body"], delay: float) -> None:
        self._stop()
        self._phase = phase
        self._deadline = self.loop.call_later(delay, self._late)

    def _stop(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._phase = None

    def _late(self) -> None:
        phase = self._phase
        self._deadline = None
        self._phase = None
        if self.transport.is_closing():
            return
        if phase == "headers":
            msg = f"Request headers not received within {self.header_timeout_s:g} s"
            self.transport.write(_raw_response(408, "Request Timeout", _json_error(408, msg)))
        elif self.cycle is not None and not self.cycle.response_started:
            msg = f"Request body not received within {self.body_timeout_s:g} s"
            self._send_408(msg)
        self.transport.close()

    def _send_408(self, msg: str) -> None:
        cycle = self.cycle
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        try:
            output = self.conn.send(h11.Response(status_code=408, headers=headers))
            output += self.conn.send(h11.Data(data=_json_error(408, msg)))
            output += self.conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            return
        self.transport.write(output)
        # The application, if it is waiting for the body, is told the client is gone.
        cycle.response_started = cycle.response_complete = cycle.disconnected = True
        cycle.message_event.set()


def protocol_for(settings: Settings) -> type[GuardedH11Protocol]:
    """The protocol class with these settings' deadlines and cap (uvicorn's `http` option)."""
    return type(
        "AcdstatsH11Protocol",
        (GuardedH11Protocol,),
        {
            "header_timeout_s": settings.header_timeout_s,
            "body_timeout_s": settings.body_timeout_s,
            "max_connections": settings.max_connections,
        },
    )
