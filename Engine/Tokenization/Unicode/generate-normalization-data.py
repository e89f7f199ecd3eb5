#!/usr/bin/env python3
"""Writes normalization-data.bin, the Unicode tables UnicodeNormalizer needs.

.NET's string.Normalize does nothing under InvariantGlobalization (which this repository
sets), so NFC/NFKC are implemented in managed code from these tables. They come from
Python's unicodedata; rerun with a newer Python to move to a newer Unicode version:

    python3 Engine/Tokenization/Unicode/generate-normalization-data.py

Format, little-endian:
    u32 magic 'UNRM', u8 version-length, version ASCII
    u32 n, n x (u32 code point, u8 combining class)          non-zero classes only
    u32 n, n x (u32 code point, u8 is_compat, u8 k, k x u32)  one-level decompositions
    u32 n, n x (u32 first, u32 second, u32 composite)         primary composites
    u32 n, n x (u32 code point, u8 flags)                     quick check: bit 0 NFC, bit 1 NFKC
A code point without quick-check flags is left as is by that form wherever it appears, and no
neighbour can combine with it: a stretch of such code points needs no work.
"""
import os
import struct
import sys
import unicodedata

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def main() -> None:
    ccc, decompositions, compositions = [], [], []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        klass = unicodedata.combining(ch)
        if klass:
            ccc.append((cp, klass))
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            continue  # algorithmic
        raw = unicodedata.decomposition(ch)
        if not raw:
            continue
        parts = raw.split()
        compat = parts[0].startswith("<")
        if compat:
            parts = parts[1:]
        target = [int(p, 16) for p in parts]
        decompositions.append((cp, compat, target))
        # A primary composite: a two-character canonical decomposition that NFC recomposes.
        if not compat and len(target) == 2 and unicodedata.normalize("NFC", ch) == ch \
                and unicodedata.normalize("NFC", chr(target[0]) + chr(target[1])) == ch:
            compositions.append((target[0], target[1], cp))

    seconds = {second for _, second, _ in compositions}
    seconds.update(range(0x1161, 0x1176))  # Hangul V jamo compose with L
    seconds.update(range(0x11A8, 0x11C3))  # Hangul T jamo compose with LV
    unstable = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        shared = unicodedata.combining(ch) != 0 or cp in seconds
        flags = (1 if shared or unicodedata.normalize("NFC", ch) != ch else 0) \
            | (2 if shared or unicodedata.normalize("NFKC", ch) != ch else 0)
        if flags:
            unstable.append((cp, flags))

    out = bytearray(b"UNRM")
    version = unicodedata.unidata_version.encode("ascii")
    out += struct.pack("<B", len(version)) + version
    out += struct.pack("<I", len(ccc))
    for cp, klass in ccc:
        out += struct.pack("<IB", cp, klass)
    out += struct.pack("<I", len(decompositions))
    for cp, compat, target in decompositions:
        out += struct.pack("<IBB", cp, 1 if compat else 0, len(target))
        out += b"".join(struct.pack("<I", t) for t in target)
    out += struct.pack("<I", len(compositions))
    for first, second, composite in compositions:
        out += struct.pack("<III", first, second, composite)

    out += struct.pack("<I", len(unstable))
    for cp, flags in unstable:
        out += struct.pack("<IB", cp, flags)

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "normalization-data.bin")
    with open(path, "wb") as f:
        f.write(out)
    print(f"{path}: Unicode {unicodedata.unidata_version}, {len(ccc)} classes, "
          f"{len(decompositions)} decompositions, {len(compositions)} compositions, {len(unstable)} quick-check entries, {len(out)} bytes",
          file=sys.stderr)


if __name__ == "__main__":
    main()
