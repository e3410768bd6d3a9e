"""How the server logs: one line a record, as text or as a JSON object
(SIGNAGE_LOG_FORMAT=json, for log collectors).

Records carry no personal data beyond a user id (DESIGN.md, "Personal data"): the
request line names the method, path, status and user id, never a client address, a
query string (which may hold a kiosk's token) or an email address.
"""

from __future__ import annotations

import logging
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"
JSON_FIELDS = ("levelname", "name", "message")
JSON_NAMES = {"levelname": "level", "name": "logger"}
# Access logs of the servers underneath: each line holds the client's address and the
# whole request line, query string (a kiosk's token) included. The app logs requests.
QUIET = ("geventwebsocket.handler", "gevent.pywsgi")


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        # Fields passed with `extra=` (method, path, status, user_id) join the object.
        return JsonFormatter(JSON_FIELDS, rename_fields=JSON_NAMES, timestamp="time")
    return logging.Formatter(TEXT_FORMAT)


def configure(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """Send every record at INFO and above to stderr (or `stream`) in one format. Called
    before the app is created, so Flask adds no handler of its own."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
