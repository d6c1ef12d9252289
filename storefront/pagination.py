"""Opaque keyset cursors: ``base64url(json([sort, last_value, last_id]))``.

Keyset pagination over (sort value, id) never repeats or skips a row while
paging, unlike OFFSET, and costs the same on page 1 and page 1,000."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from storefront.errors import InvalidCursor


def encode_cursor(sort: str, value: Any, last_id: int) -> str:
    raw = json.dumps([sort, value, last_id], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if (
        not isinstance(data, list)
        or len(data) != 3
        or data[0] != sort
        or not isinstance(data[2], int)
        or isinstance(data[2], bool)
        or not isinstance(data[1], (str, int))
    ):
        raise InvalidCursor()
    return data[1], data[2]
