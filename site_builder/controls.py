"""Control characters: removed from text where it enters, made visible in every message printed."""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ufdd0-\ufdef]|\r(?!\n)")
"""C0 and C1 controls but tab, newline and CRLF; a lone carriage return; the noncharacters
U+FFFE, U+FFFF and U+FDD0..U+FDEF (XML 1.0 allows none of them)."""
_MESSAGE_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ufdd0-\ufdef]")
"""What a message may not carry to a terminal or an event stream: every control but tab and
newline (a carriage return included)."""


_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ufdd0-\ufdef]")
"""_CONTROLS but the lone carriage return: one character class, which a search scans for fast
(a whole listing dump goes through here)."""


def strip_controls(text: str) -> str:
    """Return text without control characters: a lone CR becomes a newline, others go."""
    if not _CONTROL_CHARS.search(text) and ("\r" not in text or not _CONTROLS.search(text)):
        return text
    return _CONTROLS.sub(lambda match: "\n" if match.group() == "\r" else "", text)


def escape_controls(message: str) -> str:
    """Return a message with every control character but tab and newline shown as an escape."""
    if not _MESSAGE_CONTROLS.search(message):
        return message
    return _MESSAGE_CONTROLS.sub(
        lambda match: (
            f"\\x{ord(match.group()):02x}"
            if ord(match.group()) < 256
            else f"\\u{ord(match.group()):04x}"
        ),
        message,
    )
