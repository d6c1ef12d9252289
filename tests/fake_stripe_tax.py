"""A local fake of Stripe Tax's ``POST /v1/tax/calculations`` (localstripe has
no Stripe Tax), for the real stripe SDK pointed at it (``api_base``).

Fixed, destination-based rates for one address, Seattle WA 98101 (the Washington
Department of Revenue's combined rate for Seattle, 10.35 %: state 6.5 + local
3.85), split here as Stripe's breakdown shows a local rate: the city and a
special district. Product tax code ``txcd_00000000`` (nontaxable) is not taxed.
Other US postal codes get the state rate only; anything else is refused (400).
The answer has the documented shape of a ``tax.calculation`` with
``line_items`` expanded (each with its ``tax_breakdown``) and ``shipping_cost``.

``mode``: "ok", "error" (HTTP 500), "slow" (answers after ``delay`` seconds).
"""
from __future__ import annotations

import json
import threading
import time
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

SEATTLE = (
    ("state", "WASHINGTON", "WA", "6.5", "sales_tax"),
    ("city", "SEATTLE", "WA", "2.45", "sales_tax"),
    ("district", "REGIONAL TRANSIT AUTHORITY", "WA", "1.4", "sales_tax"),
)
RATES = {"98101": SEATTLE}
NONTAXABLE = {"txcd_00000000"}


def nested(pairs):
    """Stripe's form encoding (``line_items[0][amount]=...``) as dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _breakdown(amount: int, rates, taxable: bool):
    entries = []
    for level, name, state, rate, tax_type in rates:
        tax = int((Decimal(amount) * Decimal(rate) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if taxable else 0
        entries.append({
            "amount": tax,
            "jurisdiction": {"country": "US", "display_name": name, "level": level, "state": state},
            "sourcing": "destination",
            "tax_rate_details": {"display_name": "Sales Tax", "percentage_decimal": rate if taxable else "0.0",
                                 "tax_type": tax_type} if taxable else None,
            "taxability_reason": "standard_rated" if taxable else "product_exempt",
            "taxable_amount": amount if taxable else 0,
        })
    return entries


class FakeStripeTax:
    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 5.0
        self.requests: list[dict] = []
        self._count = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # quiet
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = nested(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                if self.path.split("?")[0] != "/v1/tax/calculations":
                    return self._send(404, {"error": {"type": "invalid_request_error", "message": "no such path"}})
                fake.requests.append(body)
                if fake.mode == "error":
                    return self._send(500, {"error": {"type": "api_error", "message": "internal"}})
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                status, answer = fake.calculate(body)
                self._send(status, answer)

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", "req_fake")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeStripeTax":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calculate(self, body):
        address = (body.get("customer_details") or {}).get("address") or {}
        if address.get("country") != "US":
            return 400, {"error": {"type": "invalid_request_error", "code": "customer_tax_location_invalid",
                                   "message": "unsupported location"}}
        rates = RATES.get(address.get("postal_code", "")[:5])
        if rates is None:
            rates = (("state", address.get("state", ""), address.get("state", ""), "5.0", "sales_tax"),)
        self._count += 1
        calc_id = f"taxcalc_fake{self._count:06d}"
        items, total_tax = [], 0
        for i, line in enumerate(body.get("line_items") or []):
            amount = int(line["amount"])
            breakdown = _breakdown(amount, rates, line.get("tax_code") not in NONTAXABLE)
            tax = sum(e["amount"] for e in breakdown)
            total_tax += tax
            items.append({"id": f"tax_li_fake{self._count}_{i}", "object": "tax.calculation_line_item",
                          "amount": amount, "amount_tax": tax, "livemode": False, "product": None,
                          "quantity": int(line.get("quantity") or 1), "reference": line.get("reference"),
                          "tax_behavior": line.get("tax_behavior", "exclusive"),
                          "tax_code": line.get("tax_code", "txcd_99999999"), "tax_breakdown": breakdown})
        shipping = None
        if body.get("shipping_cost"):
            amount = int(body["shipping_cost"]["amount"])
            breakdown = _breakdown(amount, rates, True)
            tax = sum(e["amount"] for e in breakdown)
            total_tax += tax
            shipping = {"amount": amount, "amount_tax": tax, "shipping_rate": None,
                        "tax_behavior": body["shipping_cost"].get("tax_behavior", "exclusive"),
                        "tax_code": body["shipping_cost"].get("tax_code", "txcd_92010001"),
                        "tax_breakdown": breakdown}
        goods = sum(int(x["amount"]) for x in body.get("line_items") or [])
        return 200, {
            "id": calc_id, "object": "tax.calculation", "currency": body.get("currency"), "customer": None,
            "customer_details": {"address": address, "address_source": "shipping", "ip_address": None,
                                 "tax_ids": [], "taxability_override": "none"},
            "expires_at": int(time.time()) + 90 * 86400, "livemode": False,
            "line_items": {"object": "list", "data": items, "has_more": False,
                           "url": f"/v1/tax/calculations/{calc_id}/line_items"},
            "amount_total": goods + (shipping["amount"] if shipping else 0) + total_tax,
            "shipping_cost": shipping, "tax_amount_exclusive": total_tax, "tax_amount_inclusive": 0,
            "tax_breakdown": [], "tax_date": int(time.time()),
        }
