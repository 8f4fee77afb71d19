"""The reference server's listening socket: responses leave at once, not after a delayed ACK.

A socket made with proto 0 looks like TCP to the kernel but not to asyncio, which then leaves
Nagle's algorithm on for every accepted connection: uvicorn writes a response's headers and body
separately, so each answer on a kept-alive connection waited ~40 ms for the client's delayed
ACK (every lookup, batch and heartbeat over loopback measured 44 ms; 3 ms after the fix).
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from provincial_api.serve_cli import listening_socket


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_connections_the_server_accepts_have_nagle_off(host):
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        sock = listening_socket(host, 0)
    except Exception as exc:  # noqa: BLE001 - an IPv6-less container
        pytest.skip(f"cannot bind {host}: {exc}")
    port = sock.getsockname()[1]

    async def main() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):  # type: ignore[override]
                s = transport.get_extra_info("socket")
                accepted.set_result(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        try:
            _, writer = await asyncio.open_connection(host, port)
            nodelay = await asyncio.wait_for(accepted, 5)
            writer.close()
            return nodelay
        finally:
            server.close()

    assert asyncio.run(main()) == 1
