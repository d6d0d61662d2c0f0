"""The report: the machine and commit measured, and the Markdown table of results printed at the end."""

import datetime
import glob
import os
import platform as host_platform
import re
import statistics
import subprocess

from .common import POLL_SECONDS, ROOT, TABLES_PER_PRODUCT, percentile


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}), {total / 1024 / 1024:.1f} GiB RAM, {host_platform.system()} " \
           f"{host_platform.release()}; load average {load} at the end"


def commit():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", "crates",
                                "Cargo.toml", "Cargo.lock"], capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes to crates/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def stale_binary(binary):
    """Whether a source file is newer than the binary (it was not built from what is checked out)."""
    built = os.path.getmtime(binary)
    for path in [os.path.join(ROOT, "Cargo.lock")] + glob.glob(os.path.join(ROOT, "crates/**/*"), recursive=True):
        if os.path.isfile(path) and os.path.getmtime(path) > built:
            return os.path.relpath(path, ROOT)
    return None


def ms(seconds):
    return f"{seconds * 1000:,.1f} ms" if seconds < 0.01 else f"{seconds * 1000:,.0f} ms"


def summary(values):
    return f"{ms(statistics.median(values))} / {ms(percentile(values, 0.9))} / {ms(max(values))}"


def report(bench, args, pg, database, checked_out):
    r, layout = bench.results, bench.layout
    n = "{:,}".format
    lines = [
        "",
        "## Provisioning benchmark",
        "",
        f"- machine: {machine()}",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"marketplace {checked_out} (checked out at the start), release build",
        f"- warehouse: {pg.version()}, local, default settings{'' if args.fsync else ' but fsync=off'}",
        f"- marketplace database: {database}",
        f"- parameters: {n(layout.users)} users (LOGIN roles), {n(layout.tables)} tables in {layout.schemas} schemas "
        f"(one row each), {n(layout.products)} products of {TABLES_PER_PRODUCT} tables, {n(layout.requests)} approved "
        f"requests ({layout.requests // layout.users}{'+' if layout.requests % layout.users else ''} products per user, "
        f"spread over the schemas), "
        f"{args.threads} submitting threads, `--provisioning-interval 1h`",
        "",
        "| measurement | result |",
        "|---|---|",
    ]
    for key, label in (("latency_empty", "empty warehouse"), ("latency_scale", f"{n(layout.requests)} approved requests in place")):
        if key in r:
            lat = r[key]
            count = len(lat["from_answer"])
            lines.append(f"| approval → first successful `SELECT`, {label} ({count} requests): median / p90 / max "
                         f"| {summary(lat['from_answer'])} |")
            lines.append(f"| … counted from sending the request (its `POST` took a median of "
                         f"{ms(statistics.median(lat['answer']))}) | {summary(lat['from_send'])} |")
            lines.append(f"| … until `GET /api/access-request/{{id}}/provisioning` says `APPLIED` (from the 201) "
                         f"| {summary(lat['recorded'])} |")
    if "bulk" in r:
        count, elapsed = r["bulk"]
        lines.append(f"| {n(count)} submissions through the API (all approved at once) | {elapsed:,.1f} s "
                     f"({count / elapsed:,.0f} per s) |")
    if "expected" in r:
        tables, schemas = r["expected"]
        settled = r.get("settled")
        lines.append(f"| privileges those requests call for | {n(tables)} table `SELECT` + {n(schemas)} schema `USAGE` "
                     f"= {n(tables + schemas)} |")
        asked = " (only after `POST /api/provisioning/reconcile`: see the notes)" if r.get("settle_asked") else ""
        lines.append("| the running server had provisioned them all, after the last submission | "
                     + (f"{settled:,.1f} s{asked}" if settled is not None else f"not within {args.settle_timeout:.0f} s")
                     + " |")
    for key, label in (("probe_bulk", "through the submissions until all was provisioned"),
                       ("probe_scale", "through the requests at scale")):
        if r.get(key) and r[key]["latencies"]:
            probe = r[key]["latencies"]
            lines.append(f"| `GET /api/auth/user` every 50 ms {label}: median / p99 / max ({len(probe):,} answered, "
                         f"{r[key]['failures']} failed) | {ms(statistics.median(probe))} / {ms(percentile(probe, 0.99))} / "
                         f"{ms(max(probe))} |")
    if r.get("server_rss_bulk"):
        peak, now = r["server_rss_bulk"]
        lines.append(f"| server resident memory through the submissions: peak (VmHWM) / at the end (VmRSS) "
                     f"| {peak:,.0f} MB / {now:,.0f} MB |")
    if "scratch" in r:
        scratch = r["scratch"]
        lines.append(f"| first cycle from scratch: the {n(layout.requests)} approved requests never provisioned (provisioning "
                     f"records deleted from the marketplace's database, privileges revoked in the warehouse; "
                     f"`marketplace provisioning reconcile`, server stopped) | {scratch['seconds']:,.1f} s, "
                     f"{n(scratch['statements'])} statements, peak RSS {scratch['rss']:,.0f} MB |")
    if "first" in r:
        first = r["first"]
        repaired = re.search(r"drift repaired in 24 h (\d+)", r.get("status_cli", ""))
        repaired = f"{n(int(repaired.group(1)))} of them" if repaired else "they are"
        lines.append(f"| repair cycle: everything the server had granted revoked in the warehouse behind its back "
                     f"(`marketplace provisioning reconcile`, server stopped; {repaired} recorded as drift repaired) "
                     f"| {first['seconds']:,.1f} s, "
                     f"{n(first['statements'])} statements, peak RSS {first['rss']:,.0f} MB |")
    if "steady" in r:
        steady = r["steady"]
        lines.append(f"| steady-state cycle, nothing to change (`marketplace provisioning reconcile`) | {steady['seconds']:,.2f} s, "
                     f"{n(steady['statements'])} statements, peak RSS {steady['rss']:,.0f} MB |")
    if r.get("server_rss_scale"):
        peak, now = r["server_rss_scale"]
        lines.append(f"| server resident memory, restarted, through the {len(r['latency_scale']['recorded'])} "
                     f"requests at scale: peak / at the end | {peak:,.0f} MB / {now:,.0f} MB |")
    polls = [r[key]["poll_ms"] for key in ("latency_empty", "latency_scale") if key in r]
    lines.append("")
    if polls:
        lines.append(f"Latencies are as `psql` sees them: a new process and connection per attempt, an attempt every "
                     f"~{POLL_SECONDS * 1000:.0f} ms, each attempt taking {statistics.mean(polls):.0f} ms on average "
                     f"(the resolution of these figures).")
    for note in bench.notes:
        lines.append(f"- note: {note}")
    if "status_final" in r:
        lines.append(f"`marketplace provisioning status` at the end: `{r['status_final']}`")
    print("\n".join(lines), flush=True)
