"""Constants, the benchmark's error type, logging and small helpers shared by the other modules."""

import math
import os
import socket
import sys
import time

# The repository's root: three levels up from this file (scripts/bench_provisioning_lib/common.py).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TENANT = "bench"
CONNECTION = "warehouse"
URL_ENV = "MARKETPLACE_CONNECTION_WAREHOUSE"
DOMAIN_ID = "6b1f7c1a-2d4e-4f3a-9b8c-0d1e2f3a4b5c"
DOMAIN_NAME = "Bench"
TABLES_PER_PRODUCT = 10
POLL_SECONDS = 0.02
# The request form of every product: the fields of the test suite's `sales_form`, approving at once.
PURPOSE, TEAM, REGIONS, DURATION = (f"0c4b9a52-000{n}-4c1e-9a51-6c2d7e8f9a01" for n in (1, 2, 3, 4))




def form_fields(regions):
    """The fields of a benchmark's request form; the regions checkboxes only where asked for."""
    fields = [
        {"id": PURPOSE, "type": "SHORT_ANSWER", "label": "What will you use the data for?"},
        {"id": TEAM, "type": "DROPDOWN", "label": "Team", "required": True,
         "options": [{"value": "Marketing"}, {"value": "Finance"}]},
    ]
    if regions:
        fields.append({"id": REGIONS, "type": "CHECKBOXES", "label": "Regions", "required": False,
                       "options": [{"value": "EU"}, {"value": "US"}]})
    fields.append({"id": DURATION, "type": "ACCESS_DURATION", "label": "How long do you need access to this data?",
                   "required": True})
    return fields


def form_answers(purpose):
    """Answers to `form_fields`: 30 days for the Marketing team."""
    return [
        {"fieldId": PURPOSE, "value": purpose},
        {"fieldId": TEAM, "value": "Marketing"},
        {"fieldId": DURATION, "value": {"duration": 30, "durationUnit": "DAYS"}},
    ]


class BenchError(Exception):
    pass


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, fraction):
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
