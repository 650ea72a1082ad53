"""Character normalisation shared by every text rule: full-width ASCII to half-width,
one character for one, so spans found in the normalised text are spans in the original."""

from __future__ import annotations

# --------------------------------------------------------------------------- characters

# Full-width ASCII (except the Chinese comma ，), ideographic space, wave dash and ﹪ map one
# character to one character, so spans in the normalised text are spans in the original.
FULL_WIDTH_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0C}
FULL_WIDTH_TABLE.update({0x3000: 0x20, 0x301C: 0x7E, 0xFE6A: 0x25})


def narrow(text: str) -> str:
    return text.translate(FULL_WIDTH_TABLE)

