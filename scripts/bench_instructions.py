#!/usr/bin/env python3
"""Instructions per request: the server's CPU work counted by callgrind, which, unlike a rate, does not vary with
what else the machine is doing — for comparing two builds where wall-clock figures are drowned in noise.

Serves a database kept by the load benchmark under valgrind's callgrind, sends --warm-up requests, zeroes the
counts, sends --count requests one after the other on one connection (cycling through the figure's list, as wrk
does), and prints the instructions every thread of the server executed, divided by --count.

    scripts/bench.py --requests 10000 --duration 2 --databases sqlite --keep     # prints the kept directory
    cargo build --release -p marketplace-server
    scripts/bench_instructions.py --kept /tmp/marketplace-load-bench-XXXX/sqlite --figure 4
    scripts/bench_instructions.py --kept … --figure 1 --profile /tmp/auth.callgrind && callgrind_annotate /tmp/auth.callgrind

--figure N reads requests-N.tsv in the kept directory (1 auth/user, 2 one request, 3 one product, 4–6 pages of
requests, 7 a page of products). Writes can be sent only once each: give reads. Needs valgrind and python3.
"""

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_provisioning_lib.common import ROOT, BenchError, free_port, log  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kept", required=True, help="a database directory kept by scripts/bench.py --keep")
    parser.add_argument("--figure", type=int, required=True, help="which requests-N.tsv to send")
    parser.add_argument("--count", type=int, default=100, help="requests counted (100)")
    parser.add_argument("--warm-up", type=int, default=20, help="requests sent before counting (20)")
    parser.add_argument("--database-url", help="the PostgreSQL database the kept directory's figures were made on")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/marketplace"))
    parser.add_argument("--profile", help="also keep callgrind's dump of the counted requests here, for "
                        "callgrind_annotate (where the instructions went, by function)")
    args = parser.parse_args()
    try:
        requests = read_requests(os.path.join(args.kept, f"requests-{args.figure}.tsv"))
        per_request = count_instructions(args, requests)
    except BenchError as error:
        log(f"failed: {error}")
        sys.exit(1)
    print(f"requests-{args.figure}.tsv: {per_request:,.0f} instructions per request ({args.count} counted)")


def read_requests(path):
    """(method, path, token, body) per line, as the benchmark's wrk script reads them."""
    try:
        with open(path) as listing:
            lines = [line.rstrip("\n").split("\t", 3) for line in listing if line.strip()]
    except OSError as error:
        raise BenchError(f"cannot read {path}: {error}") from error
    if not lines or any(len(line) != 4 for line in lines):
        raise BenchError(f"{path} is not a list of method, path, token and body, tab-separated")
    return lines


def count_instructions(args, requests):
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="marketplace-callgrind-") as scratch:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={scratch}/callgrind.out",
                   args.binary, "serve", "--listen", f"127.0.0.1:{port}", "--provisioning-interval", "1h",
                   "--data-dir", args.kept] + (["--database-url", args.database_url] if args.database_url else [])
        with open(os.path.join(scratch, "server.log"), "w") as server_log:
            server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=server_log)
        try:
            connection = wait_until_serving(server, port, os.path.join(scratch, "server.log"))
            send(connection, requests, args.warm_up)
            control(server, "-z")
            send(connection, requests, args.count)
            control(server, "-d")
        finally:
            server.terminate()
            server.wait(timeout=60)
        # The dump asked for above (its first part), not the rest written at exit.
        dump = f"{scratch}/callgrind.out.1"
        if args.profile:
            shutil.copyfile(dump, args.profile)
        return total(dump) / args.count


def wait_until_serving(server, port, log_path):
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            with open(log_path) as server_log:
                raise BenchError(f"the server exited ({server.returncode}):\n{server_log.read()[-3000:]}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", "/health/live")
            connection.getresponse().read()
            return connection
        except OSError:
            connection.close()
            time.sleep(0.5)
    raise BenchError("the server did not answer within 180 s under valgrind")


def send(connection, requests, count):
    for index in range(count):
        method, path, token, body = requests[index % len(requests)]
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status >= 400:
            raise BenchError(f"{method} {path} answered {answer.status}")


def control(server, flag):
    subprocess.run(["callgrind_control", flag, str(server.pid)], check=True, capture_output=True)


def total(path):
    try:
        with open(path) as dump:
            for line in dump:
                if line.startswith("totals:"):
                    return int(line.split()[1])
    except OSError as error:
        raise BenchError(f"callgrind wrote no dump: {error}") from error
    raise BenchError(f"{path} has no totals line")


if __name__ == "__main__":
    main()
