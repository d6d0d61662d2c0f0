"""The warehouse: a temporary PostgreSQL server, and psql helpers to run SQL and probe access in it."""

import glob
import os
import re
import shutil
import subprocess
import tempfile

from .common import CONNECTION, BenchError, free_port


class Postgres:
    def __init__(self, fsync):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
        if not bins or not os.access(os.path.join(bins[-1], "initdb"), os.X_OK):
            raise BenchError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")
        self.bin = bins[-1]
        self.fsync = fsync
        self.root = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix="marketplace-bench-pg-")
        if self.root:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.started = False

    def tool(self, name):
        return os.path.join(self.bin, name)

    def as_postgres(self, command, **kwargs):
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, cwd=self.dir, check=True, **kwargs)

    def start(self):
        data = os.path.join(self.dir, "data")
        self.as_postgres([self.tool("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8"],
                         stdout=subprocess.DEVNULL)
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300"
        if not self.fsync:
            options += " -c fsync=off"
        self.as_postgres([self.tool("pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "postgres.log"), "-w",
                          "-o", options, "start"], stdout=subprocess.DEVNULL)
        self.started = True

    def stop(self, keep):
        if self.started:
            try:
                self.as_postgres([self.tool("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            except (subprocess.SubprocessError, OSError):
                try:
                    self.as_postgres([self.tool("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "immediate",
                                      "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
                except (subprocess.SubprocessError, OSError):
                    pass
            self.started = False
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database, user="postgres"):
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def psql(self, database, sql=None, file=None, user="postgres", check=True):
        """Runs SQL as `user` (over TCP, trust); its stdout. Errors stop the script (ON_ERROR_STOP)."""
        command = [self.tool("psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                   "-p", str(self.port), "-U", user, "-d", database]
        command += ["-c", sql] if sql is not None else ["-1", "-f", file]
        done = subprocess.run(command, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise BenchError(f"psql as {user} on {database} failed ({done.returncode}): {done.stderr.strip()[:2000]}")
        return done

    def can_select(self, role, relation):
        """Whether `role` may read `relation`: one psql process, connecting and querying."""
        command = [self.tool("psql"), "-X", "-q", "-tA", "-h", "127.0.0.1", "-p", str(self.port), "-U", role,
                   "-d", CONNECTION, "-c", f"SELECT 1 FROM {relation} LIMIT 1"]
        done = subprocess.run(command, capture_output=True, text=True)
        return done.returncode == 0 and done.stdout.strip() == "1"

    def version(self):
        return subprocess.run([self.tool("postgres"), "--version"], capture_output=True, text=True).stdout.strip()
