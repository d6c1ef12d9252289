"""Slugs derived from names: what a translation gets when the merchant gives
none (the console's editor, ``PUT /admin/products/{id}/translations/{locale}``
with a name and a description only).

Pure. The name is transliterated to ASCII (anyascii: Unicode's own
romanisations, "Straße" -> "strasse", "高慢と偏見" -> "gao-man-to-pian-jian",
"ハリケーンランタン" -> "harikenrantan"),
lower-cased, and every run of other characters becomes one hyphen. Such a
slug satisfies both the product and the category slug rules
(``storefront.catalog.services.SLUG``, ``storefront.catalog.categories.valid_slug``).
Unique per locale: the first of ``slug``, ``slug-2``, ``slug-3`` ... not taken.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable, Container

from anyascii import anyascii

MAX_LENGTH = 80  # leaves room for "-NNN" under the 200 characters a slug may have
FALLBACK = "item"  # a name of symbols only ("★★★") has no word to keep
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _script(ch: str) -> str | None:
    label = unicodedata.name(ch, "")
    for script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL"):
        if label.startswith(script):
            return script
    return None


def _romanised(name: str) -> str:
    # Japanese and Chinese put no spaces between words: each ideograph is a
    # word, and so is each run of kana ("真鍮のハリケーン" -> "zhen tou no hariken");
    # the prolonged sound mark (ー) adds nothing.
    parts, previous = [], None
    for ch in unicodedata.normalize("NFC", name):
        script = _script(ch)
        latin = ch if ord(ch) < 128 else anyascii(ch)
        if script is not None and (script == "CJK" or script != previous):
            parts.append(" ")
        if script is not None and not latin.isalnum():
            latin = ""  # the prolonged sound mark (ー) and the like lengthen a vowel
        parts.append(latin)
        previous = script
    return "".join(parts)


def slugify(name: str) -> str:
    """The slug a name reads as: ASCII words, lower case, joined by single hyphens."""
    words = _NOT_WORD.sub("-", _romanised(name).lower()).strip("-")
    if len(words) > MAX_LENGTH:
        words = words[:MAX_LENGTH].rsplit("-", 1)[0] if "-" in words[:MAX_LENGTH] else words[:MAX_LENGTH]
    return words.strip("-") or FALLBACK


def unique_slug(base: str, taken: Container[str] | Callable[[str], bool]) -> str:
    """``base``, else ``base-2``, ``base-3`` ...: the first not ``taken``."""
    is_taken = taken if callable(taken) else taken.__contains__
    if not is_taken(base):
        return base
    n = 2
    while is_taken(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"
