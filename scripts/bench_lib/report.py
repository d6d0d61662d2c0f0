"""The report: one Markdown table per database, every figure beside its reference and its target."""

import datetime

from bench_provisioning_lib.report import commit, machine

from .figures import READS, WRITES

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
# A page at the largest size may cost at most this many times its cost at the smallest.
FLATNESS = 1.5
MEMORY_IDLE_MB, MEMORY_PEAK_MB = 50, 150


def n(value):
    return f"{value:,.0f}"


def ms(seconds):
    return "–" if seconds is None else f"{seconds * 1000:.2f}" if seconds < 0.01 else f"{seconds * 1000:.0f}"


def verdict(ok):
    return "yes" if ok else "**no**"


def cell(figure):
    text = f"{n(figure.rate)} ({ms(figure.latency.get(50))} / {ms(figure.latency.get(99))})"
    if figure.failed or figure.socket_errors:
        text += f" {figure.failed + figure.socket_errors} errors"
    if figure.exhausted:
        text += " ≥"
    return text


def table(run, levels):
    sizes = sorted({level for level, _ in run.figures})
    smallest, largest = sizes[0], sizes[-1]
    target_index = 2 if run.database == "sqlite" else 3
    head = ["", *[f"{n(size)} requests: req/s (p50 / p99 ms)" for size in sizes], "reference req/s",
            f"ratio at {n(largest)}", "target", f"cost at {n(largest)} ÷ {n(smallest)}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, *targets in READS + WRITES:
        figures = [run.figures[(size, key)] for size in sizes]
        reference = run.references[key]
        if "bare" in reference:
            limit = reference["bare"].rate
            shown = f"{n(limit)} bare axum, {n(reference['hs256'].rate)} with HS256"
            target = targets[target_index - 2]
        else:
            limit = reference["insert"].rate
            shown = f"{n(limit)} one-row insert"
            target = targets[0]
        ratio = figures[-1].rate / limit if limit else 0.0
        flat = figures[0].rate / figures[-1].rate if figures[-1].rate else float("inf")
        flat_text = f"{flat:.2f}" + ("" if flat <= FLATNESS or len(sizes) == 1 else " **over 1.5**")
        lines.append(f"| `{label}` | " + " | ".join(cell(figure) for figure in figures)
                     + f" | {shown} | {ratio:.1%} | ≥ {target:.0%} {verdict(ratio >= target)} | {flat_text} |")
    return lines


def report(runs, args, levels, pg):
    out = ["", f"Measured {datetime.date.today().isoformat()} on {machine()}; commit {commit()}; "
               f"{pg.version()} (fsync on) for PostgreSQL; SQLite with synchronous=FULL.",
           f"`scripts/bench.py --users {args.users} --products {args.products} --requests {args.requests} "
           f"--made {args.made} --duration {args.duration} --connections {args.connections}` "
           f"(wrk, 1 thread, {args.connections} connections, {args.duration} s per figure; the server logs every "
           "request at INFO to a file).", ""]
    for run in runs:
        out += [f"#### {NAMES[run.database]}", ""] + table(run, levels) + [""]
        memory = "; ".join(f"{n(size)} requests: idle {idle:.0f} MB, peak {peak:.0f} MB"
                           for size, (idle, peak) in sorted(run.memory.items()))
        idle_ok = all(idle <= MEMORY_IDLE_MB for idle, _ in run.memory.values())
        peak_ok = all(peak <= MEMORY_PEAK_MB for _, peak in run.memory.values())
        out.append(f"Memory (resident): {memory} — idle ≤ {MEMORY_IDLE_MB} MB {verdict(idle_ok)}, "
                   f"peak ≤ {MEMORY_PEAK_MB} MB {verdict(peak_ok)}.")
        if run.health:
            out.append(f"`/health/live` on one connection while the steward's page of all requests runs on "
                       f"{args.connections} ({n(run.heavy.rate)}/s): p50 {ms(run.health.latency.get(50))} ms, "
                       f"p99 {ms(run.health.latency.get(99))} ms, max {ms(run.health.max)} ms.")
        out.append("")
    out.append("`≥`: every prepared write was sent before the time was up, so the rate is a lower bound.")
    print("\n".join(out))
