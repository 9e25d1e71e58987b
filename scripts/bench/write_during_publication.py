#!/usr/bin/env python3
"""Latency of an API write (an ANS approval of a declaration) while the white list is being signed.

usage: write_during_publication.py BASE_URL TOKEN ROUNDS DELAY_MS

Each round measures four approvals, each of a different declaration awaiting a decision:
  idle            the publisher is idle (the previous list is served, nothing pending);
  idle+key        the same, sent with an Idempotency-Key;
  publishing      DELAY_MS after an exclusion was answered (the exclusion's commit wakes the publisher,
                  which reads the registry and signs the whole list), checked to still be in progress
                  (the new list is not served yet just before the approval is sent);
  publishing+key  the same, with an Idempotency-Key.
An approval meant for "publishing" sent after that publication had already finished is reported in
`overlap_misses` and left out of the figures.
Prints one `sample` line per approval and one `result` line per case. Bounded polling (10 s).
"""
import http.client
import json
import statistics
import sys
import time
import uuid
from urllib.parse import urlparse

POLL_LIMIT = 10.0


def main():
    base, token, rounds, delay_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    url = urlparse(base)
    api = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    poll = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    auth = {"Authorization": "Bearer " + token}

    def call(method, path, body=None, headers=None):
        all_headers = dict(auth, **(headers or {}))
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        api.request(method, path, body=json.dumps(body) if body is not None else None, headers=all_headers)
        response = api.getresponse()
        return response.status, response.read()

    def etag_now(known=None):
        poll.request("GET", "/liste-blanche.xml", headers={"If-None-Match": known} if known else {})
        response = poll.getresponse()
        response.read()
        return response.status, response.getheader("ETag")

    def wait_for_new_list(old_etag):
        started = time.monotonic()
        while time.monotonic() - started < POLL_LIMIT:
            status, etag = etag_now(old_etag)
            if status == 200 and etag != old_etag:
                return etag
            time.sleep(0.002)
        sys.exit("the new list was not served within %.0f s" % POLL_LIMIT)

    status, body = call("GET", "/api/v1/review/queue?limit=%d" % (4 * rounds))
    if status != 200:
        sys.exit("review queue: %d %s" % (status, body[:300]))
    pending = [item["id"] for item in json.loads(body)["items"] if item["kind"] == "declaration"]
    status, body = call("GET", "/api/v1/drimboxes?limit=%d" % (2 * rounds))
    boxes = [item["id"] for item in json.loads(body)["items"] if item["state"] == "integrated"]
    if len(pending) < 4 * rounds or len(boxes) < 2 * rounds:
        sys.exit("not enough pending declarations (%d) or integrated DRIMboxes (%d)" % (len(pending), len(boxes)))

    def approve(request_id, with_key):
        headers = {"Idempotency-Key": str(uuid.uuid4())} if with_key else {}
        sent = time.monotonic()
        status, body = call("POST", "/api/v1/requests/%s/actions/approve" % request_id, headers=headers)
        elapsed = (time.monotonic() - sent) * 1000
        if status != 200:
            sys.exit("approval failed: %d %s" % (status, body[:300]))
        return elapsed

    samples = {"idle": [], "idle+key": [], "publishing": [], "publishing+key": []}
    misses = 0
    _, etag = etag_now()
    for number in range(rounds):
        for with_key in (False, True):
            time.sleep(0.5)  # the publisher has nothing pending
            case = "idle+key" if with_key else "idle"
            samples[case].append(approve(pending.pop(), with_key))
            print("sample round=%d case=%s ms=%.1f" % (number + 1, case, samples[case][-1]), flush=True)

        for with_key in (False, True):
            time.sleep(0.5)
            _, etag = etag_now()
            status, body = call("POST", "/api/v1/drimboxes/%s/exclusion" % boxes.pop(),
                                body={"reason": "cyberIncident", "detail": "banc d'essai : écriture pendant la publication"})
            if status != 200:
                sys.exit("exclusion failed: %d %s" % (status, body[:300]))
            time.sleep(delay_ms / 1000)
            before, _ = etag_now(etag)
            elapsed = approve(pending.pop(), with_key)
            after, _ = etag_now(etag)
            case = "publishing+key" if with_key else "publishing"
            # 304 just before: the new list was still being produced when the approval was sent. In
            # the old design the approval then waits for that publication's commit (the list may be
            # served by the time its answer is read: list_after 200); in the new one it does not.
            if before == 304:
                samples[case].append(elapsed)
            else:
                misses += 1
            print("sample round=%d case=%s ms=%.1f list_before=%d list_after=%d" % (number + 1, case, elapsed, before, after), flush=True)
            etag = wait_for_new_list(etag)

    for case, values in samples.items():
        if not values:
            print("result case=%s n=0" % case)
            continue
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
        print("result case=%s n=%d median_ms=%.1f p90_ms=%.1f max_ms=%.1f" % (case, len(values), statistics.median(values), p90, max(values)))
    print("overlap_misses=%d" % misses)


if __name__ == "__main__":
    main()
