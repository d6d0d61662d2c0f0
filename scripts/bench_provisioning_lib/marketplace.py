"""The marketplace: the binary's commands, tokens, the server process, API calls and request bodies."""

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

from .common import TENANT, URL_ENV, BenchError, form_answers, form_fields, free_port, log


class Marketplace:
    def __init__(self, binary, scratch, database_url, warehouse_url):
        self.binary = binary
        self.scratch = scratch
        self.database_url = database_url
        self.common = ["--data-dir", scratch] + (["--database-url", database_url] if database_url else [])
        self.env = dict(os.environ, **{URL_ENV: warehouse_url})
        self.env.pop("MARKETPLACE_DATABASE_URL", None)
        self.server = None
        self.base = None
        self.starts = 0
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def run(self, *args):
        done = subprocess.run([self.binary, *args, *self.common], env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"marketplace {' '.join(args)} failed ({done.returncode}):\n{done.stderr.strip()[-3000:]}")
        return done.stdout

    def forget_provisioning(self, pg):
        """Deletes every provisioning record from the marketplace's own database (with the server stopped): as if
        provisioning had never run on this tenant."""
        tables = ["provisioning_changes", "provisioning_grants", "provisioning_ledger", "provisioning_status"]
        if self.database_url:
            command = [pg.tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.database_url,
                       "-c", "; ".join(f"DELETE FROM {table}" for table in tables)]
            subprocess.run(command, check=True, capture_output=True)
        else:
            with sqlite3.connect(os.path.join(self.scratch, "marketplace.db")) as db:
                for table in tables:
                    db.execute(f"DELETE FROM {table}")

    def token(self, username):
        return self.run("token", "create", "--tenant", TENANT, "--user", username).strip()

    def timed(self, *args):
        """Runs a command; (wall seconds, stdout, peak RSS in MB of that process)."""
        out_path = os.path.join(self.scratch, "command.out")
        err_path = os.path.join(self.scratch, "command.err")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            started = time.monotonic()
            process = subprocess.Popen([self.binary, *args, *self.common], env=self.env, stdout=out, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        with open(out_path) as out, open(err_path) as err:
            stdout, stderr = out.read(), err.read()
        if process.returncode != 0:
            raise BenchError(f"marketplace {' '.join(args)} failed ({process.returncode}) after {elapsed:.1f} s:\n"
                             f"{stderr.strip()[-3000:]}\n{stdout.strip()[-3000:]}")
        return elapsed, stdout, usage.ru_maxrss / 1024

    def start(self):
        port = free_port()
        self.starts += 1
        self.log_path = os.path.join(self.scratch, f"server-{self.starts}.log")
        self.server = subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{port}", "--provisioning-interval", "1h", *self.common],
            env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w"))
        self.base = f"http://127.0.0.1:{port}/marketplace"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"the server exited ({self.server.returncode}):\n{self.server_log()}")
            try:
                with self.opener.open(f"{self.base}/health/live", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise BenchError("the server did not answer within 60 s")

    def wait_for_job(self, job, timeout=120):
        """Waits until the server's /metrics shows a finished run of a background job: the benchmark measures after
        the start-up work (the database statistics refresh takes seconds at a million requests), not beside it."""
        metrics = self.base.removesuffix("/marketplace") + "/metrics"
        wanted = f'marketplace_job_last_success_timestamp_seconds{{job="{job}"}}'
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"the server exited ({self.server.returncode}):\n{self.server_log()}")
            with self.opener.open(metrics, timeout=5) as response:
                if any(line.startswith(wanted) for line in response.read().decode().splitlines()):
                    return
            time.sleep(0.2)
        raise BenchError(f"no finished run of the {job} job in /metrics within {timeout} s")

    def rss_mb(self):
        """The server's (peak, current) resident memory in MB: VmHWM and VmRSS."""
        found = {}
        with open(f"/proc/{self.server.pid}/status") as status:
            for line in status:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    found[line.split(":")[0]] = int(line.split()[1]) / 1024
        return found.get("VmHWM"), found.get("VmRSS")

    def stop(self):
        if self.server is None:
            return
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                log("the server did not stop within 30 s of SIGTERM: killing it")
                self.server.kill()
                self.server.wait()
        self.server = None

    def server_log(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except (OSError, AttributeError):
            return ""

    def api(self, method, path, token, body=None, expect=(200, 201)):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=300) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        if status not in expect:
            raise BenchError(f"{method} {path}: {status} {payload[:1000].decode(errors='replace')}")
        return json.loads(payload) if payload else None


def form_body(agreement):
    return {
        "name": "Bench access",
        "fields": form_fields(regions=True),
        "policy": {"rules": [], "defaultEvent": {"type": "approve", "params": {}}},
        "dataUseAgreementIds": [agreement],
    }


def request_body(global_user_id, agreement):
    return {"user": global_user_id, "form": {
        "answers": form_answers("Benchmark"),
        "acceptedDataUseAgreementIds": [agreement]}}
