"""The baseline: a bare Flask endpoint returning 24 in-memory items shaped
like a product listing, served under the same gunicorn settings."""
from flask import Flask, jsonify

ITEMS = [
    {"id": i, "slug": f"product-{i}", "name": f"Product {i}", "description": "A product. " * 10,
     "price": {"gross": {"amount": "19.90", "currency": "EUR", "formatted": "19,90\u00a0€"}}}
    for i in range(24)
]

app = Flask(__name__)


@app.get("/items")
def items():
    return jsonify({"items": ITEMS, "next_cursor": None})
