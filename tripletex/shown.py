"""Stored texts in the reader's language.

Transfer rows and wizard items keep their message as text, written in the language of whoever made
it (a worker writes Norwegian, a request the person's language). Pages show such a text again in
their own language: it is matched against the message templates it may have come from, in every
language, and the matching template is translated with the same values. Text that matches none
(written by an older version, or a template since changed) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


Patterns = tuple[tuple[Promise, re.Pattern[str]], ...]
# Keyed by the templates' identities: hashing a lazy text translates it, and a page asks for the
# patterns once per row it shows. The templates are kept with their patterns, so no identity in a
# key can be reused by another object.
_PATTERNS: dict[tuple[int, ...], tuple[tuple[Promise, ...], Patterns]] = {}


def _patterns(templates: Sequence[Promise]) -> Patterns:
    key = tuple(id(template) for template in templates)
    found = _PATTERNS.get(key)
    if found is None:
        found = _PATTERNS[key] = (tuple(templates), _compiled(templates))
    return found[1]


def _compiled(templates: Sequence[Promise]) -> Patterns:
    patterns = []
    for template in templates:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                text = str(template)
            pieces, start = [], 0
            for match in PLACEHOLDER.finditer(text):
                pieces += [re.escape(text[start : match.start()]), f"(?P<{match.group(1)}>.+?)"]
                start = match.end()
            pieces.append(re.escape(text[start:]))
            patterns.append((template, re.compile("".join(pieces), re.S)))
    return tuple(patterns)


def text_match(text: str, templates: Sequence[Promise]) -> tuple[Promise, dict[str, str]] | None:
    """Which template (and values) a stored text was made from, in any language."""
    if not text:
        return None  # no template is empty: most rows (sent ones) have no message
    for template, pattern in _patterns(tuple(templates)):
        match = pattern.fullmatch(text)
        if match:
            return template, match.groupdict()
    return None


def text_shown(text: str, templates: Sequence[Promise]) -> str:
    """The stored text in the current language, with the values it was made with."""
    found = text_match(text, templates)
    if found is None:
        return text
    template, values = found
    return str(template % values) if values else str(template)
