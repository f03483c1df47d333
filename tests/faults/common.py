"""Shared pieces of the fault and bad-input suite: signals, checks, plugin state and /proc readings.

Every scenario runs in its own process (see run_faults.py), so a crash, a hang or an environment
variable such as CHAMELEON_FAULTS only ever affects one scenario.
"""

import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pedalboard

SR = 48000
FAILURES = []


def check(ok, what):
    """Records one check and prints it as `ok` or `FAIL`."""
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        FAILURES.append(what)
    return ok


def note(what):
    print("      " + what, flush=True)


def finish():
    """Exits non-zero when any check failed."""
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", flush=True)
        sys.exit(1)
    sys.exit(0)


def env_path(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set (run through tests/run-fault-tests.sh)")
    return Path(value)


def bundle():
    """The VST3 bundle under test (FAULT_VST3)."""
    return str(env_path("FAULT_VST3"))


def work_dir():
    """A folder shared by the scenarios of one run (FAULT_WORK)."""
    d = env_path("FAULT_WORK")
    d.mkdir(parents=True, exist_ok=True)
    return d


def tones(n, channels=2, sr=SR):
    """Two steady tones with a slow swell: smooth, so any click in the output stands out."""
    t = np.arange(n) / sr
    swell = 0.75 + 0.25 * np.sin(2 * np.pi * 0.7 * t)
    x = swell * (0.3 * np.sin(2 * np.pi * 220 * t) + 0.15 * np.sin(2 * np.pi * 1870 * t))
    return np.stack([(x * (1.0 - 0.2 * c)).astype(np.float32) for c in range(channels)])


def max_jump(y, start=0):
    """Largest sample-to-sample step of any channel from `start` on."""
    seg = y[:, start:]
    if seg.shape[1] < 2:
        return 0.0
    return float(np.max(np.abs(np.diff(seg, axis=1))))


def load(path=None):
    plugin = pedalboard.load_plugin(path or bundle())
    plugin.mix = 100.0
    return plugin


def style_names(plugin):
    for p in plugin.parameters.values():
        if p.name == "Style A":
            return list(p.valid_values)
    return []


# --- plugin state -----------------------------------------------------------------------------
#
# pedalboard's `raw_state` for a VST3 is JUCE's binary XML (an 8-byte header "VC2!" + length,
# then `<VST3PluginState>` whose `<IComponent>` holds the plugin's component state in JUCE's own
# base64 variant, `SIZE.CHARS`). Chameleon's component state is nice-plug's JSON: parameters plus
# persisted fields, among them "model", the chosen model file.

_JUCE_B64 = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"


def juce_b64_encode(data):
    size = len(data)
    bits = int.from_bytes(data, "little")
    chars = (size * 8) // 6 + 3
    return f"{size}." + "".join(_JUCE_B64[(bits >> (6 * i)) & 63] for i in range(chars))


def juce_b64_decode(text):
    size_text, _, chars = text.strip().partition(".")
    size = int(size_text)
    bits = 0
    for i, ch in enumerate(chars):
        bits |= _JUCE_B64.index(ch) << (6 * i)
    return (bits & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def _split_juce_xml(raw):
    raw = bytes(raw)
    if raw[:4] != b"VC2!":
        raise ValueError(f"unexpected state header {raw[:8]!r}")
    length = int.from_bytes(raw[4:8], "little")
    return raw[8:8 + length].rstrip(b"\0").decode("utf-8")


def _join_juce_xml(xml):
    body = xml.encode("utf-8") + b"\0"
    return b"VC2!" + len(body).to_bytes(4, "little") + body


def component_state(plugin):
    """The plugin's own state bytes (nice-plug's JSON) and the XML around them."""
    xml = _split_juce_xml(plugin.raw_state)
    m = re.search(r"<IComponent>([^<]*)</IComponent>", xml)
    if not m:
        raise ValueError("no IComponent element in the VST3 state")
    return juce_b64_decode(m.group(1)), xml


def with_component_state(xml, data):
    """A raw_state with the component state replaced by `data` (bytes)."""
    new = re.sub(r"<IComponent>[^<]*</IComponent>",
                 lambda _: f"<IComponent>{juce_b64_encode(data)}</IComponent>", xml)
    return _join_juce_xml(new)


def with_model_choice(plugin, path):
    """The plugin's raw_state with the persisted model choice set to `path` (None: bundled)."""
    data, xml = component_state(plugin)
    state = json.loads(data.rstrip(b"\0"))
    fields = state.get("fields", state)
    if "model" not in fields:
        raise KeyError(f"no persisted 'model' field in the state: keys {sorted(fields)}")
    choice = {"path": None if path is None else str(path), "size": None, "modified_ms": None}
    # nice-plug stores persisted fields as JSON text.
    fields["model"] = json.dumps(choice) if isinstance(fields["model"], str) else choice
    return with_component_state(xml, json.dumps(state).encode())


# --- process readings --------------------------------------------------------------------------

def threads():
    """Threads of this process."""
    return len(os.listdir("/proc/self/task"))


def thread_names():
    names = []
    for tid in os.listdir("/proc/self/task"):
        try:
            names.append(Path(f"/proc/self/task/{tid}/comm").read_text().strip())
        except OSError:
            pass
    return sorted(names)


def rss_mib():
    """Resident memory of this process, MiB."""
    text = Path("/proc/self/status").read_text()
    kb = int(re.search(r"VmRSS:\s+(\d+)", text).group(1))
    return kb / 1024.0


def wait_threads(target, timeout=5.0):
    """Waits until at most `target` threads remain (threads exit asynchronously after a join)."""
    deadline = time.time() + timeout
    while threads() > target and time.time() < deadline:
        time.sleep(0.02)
    return threads()


_LOG = None


def capture_log(name):
    """Sends this process's stderr (where the plugin logs) to a file, readable by log_text()."""
    global _LOG
    _LOG = work_dir() / f"{name}.stderr.log"
    fd = os.open(_LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def log_text():
    sys.stderr.flush()
    return _LOG.read_text(errors="replace") if _LOG else ""
