#!/usr/bin/env python3
"""Publication latency: excludes one DRIMbox per round through the API (an approval that changes
the white list), then polls GET /liste-blanche.xml with If-None-Match until a 200 with a new ETag.

usage: publication_poll.py BASE_URL TOKEN ROUNDS
Prints one `round` line per round and a `summary` line. Bounded: at most 10 s of polling per round.
"""
import http.client
import json
import statistics
import sys
import time
from urllib.parse import urlparse

POLL_INTERVAL = 0.002   # seconds between polls
POLL_LIMIT = 10.0       # seconds per round, then the round fails


def main():
    base, token, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    url = urlparse(base)
    api = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    poll = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    auth = {"Authorization": "Bearer " + token}

    def get_list(etag=None):
        poll.request("GET", "/liste-blanche.xml", headers={"If-None-Match": etag} if etag else {})
        response = poll.getresponse()
        body = response.read()
        return response.status, response.getheader("ETag"), body

    api.request("GET", "/api/v1/drimboxes?limit=%d" % rounds, headers=auth)
    response = api.getresponse()
    listing = json.loads(response.read())
    if response.status != 200:
        sys.exit("listing DRIMboxes failed: %d %s" % (response.status, listing))
    boxes = [item for item in listing["items"] if item["state"] == "integrated"][:rounds]
    if len(boxes) < rounds:
        sys.exit("not enough integrated DRIMboxes")

    from_sent, from_answered, polls_needed = [], [], []
    for number, box in enumerate(boxes, 1):
        status, etag, body = get_list()
        assert status == 200, status
        status, _, _ = get_list(etag)
        assert status == 304, "If-None-Match on the current ETag answered %d" % status
        time.sleep(0.2)  # quiet period: the publisher is idle

        sent = time.monotonic()
        api.request("POST", "/api/v1/drimboxes/%s/exclusion" % box["id"], headers=dict(auth, **{"Content-Type": "application/json"}),
                    body=json.dumps({"reason": "cyberIncident", "detail": "banc d'essai de publication"}))
        response = api.getresponse()
        answer = response.read()
        answered = time.monotonic()
        if response.status != 200:
            sys.exit("exclusion failed: %d %s" % (response.status, answer[:300]))

        polls = 0
        while True:
            polls += 1
            status, new_etag, new_body = get_list(etag)
            if status == 200 and new_etag != etag:
                served = time.monotonic()
                break
            if status not in (200, 304):
                sys.exit("poll answered %d" % status)
            if time.monotonic() - answered > POLL_LIMIT:
                sys.exit("round %d: new list not served within %.0f s" % (number, POLL_LIMIT))
            time.sleep(POLL_INTERVAL)
        if len(new_body) >= len(body):
            sys.exit("round %d: the new list is not shorter (%d >= %d bytes)" % (number, len(new_body), len(body)))
        from_sent.append((served - sent) * 1000)
        from_answered.append((served - answered) * 1000)
        polls_needed.append(polls)
        print("round %d identifier=%s post_ms=%.1f served_after_post_answer_ms=%.1f served_after_post_sent_ms=%.1f polls=%d"
              % (number, box["identifier"], (answered - sent) * 1000, from_answered[-1], from_sent[-1], polls), flush=True)
        time.sleep(1.0)

    print("summary rounds=%d median_after_answer_ms=%.1f max_after_answer_ms=%.1f median_after_sent_ms=%.1f max_after_sent_ms=%.1f"
          % (rounds, statistics.median(from_answered), max(from_answered), statistics.median(from_sent), max(from_sent)))


if __name__ == "__main__":
    main()
