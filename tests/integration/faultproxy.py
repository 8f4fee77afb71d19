"""A fault-injecting HTTP/1.1 proxy for loopback tests, in a thread of the test process.

Each request that reaches it draws one fault from a seeded schedule. Before forwarding: pass it
on, drop the connection, reset it (RST), answer 500, answer 503 with Retry-After, answer the
province's own 503 busy with an appointment (`busy`), answer slowly.
After forwarding (the server stored the record; the kiosk must not learn so for sure):
    lose_response   close without a byte of the answer
    headers_only    the answer's head, then close
    cut_body        the head and half the body, then close
    reset_mid_body  the head and half the body, then RST
    truncated_body  a complete-looking answer whose Content-Length and body are cut in half
Every request's arrival time and fault are kept (`log`), so a test can check the waits the
client kept between them. Enough HTTP to proxy what httpx sends: Content-Length bodies,
keep-alive.
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import struct
import threading
import time
from collections import Counter

BEFORE = ("pass", "drop", "reset", "500", "503", "busy", "slow")
AFTER = ("lose_response", "headers_only", "cut_body", "reset_mid_body", "truncated_body")
FAULTS = BEFORE + AFTER
# The appointment a "busy" answer gives, to the millisecond (its Retry-After says 1 s).
BUSY_APPOINTMENT_S = 0.6
_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)[ \t]*(?=\r?$)")


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    match = _LENGTH.search(head)
    length = int(match.group(1)) if match else 0
    body = await reader.readexactly(length) if length else b""
    return head, body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN (SO_LINGER 0), as a crashed peer or middlebox does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class FaultProxy:
    def __init__(self, upstream_port: int, weights: dict[str, float], seed: int,
                 slow_s: float = 0.4, retry_after_s: int = 1) -> None:
        unknown = set(weights) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")
        self.upstream_port = upstream_port
        self.rand = random.Random(seed)
        self.faults = list(weights)
        self.weights = [weights[f] for f in self.faults]
        # Every fault once first, in a seeded order, so even a short run meets each of them.
        self._script = [f for f in self.faults if weights[f] > 0]
        self.rand.shuffle(self._script)
        self.slow_s = slow_s
        self.retry_after_s = retry_after_s
        self.seen: Counter[str] = Counter()
        # (time.monotonic() of arrival, fault drawn, "METHOD /path" of the request)
        self.log: list[tuple[float, str, str]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        """Close the listener, cancel every connection's task, then end the loop."""

        async def shutdown() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _draw(self, head: bytes) -> str:
        fault = self._script.pop() if self._script else \
            self.rand.choices(self.faults, self.weights)[0]
        self.seen[fault] += 1
        target = " ".join(head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2])
        self.log.append((time.monotonic(), fault, target))
        return fault

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                message = await _read_message(reader)
                if message is None:
                    return
                fault = self._draw(message[0])
                if fault == "drop":
                    return
                if fault == "reset":
                    _reset(writer)
                    return
                if fault in ("500", "503", "busy"):
                    status = b"503" if fault == "busy" else fault.encode()
                    extra = f"Retry-After: {self.retry_after_s}\r\n".encode() \
                        if fault in ("503", "busy") else b""
                    body = b'{"error":"injected","reason":"fault proxy"}' if fault != "busy" \
                        else b'{"error":"busy","reason":"fault proxy","retry_after_s":%.3f}' \
                        % BUSY_APPOINTMENT_S  # the province's own busy answer
                    writer.write(b"HTTP/1.1 " + status + b" Injected\r\n" + extra
                                 + b"Content-Type: application/json\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)
                    await writer.drain()
                    continue
                if fault == "slow":
                    await asyncio.sleep(self.slow_s)
                if upstream is None:
                    upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                up_reader, up_writer = upstream
                up_writer.write(message[0] + message[1])
                await up_writer.drain()
                answer = await _read_message(up_reader)
                if answer is None or fault == "lose_response":
                    return
                if not await self._answer(writer, fault, *answer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            if upstream is not None:
                upstream[1].close()
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, fault: str, head: bytes,
                      body: bytes) -> bool:
        """Send the server's answer as `fault` mangles it; False when the connection ends."""
        half = body[: len(body) // 2]
        if fault == "truncated_body":
            head = _LENGTH.sub(b"Content-Length: " + str(len(half)).encode(), head)
            writer.write(head + half)
            await writer.drain()
            return True
        if fault in ("headers_only", "cut_body", "reset_mid_body"):
            writer.write(head + (b"" if fault == "headers_only" else half))
            await writer.drain()
            if fault == "reset_mid_body":
                _reset(writer)
            return False
        writer.write(head + body)
        await writer.drain()
        return True
