"""Load: wrk (from Debian) driving a list of requests, and the reference servers of crates/bench."""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import time

from bench_provisioning_lib.common import BenchError, log

# Cycles through the requests in $BENCH_REQUESTS (one per line: method, path, token, body, tab-separated). With
# BENCH_ONCE=1 each is sent once and the thread stops when all were sent (writes that can be done only once).
SCRIPT = r"""
local requests, index = {}, 0
local once = os.getenv("BENCH_ONCE") == "1"
for line in io.lines(os.getenv("BENCH_REQUESTS")) do
  local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = {["Content-Type"] = "application/json"}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if body == "" then body = nil end
  requests[#requests + 1] = wrk.format(method, path, headers, body)
end
request = function()
  index = index + 1
  if index > #requests then
    if once then
      io.stderr:write("bench: every request was sent\n")
      wrk.thread:stop()
    end
    index = 1
  end
  return requests[index]
end
"""

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def need_wrk():
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed: apt-get install -y wrk")


class Figure:
    """What one wrk run measured."""

    def __init__(self, output, stderr):
        rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
        if not rate:
            raise BenchError(f"wrk printed no rate:\n{output}\n{stderr}")
        self.rate = float(rate.group(1))
        self.latency = {}
        for percent, value, unit in re.findall(r"^\s+(50|90|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M):
            self.latency[int(percent)] = float(value) * UNITS[unit]
        peak = re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)", output, re.M)
        self.max = float(peak.group(1)) * UNITS[peak.group(2)] if peak else None
        failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
        self.failed = int(failed.group(1)) if failed else 0
        self.socket_errors = sum(int(n) for n in errors.groups()) if errors else 0
        self.exhausted = "every request was sent" in stderr


class Load:
    def __init__(self, scratch, duration, connections):
        self.scratch, self.duration, self.connections = scratch, duration, connections
        self.script = os.path.join(scratch, "requests.lua")
        with open(self.script, "w") as f:
            f.write(SCRIPT)
        self.runs = 0

    def start(self, base, requests, once=False, duration=None, connections=None):
        """Starts wrk on `requests` [(method, path, token, body)], paths relative to `base`; see `finish`."""
        self.runs += 1
        listing = os.path.join(self.scratch, f"requests-{self.runs}.tsv")
        with open(listing, "w") as f:
            for method, path, token, body in requests:
                f.write(f"{method}\t{path}\t{token or ''}\t{json.dumps(body) if body is not None else ''}\n")
        env = dict(os.environ, BENCH_REQUESTS=listing, BENCH_ONCE="1" if once else "0")
        command = ["wrk", "-t1", f"-c{connections or self.connections}", f"-d{duration or self.duration}s",
                   "--latency", "-s", self.script, base]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def finish(process):
        output, stderr = process.communicate()
        if process.returncode != 0:
            raise BenchError(f"wrk failed ({process.returncode}): {stderr[-2000:]}")
        return Figure(output, stderr)

    def run(self, base, requests, **options):
        return self.finish(self.start(base, requests, **options))


def hs256_token(secret):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()
    signed = part({"alg": "HS256", "typ": "JWT"}) + "." + part({"sub": "bench", "exp": int(time.time()) + 86400})
    signature = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    return signed + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


class Reference:
    """One reference server (`bench-reference <mode> …`), on a port it picks itself."""

    def __init__(self, binary, *arguments):
        self.process = subprocess.Popen([binary, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.match(r"listening on (\S+)", line)
        if not match:
            self.process.kill()
            raise BenchError(f"bench-reference {' '.join(arguments)} did not start: {self.process.stderr.read()[-2000:]}")
        self.base = f"http://{match.group(1)}"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def reference_binary(root):
    binary = os.path.join(root, "target/release/bench-reference")
    if not os.access(binary, os.X_OK):
        raise BenchError(f"{binary} is missing: cargo build --release -p marketplace-bench")
    return binary

