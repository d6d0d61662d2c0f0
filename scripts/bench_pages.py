#!/usr/bin/env python3
"""How long the web app's pages take, one after another over one keep-alive connection, as a signed-in consumer.

Starts `target/release/marketplace quickstart` (build it first: `cargo build --release`) on a free port over a
new SQLite database, publishes a product and a request through the API, signs casey in with quickstart's link,
and prints each page's median and 99th percentile over 300 loads. Not part of the test suite.

    cargo build --release && scripts/bench_pages.py
"""
import http.client, json, os, re, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADS = 300


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    work = tempfile.mkdtemp(prefix="bench-pages-")
    binary = os.path.join(ROOT, "target", "release", "marketplace")
    server = subprocess.Popen([binary, "quickstart", "--listen", f"127.0.0.1:{port}", "--data-dir", work],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        out = ""
        while "Press Ctrl-C" not in out:
            line = server.stdout.readline()
            if not line:
                sys.exit("quickstart ended before serving")
            out += line
        run(port, out)
    finally:
        server.terminate()
        server.wait()


def run(port, out):
    links = dict(re.findall(r"\n  (\w+) — .*?\n.*?\n  web app: (\S+)", out))
    tokens = dict(re.findall(r"export (\w+)_TOKEN=(\S+)", out))

    def connect():
        return http.client.HTTPConnection("127.0.0.1", port)

    def api(method, path, token, body=None):
        c = connect()
        c.request(method, "/marketplace" + path, body=json.dumps(body) if body else None,
                  headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        return json.loads(c.getresponse().read() or b"null")

    product = api("POST", "/api/data-product", tokens["DANA"], {
        "name": "Orders", "description": "Sales orders", "domains": ["4d004a3a-4568-4c1d-822e-30958ef898dc"],
        "dataSources": [{"sourceId": "1"}, {"sourceId": "3"}]})["id"]
    field = api("GET", f"/api/data-product/{product}/request-forms", tokens["CASEY"])[0]["fields"][0]["id"]
    request = api("POST", f"/api/data-product/{product}/request", tokens["CASEY"], {
        "user": "4fc16ea8-7180-4d42-9e95-a06b1c2d3e45",
        "form": {"answers": [{"fieldId": field, "value": "Quarterly"}], "acceptedDataUseAgreementIds": []}})["id"]
    c = connect()
    c.request("POST", links["casey"].split(str(port), 1)[1])
    response = c.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie").split(";")[0]

    pages = ["/marketplace/data-products", f"/marketplace/data-product/{product}",
             f"/marketplace/data-product/{product}?tab=columns", f"/marketplace/data-product/{product}/request-access",
             f"/marketplace/requests/{request}", "/marketplace/access-requests?status=PENDING",
             "/marketplace/personal-access-tokens", "/marketplace/inbox"]
    c = connect()
    print(f"{'page':56s} {'median':>9s} {'p99':>9s} {'size':>9s}")
    for page in pages:
        times = []
        for _ in range(LOADS):
            start = time.perf_counter()
            c.request("GET", page, headers={"Cookie": cookie})
            response = c.getresponse()
            body = response.read()
            times.append((time.perf_counter() - start) * 1000)
            assert response.status == 200, (page, response.status)
        times.sort()
        name = page.replace(product, "{id}").replace(request, "{id}")
        print(f"{name:56s} {statistics.median(times):6.2f} ms {times[int(LOADS * 0.99) - 1]:6.2f} ms "
              f"{len(body) / 1024:5.1f} KiB")


if __name__ == "__main__":
    main()
