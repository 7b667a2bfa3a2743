"""The text our Tripletex objects carry: the marker that tells them from hand-typed ones, and for
hours the employees' comments behind it (docs/transfer.md#comments)."""

from __future__ import annotations

from collections.abc import Iterable

# Our entries carry this in their comment, which tells them from hours typed in Tripletex by hand.
MARKER = "[GrønnJobb]"
# Tripletex's limit for TimesheetEntry.comment. The official OpenAPI document (v2.74.00) gives the
# field no maxLength; 255 is the shortest maxLength it documents for any free-text field (file names,
# names, e-mail addresses), so a comment this long fits whatever column is behind it. The sandbox
# refuses longer ones the way Tripletex refuses a field (tripletex/sandbox/handlers.py).
COMMENT_MAX_LENGTH = 255
# Between the employees' comments on one key, and at the end of a comment cut to fit.
COMMENT_SEPARATOR = "; "
COMMENT_CUT = "…"


def remote_comment(comments: Iterable[str]) -> str:
    """The comment of one Tripletex entry: the marker, then the employees' comments on its key in the
    order given, each once, empty ones left out, on one line. Cut with «…» to fit Tripletex's limit;
    the marker comes first and is never cut, so look-ups still know the entry as ours."""
    seen: list[str] = []
    for comment in comments:
        text = " ".join(comment.split())
        if text and text not in seen:
            seen.append(text)
    if not seen:
        return MARKER
    whole = f"{MARKER} {COMMENT_SEPARATOR.join(seen)}"
    if len(whole) <= COMMENT_MAX_LENGTH:
        return whole
    return whole[: COMMENT_MAX_LENGTH - len(COMMENT_CUT)].rstrip() + COMMENT_CUT


def is_ours(text: str) -> bool:
    return MARKER in text
