"""A fault-injecting HTTP/1.1 proxy for loopback tests, in a thread of the test process.

Each request that reaches it draws one fault from a seeded schedule: pass it on, drop the
connection before forwarding, reset it (RST), answer 500, answer 503 with Retry-After, answer
slowly, or forward it and then lose the response (the server stored the record; the kiosk never
hears so). Enough HTTP to proxy what httpx sends: Content-Length bodies, keep-alive.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from collections import Counter

FAULTS = ("pass", "drop", "reset", "500", "503", "slow", "lose_response")


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head, body


class FaultProxy:
    def __init__(self, upstream_port: int, weights: dict[str, float], seed: int = 1,
                 slow_s: float = 0.4) -> None:
        self.upstream_port = upstream_port
        self.rand = random.Random(seed)
        self.faults = list(weights)
        self.weights = [weights[f] for f in self.faults]
        # Every fault once first, in a seeded order, so even a short run meets each of them.
        self._script = [f for f in self.faults if weights[f] > 0]
        self.rand.shuffle(self._script)
        self.slow_s = slow_s
        self.seen: Counter[str] = Counter()
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

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                message = await _read_message(reader)
                if message is None:
                    return
                if self._script:
                    fault = self._script.pop()
                else:
                    fault = self.rand.choices(self.faults, self.weights)[0]
                self.seen[fault] += 1
                if fault == "drop":
                    return
                if fault == "reset":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if fault in ("500", "503"):
                    extra = b"Retry-After: 1\r\n" if fault == "503" else b""
                    body = b'{"error":"injected","reason":"fault proxy"}'
                    writer.write(b"HTTP/1.1 " + fault.encode() + b" Injected\r\n" + extra
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
                writer.write(answer[0] + answer[1])
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            if upstream is not None:
                upstream[1].close()
            writer.close()
