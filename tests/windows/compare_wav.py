#!/usr/bin/env python3
"""Compares two WAV files sample by sample (Python's standard library only).

    compare_wav.py A.wav B.wav TOLERANCE

Reads 16/24/32-bit integer PCM and 32/64-bit float WAV (plain or WAVE_FORMAT_EXTENSIBLE), checks
that both have the same rate, channel count and length, prints the largest absolute difference,
and exits 1 if it is over TOLERANCE (a linear amplitude, full scale 1.0) or the formats differ.
"""

import struct
import sys

PCM = 1
FLOAT = 3
EXTENSIBLE = 0xFFFE


def read_wav(path):
    """Returns (rate, channels, samples as a flat list of floats, interleaved)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path} is not a RIFF/WAVE file")
    pos = 12
    fmt = None
    payload = None
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        size = struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8 : pos + 8 + size]
        if chunk_id == b"fmt ":
            tag, channels, rate = struct.unpack_from("<HHI", body, 0)
            bits = struct.unpack_from("<H", body, 14)[0]
            if tag == EXTENSIBLE:
                tag = struct.unpack_from("<H", body, 24)[0]
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise ValueError(f"{path} has no fmt or data chunk")
    tag, channels, rate, bits = fmt
    width = bits // 8
    count = len(payload) // width
    if tag == FLOAT and bits == 32:
        samples = list(struct.unpack(f"<{count}f", payload[: count * 4]))
    elif tag == FLOAT and bits == 64:
        samples = list(struct.unpack(f"<{count}d", payload[: count * 8]))
    elif tag == PCM and bits == 16:
        samples = [v / 32768.0 for v in struct.unpack(f"<{count}h", payload[: count * 2])]
    elif tag == PCM and bits == 32:
        samples = [v / 2147483648.0 for v in struct.unpack(f"<{count}i", payload[: count * 4])]
    elif tag == PCM and bits == 24:
        samples = [
            int.from_bytes(payload[i : i + 3], "little", signed=True) / 8388608.0
            for i in range(0, count * 3, 3)
        ]
    else:
        raise ValueError(f"{path}: unsupported WAV format {tag} with {bits} bits")
    return rate, channels, samples


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    a_path, b_path, tolerance = sys.argv[1], sys.argv[2], float(sys.argv[3])
    a_rate, a_channels, a = read_wav(a_path)
    b_rate, b_channels, b = read_wav(b_path)
    if (a_rate, a_channels, len(a)) != (b_rate, b_channels, len(b)):
        print(
            f"FAIL formats differ: {a_rate} Hz x{a_channels} {len(a)} samples vs "
            f"{b_rate} Hz x{b_channels} {len(b)} samples"
        )
        return 1
    worst = 0.0
    worst_at = 0
    for i, (x, y) in enumerate(zip(a, b)):
        d = abs(x - y)
        if d > worst or d != d:
            worst, worst_at = d, i
    peak = max((abs(v) for v in a), default=0.0)
    ok = worst <= tolerance
    verdict = "ok" if ok else "FAIL"
    print(
        f"{verdict} largest difference {worst:.3e} (tolerance {tolerance:.0e}) at sample "
        f"{worst_at // a_channels} channel {worst_at % a_channels}; {len(a) // a_channels} frames, "
        f"peak {peak:.3f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
