#!/usr/bin/env python3
"""A connection flood against the marketplace server: a benchmark, not a test.

Opens many connections that never finish a request (sending nothing, half a request head, or part of an announced
body), holds them, closes them, and reports the server's resident memory and open descriptors, and the latency of
legitimate requests made meanwhile, before, during and after the flood.

    scripts/flood.py                      # builds nothing: runs target/release/marketplace on a scratch database
    scripts/flood.py --connections 5000 --mode header
    scripts/flood.py --url http://127.0.0.1:8080/marketplace --pid 1234 --token "$TOKEN"   # a running server
"""

import argparse
import http.client
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
def partial_requests(token):
    """What each kind of flooding connection sends before it falls silent."""
    return {
        "idle": b"",
        "header": b"GET /marketplace/health/live HTTP/1.1\r\nHost: flood\r\nX-Slow: ",
        # Authenticated, so that a handler waits for the body rather than refusing at once.
        "body": b"POST /marketplace/api/auth/tokens HTTP/1.1\r\nHost: flood\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\nContent-Length: 100\r\n\r\n".encode() + b'{"descrip',
    }


def raise_descriptor_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def hold_connections(host, port, count, payloads, opened, stop):
    """A worker process: opens `count` connections, sends each its partial request, holds them until `stop`."""
    raise_descriptor_limit()
    sockets = []
    for index in range(count):
        try:
            sock = socket.create_connection((host, port), timeout=5)
            payload = payloads[index % len(payloads)]
            if payload:
                sock.sendall(payload)
            sockets.append(sock)
        except OSError:
            pass
        with opened.get_lock():
            opened.value += 1
    stop.wait()
    still_open = 0
    for sock in sockets:
        sock.setblocking(False)
        try:
            still_open += sock.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
        sock.close()
    return len(sockets), still_open


def worker(args):
    host, port, count, payloads, opened, stop, results = args
    results.put(hold_connections(host, port, count, payloads, opened, stop))


class Prober(threading.Thread):
    """Makes one legitimate, authenticated request every 20 ms on a new connection; records each latency."""

    def __init__(self, url, token):
        super().__init__(daemon=True)
        parsed = urllib.parse.urlparse(url)
        self.host, self.port, self.path = parsed.hostname, parsed.port, parsed.path + "/api/auth/user"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.samples = []  # (phase, seconds or None for a failure)
        self.phase = "before"
        self.running = True

    def run(self):
        while self.running:
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                conn.request("GET", self.path, headers=self.headers)
                ok = conn.getresponse().status == 200
                conn.close()
                self.samples.append((self.phase, time.monotonic() - started if ok else None))
            except OSError:
                self.samples.append((self.phase, None))
            time.sleep(max(0.0, 0.02 - (time.monotonic() - started)))

    def report(self, phase):
        latencies = sorted(s for p, s in self.samples if p == phase and s is not None)
        failures = sum(1 for p, s in self.samples if p == phase and s is None)
        if not latencies:
            return f"{phase:>7}: no answer ({failures} failed)"
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return (f"{phase:>7}: {len(latencies)} answered, {failures} failed; p50 {statistics.median(latencies) * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")


def resources(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss / 1024, len(os.listdir(f"/proc/{pid}/fd"))


def start_server(binary):
    """A release server on a free port over a scratch SQLite database with the demo tenant; returns (process,
    url, token, scratch directory)."""
    scratch = tempfile.mkdtemp(prefix="marketplace-flood-")
    common = ["--data-dir", scratch]
    subprocess.run([binary, "directory", "import", os.path.join(ROOT, "examples/directory.yaml"), *common],
                   check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run([binary, "token", "create", "--tenant", "demo", "--user", "casey", *common],
                           check=True, capture_output=True, text=True).stdout.strip()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", *common],
                              stderr=open(os.path.join(scratch, "server.log"), "w"), preexec_fn=raise_descriptor_limit)
    url = f"http://127.0.0.1:{port}/marketplace"
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/marketplace/health/live")
            break
        except OSError:
            time.sleep(0.1)
    return server, url, token, scratch


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=20000)
    parser.add_argument("--mode", choices=["idle", "header", "body", "mixed"], default="mixed")
    parser.add_argument("--hold", type=float, default=30, help="seconds to hold the flood open")
    parser.add_argument("--processes", type=int, default=4, help="client processes sharing the connections")
    parser.add_argument("--url", help="a running server (default: start target/release/marketplace)")
    parser.add_argument("--pid", type=int, help="the running server's process id")
    parser.add_argument("--token", help="a token for the running server")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/marketplace"))
    args = parser.parse_args()

    server = scratch = None
    if args.url:
        url, token, pid = args.url, args.token, args.pid
    else:
        server, url, token, scratch = start_server(args.binary)
        pid = server.pid
    try:
        run(args, url, token, pid)
    finally:
        if server:
            server.terminate()
            server.wait()
            shutil.rmtree(scratch, ignore_errors=True)


def run(args, url, token, pid):
    parsed = urllib.parse.urlparse(url)
    modes = ["idle", "header", "body"] if args.mode == "mixed" else [args.mode]
    payloads = [partial_requests(token)[mode] for mode in modes]
    prober = Prober(url, token)
    prober.start()
    time.sleep(3)
    idle_rss, idle_fds = resources(pid)
    print(f"idle: RSS {idle_rss:.1f} MB, {idle_fds} descriptors")

    prober.phase = "during"
    context = multiprocessing.get_context("fork")
    opened, stop, results = context.Value("i", 0), context.Event(), context.Queue()
    share = args.connections // args.processes
    workers = [context.Process(target=worker, args=((parsed.hostname, parsed.port, share, payloads, opened, stop,
                                                       results),)) for _ in range(args.processes)]
    for process in workers:
        process.start()
    peak_rss, peak_fds = idle_rss, idle_fds
    started = time.monotonic()
    while time.monotonic() - started < args.hold:
        rss, fds = resources(pid)
        peak_rss, peak_fds = max(peak_rss, rss), max(peak_fds, fds)
        time.sleep(0.25)
    print(f"flood: {opened.value} connections attempted ({args.mode}), held {args.hold:.0f} s: "
          f"peak RSS {peak_rss:.1f} MB, peak {peak_fds} descriptors")
    stop.set()
    held = [results.get() for _ in workers]
    for process in workers:
        process.join()
    print(f"flood: {sum(h[0] for h in held)} connections opened, {sum(h[1] for h in held)} still open at the end")

    prober.phase = "after"
    time.sleep(10)
    after_rss, after_fds = resources(pid)
    prober.running = False
    prober.join()
    print(f"after: RSS {after_rss:.1f} MB ({after_rss - idle_rss:+.1f} MB from idle), {after_fds} descriptors")
    for phase in ("before", "during", "after"):
        print("legitimate requests " + prober.report(phase))


if __name__ == "__main__":
    sys.exit(main())
