"""Schemathesis hooks for EDC's contract run (scripts/contract-test.sh).

An Idempotency-Key names one intended operation: reusing a key for a different request is
refused (422), as the IETF draft says. Generated cases would reuse the same few key values, so
each call gets a fresh key.
"""
import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, *args):
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
