"""`./pants run infra:watch -- --token TOKEN`: one line per booking event the broadcaster sends.

Listens on the broadcaster's WebSocket (the token goes in the `Authorization` header, never in
the URL), prints each event as it comes, and after a disconnect reconnects and resumes from the
last event it printed, so nothing is missed or printed twice. A refused token ends it with the
broadcaster's reason. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

DEFAULT_URL = "ws://127.0.0.1:3001/ws"
# Close codes that retrying cannot fix: a bad, missing or expired token, no usable role, a bad
# request (the broadcaster's protocol, services/broadcaster/README.md).
_FINAL_CLOSE_CODES = {4400, 4401, 4403}
_RETRY_S = 1.0


def describe(frame: dict[str, Any]) -> str:
    """One line for a frame: when, what, which booking and slot, and the resume id."""
    data = frame.get("data")
    if not isinstance(data, dict):
        data = {}
    if frame.get("event") == "resync":
        return f"{frame.get('occurredAt')} resync ({data.get('reason')}): refetch, then go on"
    return (
        f"{frame.get('occurredAt')} {frame.get('event'):<20} booking {data.get('bookingId')}"
        f" of {data.get('providerId')}: {data.get('startTime')} to {data.get('endTime')}"
        f" {data.get('status')} {json.dumps(data.get('title'))} (id {frame.get('id')})"
    )


async def watch(url: str, token: str, last_event_id: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        query = "?" + urlencode({"lastEventId": last_event_id}) if last_event_id else ""
        try:
            async with connect(url + query, additional_headers=headers) as listener:
                async for message in listener:
                    frame = json.loads(message)
                    print(describe(frame), flush=True)
                    last_event_id = frame.get("id") or last_event_id
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code in _FINAL_CLOSE_CODES:
                print(f"refused ({closed.rcvd.code}): {closed.rcvd.reason}", file=sys.stderr)
                return 1
            print("disconnected: reconnecting and resuming", file=sys.stderr)
        except (OSError, InvalidHandshake) as error:
            print(f"broadcaster unreachable ({error}): retrying", file=sys.stderr)
        await asyncio.sleep(_RETRY_S)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--token", default=os.environ.get("TOKEN"), help="default: $TOKEN")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--last-event-id", help="resume after this frame id")
    args = parser.parse_args()
    if not args.token:
        parser.error("a token is needed: --token TOKEN (or TOKEN in the environment)")
    try:
        return asyncio.run(watch(args.url, args.token, args.last_event_id))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
