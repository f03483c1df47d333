"""Fault and bad-input scenarios for Chameleon's VST3 in pedalboard, one per process.

Usage: python scenarios.py NAME      (environment: FAULT_VST3, FAULT_WORK, and per scenario
                                       CHAMELEON_FAULTS, CHAMELEON_ORT_DYLIB, HOME, ...)

run_faults.py runs each scenario in its own subprocess with a timeout and its own environment.
Each prints one line per check and exits non-zero if any check fails.

pedalboard always runs plugins in non-real-time (offline) mode, where Chameleon waits for every
frame from its worker: there a stall or a slow model only slows the render and must leave the
output identical, while errors, NaN and panics must give the dry fallback with a crossfade. The
real-time side of stalls and slow models (the audio thread never waits; late frames play dry)
is checked through the CLAP in `load --verify`, which run-fault-tests.sh also runs.
"""

import gc
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import common
from common import SR, check, note

SECONDS = 2.0
BUFFER = 512


def signal():
    return common.tones(int(SR * SECONDS))


def render(plugin, x, buffer_size=BUFFER, reset=True, sr=SR):
    return plugin(x, sr, buffer_size=buffer_size, reset=reset)


def baseline_path():
    return common.work_dir() / "baseline.npz"


def load_baseline():
    data = np.load(baseline_path())
    return data["x"], data["y"], int(data["latency"]), float(data["jump"])


def continuity_bound(x, y_ref):
    """The largest step a click-free output may take: 1.5 x the clean render's or the input's."""
    return 1.5 * max(common.max_jump(x), common.max_jump(y_ref))


# --- baseline ------------------------------------------------------------------------------------

def baseline():
    """A clean render with the default model, saved for the fault scenarios to compare against."""
    plugin = common.load()
    x = signal()
    y = render(plugin, x)
    latency = plugin.reported_latency_samples
    check(np.isfinite(y).all(), f"clean render is finite (latency {latency} samples)")
    check(latency > 0, "latency is reported")
    names = common.style_names(plugin)
    note(f"styles: {names[:4]}...")
    np.savez(baseline_path(), x=x, y=y, latency=latency, jump=common.max_jump(y))


# --- faults through the plugin (offline mode in pedalboard) ---------------------------------------

def stall_or_slow():
    """CHAMELEON_FAULTS=stall:…/slow:…: the offline render waits, so output equals the clean one."""
    plan = os.environ.get("CHAMELEON_FAULTS", "")
    x, y_ref, latency, _ = load_baseline()
    plugin = common.load()
    began = time.time()
    y = render(plugin, x)
    took = time.time() - began
    note(f"plan {plan!r}: render of {SECONDS} s took {took:.2f} s")
    check(np.isfinite(y).all(), f"{plan}: output finite")
    err = float(np.max(np.abs(y - y_ref)))
    check(err < 1e-4, f"{plan}: offline render waits out the stalls: output equals the clean "
          f"render (max difference {err:.2e})")
    check(plugin.reported_latency_samples == latency,
          f"{plan}: latency unchanged ({plugin.reported_latency_samples} vs {latency})")


def failing_hops():
    """CHAMELEON_FAULTS=error/…, nan/…, panic/… on some hops: dry fallback, crossfaded, no click."""
    plan = os.environ.get("CHAMELEON_FAULTS", "")
    x, y_ref, latency, _ = load_baseline()
    plugin = common.load()
    y = render(plugin, x)
    check(np.isfinite(y).all(), f"{plan}: output finite")
    bound = continuity_bound(x, y_ref)
    jump = common.max_jump(y)
    check(jump <= bound, f"{plan}: no click: largest step {jump:.4f} <= {bound:.4f} "
          f"(clean render {common.max_jump(y_ref):.4f}, input {common.max_jump(x):.4f})")
    diff = np.max(np.abs(y - y_ref), axis=0)
    changed = float(np.mean(diff > 1e-4))
    check(changed > 0.0, f"{plan}: the faults are audible as fallbacks ({100 * changed:.1f} % of "
          "samples differ from the clean render)")
    # Away from the faults the output is the clean render again: the wet signal came back.
    tail_equal = float(np.mean(diff[-SR // 10:] < 1e-4))
    note(f"{plan}: {100 * tail_equal:.0f} % of the last 100 ms equals the clean render")
    check(plugin.reported_latency_samples == latency, f"{plan}: latency unchanged")
    # Toward dry: where the output differs from the clean render, it lies between wet and dry.
    lo = np.minimum(y_ref, x) - 1e-3
    hi = np.maximum(y_ref, x) + 1e-3
    mask = diff > 1e-4
    # Spectral crossfades are not sample-wise convex, so this is reported, not asserted.
    inside = float(np.mean(((y >= lo) & (y <= hi))[:, mask])) if mask.any() else 1.0
    note(f"{plan}: {100 * inside:.0f} % of the changed samples lie between the wet and dry signal")


def always_failing():
    """Every hop fails (error/1 or nan/1): the output is the dry input, latency-aligned."""
    plan = os.environ.get("CHAMELEON_FAULTS", "")
    x, _, latency, _ = load_baseline()
    plugin = common.load()
    y = render(plugin, x)
    check(np.isfinite(y).all(), f"{plan}: output finite")
    err = float(np.max(np.abs(y - x)))
    check(err < 1e-3, f"{plan}: output is the dry input (max difference {err:.2e})")
    check(plugin.reported_latency_samples == latency, f"{plan}: latency unchanged")


def level_change(x, y, sr=SR, window_s=0.4, step_s=0.1, floor_db=30.0):
    """Output over input of one aligned clip ([channels, n]), in dB: clip RMS, the worst short
    window (input windows more than `floor_db` under the clip's mean count as that floor), and
    the sample peak. The same measure as tests/level-check/src/measure.rs."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)[:, : x.shape[1]]
    n = x.shape[1]
    e_in, e_out = float(np.sum(x ** 2)), float(np.sum(y ** 2))
    w, step = int(window_s * sr), int(step_s * sr)
    floor = e_in / n * w * 10 ** (-floor_db / 10)
    worst = -np.inf
    for start in range(0, max(n - w, 0) + 1, step):
        a = float(np.sum(x[:, start:start + w] ** 2))
        b = float(np.sum(y[:, start:start + w] ** 2))
        worst = max(worst, 10 * np.log10(max(b, 1e-30) / max(a, floor, 1e-30)))
    peak_in, peak_out = float(np.max(np.abs(x))), float(np.max(np.abs(y)))
    return (10 * np.log10(max(e_out, 1e-30) / max(e_in, 1e-30)), worst,
            20 * np.log10(max(peak_out, 1e-30) / max(peak_in, 1e-30)), peak_in, peak_out)


def hostile_inputs(n, sr=SR):
    """White noise, a drum-like loop and a loud sine sweep, stereo."""
    rng = np.random.default_rng(4)
    t = np.arange(n) / sr
    noise = rng.uniform(-1, 1, n) * 0.1 * np.sqrt(3)
    drums = np.zeros(n)
    beat = sr // 2
    for start in range(0, n, beat // 2):
        m = min(n - start, sr // 4)
        tt = np.arange(m) / sr
        hit = 0.15 * rng.uniform(-1, 1, m) * np.exp(-tt / 0.015)
        if (start // (beat // 2)) % 2 == 0:
            hit += 0.9 * np.sin(2 * np.pi * (45 * tt + 2.25 * (1 - np.exp(-tt / 0.03)))) * np.exp(-tt / 0.12)
        drums[start:start + m] += hit
    drums *= 0.98 / np.max(np.abs(drums))
    k = np.log(16000 / 40) / t[-1]
    sweep = 10 ** (-1 / 20) * np.sin(2 * np.pi * 40 * (np.exp(k * t) - 1) / k)
    return [(name, np.stack([v, v]).astype(np.float32))
            for name, v in (("white noise", noise), ("drum loop", drums), ("sweep -1 dBFS", sweep))]


def loud_model():
    """CHAMELEON_FAULTS=loud:40dB: a model 40 dB too loud. With level match on (the default)
    clip RMS stays within ±2 dB, every 400 ms window within +4 dB and peaks within +6 dB of the
    input's; with it off within +6, +8 and +9 dB."""
    plan = os.environ.get("CHAMELEON_FAULTS", "")
    bounds = {True: (2.0, 4.0, 6.0), False: (6.0, 8.0, 9.0)}
    for level_match in (True, False):
        plugin = common.load()
        switch = next(p for p in plugin.parameters.values() if p.name == "Level Match")
        switch.raw_value = 1.0 if level_match else 0.0
        for name, x in hostile_inputs(int(SR * 2.0)):
            y = render(plugin, x)
            clip, window, peak, p_in, p_out = level_change(x, y)
            clip_max, window_max, peak_max = bounds[level_match]
            ok = (np.isfinite(y).all() and clip <= clip_max and window <= window_max
                  and peak <= peak_max)
            check(ok, f"{plan}, level match {'on' if level_match else 'off'}: {name} comes out "
                  f"at {clip:+.1f} dB (at most {clip_max:+.0f}), worst 400 ms {window:+.1f} dB "
                  f"(at most {window_max:+.0f}), peak {p_in:.2f} -> {p_out:.2f} "
                  f"({peak:+.1f} dB, at most {peak_max:+.0f})")


def bad_plan():
    """An invalid CHAMELEON_FAULTS is ignored (and said so), not a crash."""
    x, y_ref, _, _ = load_baseline()
    plugin = common.load()
    y = render(plugin, x)
    err = float(np.max(np.abs(y - y_ref)))
    check(np.isfinite(y).all() and err < 1e-4,
          f"invalid plan {os.environ.get('CHAMELEON_FAULTS')!r} ignored: output is the clean render "
          f"(max difference {err:.2e})")


# --- the runtime library disappears --------------------------------------------------------------

def runtime_vanishes():
    """ONNX Runtime next to the plugin binary, then removed or replaced by garbage.

    The plugin finds the library through CHAMELEON_ORT_DYLIB (unset here), its binary's folder
    (the copy under test) and the user folder (HOME and XDG_DATA_HOME point at empty folders),
    so only the copy next to the binary counts. ONNX Runtime is loaded once per process: after the
    file goes, new instances in the same process keep using the loaded library; a new process
    falls back to the built-in styles and says why.
    """
    root = common.work_dir() / "vanish"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    bundle = root / "Chameleon.vst3"
    shutil.copytree(common.bundle(), bundle)
    bindir = bundle / "Contents" / "x86_64-linux"
    ort = Path(os.environ["FAULT_ORT_LIB"])
    lib = bindir / ort.name
    shutil.copy2(ort, lib)
    names_neural = neural_style_names()

    plugin = common.load(str(bundle))
    first = common.style_names(plugin)[:len(names_neural)]
    check(first == names_neural, f"with ONNX Runtime next to the binary the neural model loads "
          f"(styles {first[:3]}...)")
    x = signal()
    y = render(plugin, x)
    check(np.isfinite(y).all(), "first instance processes")
    latency_neural = plugin.reported_latency_samples

    lib.unlink()
    second = common.load(str(bundle))
    y2 = render(second, x)
    same = common.style_names(second)[:len(names_neural)] == names_neural
    check(same and np.isfinite(y2).all(),
          "library removed: a new instance in the same process still runs the neural model "
          "(the runtime stays loaded for the process)")
    check(float(np.max(np.abs(y2 - y))) < 1e-4, "and sounds the same as the first")
    del plugin, second
    gc.collect()

    for what, prepare in [("removed", lambda: None),
                          ("replaced by a corrupt file", lambda: lib.write_bytes(b"\x7fELF" + os.urandom(4096))),
                          ("replaced by an empty file", lambda: lib.write_bytes(b""))]:
        prepare()
        child = subprocess.run(
            [sys.executable, __file__, "runtime_child", str(bundle), ",".join(names_neural),
             str(latency_neural)],
            capture_output=True, text=True, timeout=120, env=os.environ.copy())
        out = child.stderr
        for line in child.stdout.splitlines():
            print("      | " + line)
        check(child.returncode == 0, f"library {what}: a new process loads the plugin, processes "
              f"finite audio with the built-in styles (exit {child.returncode})")
        reason = [l for l in out.splitlines() if "Chameleon:" in l and "built-in styles play" in l]
        check(bool(reason), f"library {what}: the plugin says why: "
              f"{(reason[0].strip()[:200] if reason else 'no reason logged')}")


def runtime_child():
    bundle, neural, latency_neural = sys.argv[2], sys.argv[3].split(","), int(sys.argv[4])
    plugin = common.load(bundle)
    names = common.style_names(plugin)[:len(neural)]
    check(names != neural, f"built-in styles play (styles {names[:3]}...)")
    y = render(plugin, signal())
    check(np.isfinite(y).all() and float(np.max(np.abs(y))) > 0.01, "output finite and not silent")
    note(f"latency {plugin.reported_latency_samples} samples (neural model: {latency_neural})")


def neural_style_names():
    import onnx
    model = onnx.load(os.environ["FAULT_MODEL"], load_external_data=False)
    props = {p.key: p.value for p in model.metadata_props}
    return props["chameleon.style_names"].split("|")


# --- model swap under load -----------------------------------------------------------------------

def model_swap():
    """The persisted model choice changes (raw_state) between blocks while audio keeps flowing.

    The swaps alternate between the neural model and files that cannot load (so the built-in
    styles play); both have the same latency here, so every swap is a crossfade, and the built-in
    segments sound different, which proves each swap happened.
    """
    common.capture_log("model_swap")
    root = common.work_dir() / "swap"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    model = Path(os.environ["FAULT_MODEL"])
    copy = root / "copy-of-bundled.onnx"
    shutil.copy2(model, copy)
    garbage = root / "garbage.onnx"
    garbage.write_bytes(os.urandom(20000))
    missing = root / "missing.onnx"

    plugin = common.load()
    latency = plugin.reported_latency_samples
    x = common.tones(SR * 6)
    chunk = SR // 10
    chunks = x.shape[1] // chunk
    # chunk index -> model file (None: the bundled default)
    swaps = {8: missing, 20: copy, 32: garbage, 44: None}
    outs, latencies = [], []
    for i in range(chunks):
        if i in swaps:
            plugin.raw_state = common.with_model_choice(plugin, swaps[i])
        outs.append(render(plugin, x[:, i * chunk:(i + 1) * chunk], reset=(i == 0)))
        latencies.append(plugin.reported_latency_samples)
        time.sleep(0.01)  # the loader builds on its own thread while the stream goes on
    y = np.concatenate(outs, axis=1)
    ref_plugin = common.load()
    y_ref = np.concatenate([render(ref_plugin, x[:, i * chunk:(i + 1) * chunk], reset=(i == 0))
                            for i in range(chunks)], axis=1)
    check(np.isfinite(y).all(), f"{len(swaps)} model swaps during a 6 s stream: output finite")
    bound = continuity_bound(x, y_ref)
    jump = common.max_jump(y)
    check(jump <= bound, f"no click at any swap: largest step {jump:.4f} <= {bound:.4f} "
          f"(clean stream {common.max_jump(y_ref):.4f})")

    def rel_diff(a, b):
        seg = slice(a * chunk, b * chunk)
        return float(np.sqrt(np.mean((y[:, seg] - y_ref[:, seg]) ** 2)) /
                     max(np.sqrt(np.mean(y_ref[:, seg] ** 2)), 1e-9))

    check(rel_diff(2, 8) < 1e-4, f"before the first swap the stream is the clean one ({rel_diff(2, 8):.1e})")
    if not os.environ.get("CHAMELEON_ORT_DYLIB"):
        note("no ONNX Runtime: every model is the built-in one, so the swaps are not audible")
        log = common.log_text()
        check("missing.onnx was not found" in log, "the plugin says the missing file was not found")
        return
    check(rel_diff(14, 20) > 0.05, f"after the swap to a missing file the built-in styles play "
          f"(relative difference {rel_diff(14, 20):.2f})")
    check(rel_diff(38, 44) > 0.05, f"after the swap to a garbage file the built-in styles play "
          f"(relative difference {rel_diff(38, 44):.2f})")
    note(f"after returning to the neural model: relative difference {rel_diff(26, 32):.3f} and "
         f"{rel_diff(50, 60):.3f} (a new engine starts on its own hop grid)")
    check(set(latencies) == {latency}, f"latency unchanged through every swap ({sorted(set(latencies))})")
    log = common.log_text()
    check("missing.onnx was not found" in log, "the plugin says the missing file was not found")
    check("could not be loaded" in log, "the plugin says the garbage file could not be loaded")


# --- instances created and destroyed with frames in flight ---------------------------------------

def instance_cycles():
    """Create, process (frames left in flight), destroy: threads joined, memory stable."""
    cycles = int(os.environ.get("FAULT_CYCLES", "40"))
    warmup = 5
    x = common.tones(SR // 4)

    def cycle():
        plugin = common.load()
        y = render(plugin, x, reset=True)
        ok = bool(np.isfinite(y).all())
        del plugin
        gc.collect()
        return ok

    base_threads = common.threads()
    for _ in range(warmup):
        cycle()
    after_warmup = common.wait_threads(base_threads)
    rss0 = common.rss_mib()
    finite = True
    for _ in range(cycles):
        finite &= cycle()
    threads_end = common.wait_threads(after_warmup)
    rss1 = common.rss_mib()
    check(finite, f"{cycles + warmup} instances created, run and destroyed; output always finite")
    check(threads_end <= after_warmup,
          f"threads joined: {threads_end} after the loop, {after_warmup} after warm-up "
          f"({base_threads} before any instance)")
    if threads_end > after_warmup:
        note("threads now: " + ", ".join(common.thread_names()))
    growth = rss1 - rss0
    limit = 0.25 * cycles
    check(growth < limit, f"memory stable: RSS {rss0:.1f} -> {rss1:.1f} MiB over {cycles} cycles "
          f"({growth / cycles * 1024:.0f} KiB per cycle; limit {limit:.0f} MiB)")


# --- bad input -----------------------------------------------------------------------------------

def bad_signals():
    """Silence, noise, DC, NaN, Inf, extremes and denormals through the plugin."""
    plugin = common.load()
    n = SR
    rng = np.random.default_rng(3)
    cases = {
        "silence": np.zeros((2, n), np.float32),
        "full-scale noise": rng.uniform(-1, 1, (2, n)).astype(np.float32),
        "DC +1": np.ones((2, n), np.float32),
        "all NaN": np.full((2, n), np.nan, np.float32),
        "all +Inf": np.full((2, n), np.inf, np.float32),
        "-Inf on one channel": np.stack([np.full(n, -np.inf), np.zeros(n)]).astype(np.float32),
        "extreme +-1e30": (rng.choice([-1e30, 1e30], (2, n))).astype(np.float32),
        "float max": np.full((2, n), np.finfo(np.float32).max, np.float32),
        "denormals": np.full((2, n), 1e-40, np.float32),
    }
    tones = common.tones(n)
    burst = tones.copy()
    burst[:, n // 3:n // 3 + 700] = np.nan
    cases["tones with a NaN burst"] = burst
    for name, x in cases.items():
        began = time.time()
        y = render(plugin, x)
        took = time.time() - began
        check(np.isfinite(y).all(), f"{name}: output finite (never propagated) in {took:.2f} s")
        y2 = render(plugin, tones, reset=False)
        tail = y2[:, SR // 2:]
        check(np.isfinite(y2).all() and float(np.max(np.abs(tail))) > 0.01,
              f"{name}: the next clean second plays again (peak {float(np.max(np.abs(tail))):.3f})")


def bad_blocks():
    """Block sizes 1..16384 and zero-length input."""
    x, y_ref, _, _ = load_baseline()
    plugin = common.load()
    for size in [1, 2, 3, 17, 64, 333, 1000, 4096, 8192, 16384]:
        xs = x if size > 4 else x[:, :SR // 2]
        y = render(plugin, xs, buffer_size=size)
        # The last samples depend on input past the end (the host compensates the latency).
        sl = slice(SR // 4, xs.shape[1] - 8192)
        err = float(np.max(np.abs(y[:, sl] - y_ref[:, sl])))
        check(np.isfinite(y).all() and err < 1e-3,
              f"buffer {size}: finite, equals the 512-sample render after latency compensation "
              f"(max difference {err:.2e}, latency {plugin.reported_latency_samples})")
    try:
        y = plugin(np.zeros((2, 0), np.float32), SR, buffer_size=512, reset=True)
        check(y.shape == (2, 0), f"zero-length input gives zero-length output {y.shape}")
    except Exception as e:  # pedalboard may refuse before the plugin sees it; not a crash
        note(f"zero-length input refused by the host: {e}")
    y = render(plugin, x[:, :SR // 4])
    check(np.isfinite(y).all(), "still processes after the zero-length call")


def bad_rates():
    """Sample rates from 1 kHz to 768 kHz: never a crash, finite output, latency honoured."""
    plugin = common.load()
    for sr in [1000, 2000, 4000, 8000, 11025, 22050, 44100, 88200, 96000, 192000, 384000, 768000]:
        n = int(sr * 1.0)
        x = common.tones(n, sr=sr) if sr >= 8000 else np.stack(
            [0.3 * np.sin(2 * np.pi * (sr / 16) * np.arange(n) / sr)] * 2).astype(np.float32)
        began = time.time()
        y = render(plugin, x, sr=sr)
        took = time.time() - began
        latency = plugin.reported_latency_samples
        check(np.isfinite(y).all(),
              f"{sr} Hz: finite, latency {latency} samples ({1000 * latency / sr:.1f} ms), "
              f"{took:.2f} s for 1 s")
        imp = np.zeros((2, latency + 4 * 4096 + sr // 10), np.float32)
        imp[:, 0] = 1.0
        plugin.mix = 0.0
        yi = render(plugin, imp, sr=sr)
        plugin.mix = 100.0
        peak = int(np.argmax(np.abs(yi[0])))
        check(peak == 0, f"{sr} Hz: dry impulse lands on the reported latency (at {peak} after "
              "compensation)")


def bad_state():
    """Random, truncated and mistyped state bytes: refused or ignored, never a crash."""
    plugin = common.load()
    x = common.tones(SR // 4)
    rng = np.random.default_rng(7)
    good = plugin.raw_state
    data, xml = common.component_state(plugin)
    note(f"state: {len(good)} bytes, component state {len(data)} bytes")
    attempts = []
    for size in [0, 1, 7, 64, 1000, 100000]:
        attempts.append((f"{size} random bytes", bytes(rng.integers(0, 256, size, dtype=np.uint8))))
    for cut in sorted({1, 2, 9, len(good) // 3, len(good) // 2, len(good) - 2}):
        attempts.append((f"VST3 state cut to {cut} bytes", bytes(good)[:cut]))
    for cut in sorted({0, 1, len(data) // 4, len(data) // 2, len(data) - 1}):
        attempts.append((f"component JSON cut to {cut} bytes",
                         common.with_component_state(xml, data[:cut])))
    for size in [16, 5000]:
        attempts.append((f"component state of {size} random bytes", common.with_component_state(
            xml, bytes(rng.integers(0, 256, size, dtype=np.uint8)))))
    text = data.decode("utf-8", "replace")
    for name, mutated in [
        ("numbers replaced by huge ones", text.replace("0.", "1e308")),
        ("strings replaced by numbers", text.replace('"', "")),
        ("model path as a number", text.replace('"model"', '"model_"') + ""),
        ("deep nesting", "[" * 100000 + "]" * 100000),
    ]:
        attempts.append((name, common.with_component_state(xml, mutated.encode())))
    for name, raw in attempts:
        try:
            plugin.raw_state = raw
            outcome = "accepted"
        except Exception as e:
            outcome = f"refused ({str(e)[:60]})"
        y = render(plugin, x)
        check(np.isfinite(y).all(), f"{name}: {outcome}; the instance still processes")
    plugin.raw_state = good
    check(plugin.raw_state == good or len(plugin.raw_state) > 0, "the good state loads again")


def hostile_models():
    """Random model files and models with hostile metadata, chosen through the state."""
    import onnx
    root = common.work_dir() / "hostile"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    rng = np.random.default_rng(11)
    src = Path(os.environ["FAULT_MODEL"])
    files = {}
    for size in [0, 1, 100, 100000]:
        files[f"random-{size}"] = bytes(rng.integers(0, 256, size, dtype=np.uint8))
    raw = src.read_bytes()
    files["truncated-half"] = raw[:len(raw) // 2]
    flipped = bytearray(raw)
    for i in rng.integers(0, len(raw), 64):
        flipped[i] = int(rng.integers(0, 256))
    files["bytes-flipped"] = bytes(flipped)

    def with_meta(**changes):
        model = onnx.load(str(src))
        props = {p.key: p.value for p in model.metadata_props}
        props.update(changes)
        del model.metadata_props[:]
        for k, v in props.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = k, v
        return model.SerializeToString()

    big = 1 << 40
    files["fft-2^30"] = with_meta(**{"chameleon.fft_size": str(1 << 30), "chameleon.hop": str(1 << 28)})
    files["fft-huge-number"] = with_meta(**{"chameleon.fft_size": "9" * 40})
    files["hop-0"] = with_meta(**{"chameleon.hop": "0"})
    files["rate-1e12"] = with_meta(**{"chameleon.sample_rate": "1e12"})
    files["rate-nan"] = with_meta(**{"chameleon.sample_rate": "nan"})
    files["state-2^40"] = with_meta(**{"chameleon.state_size": str(big)})
    files["context-1e9"] = with_meta(**{"chameleon.context_frames": "1000000000"})
    files["latency-huge"] = with_meta(**{"chameleon.extra_latency_samples": str(big)})
    files["10000-styles"] = with_meta(**{
        "chameleon.styles": ",".join(f"s{i}" for i in range(10000)),
        "chameleon.style_names": "|".join(f"Style {i}" for i in range(10000))})
    files["4MB-name"] = with_meta(**{"chameleon.model_name": "x" * (4 << 20)})
    # Declared tensor shapes that contradict the metadata, and absurd fixed sizes.
    model = onnx.load(str(src))
    for dim in model.graph.input[0].type.tensor_type.shape.dim[1:]:
        dim.ClearField("dim_param")
        dim.dim_value = 1 << 31
    files["input-dims-2^31"] = model.SerializeToString()

    common.capture_log("hostile_models")
    plugin = common.load()
    x = common.tones(SR // 2)
    for name, blob in files.items():
        path = root / f"{name}.onnx"
        path.write_bytes(blob)
        seen = len(common.log_text())
        began = time.time()
        plugin.raw_state = common.with_model_choice(plugin, path)
        ys = []
        reasons = []
        # The loader builds on its own thread; keep the audio going until it has answered.
        while time.time() - began < 4.0 and not reasons:
            ys.append(render(plugin, x, reset=False))
            time.sleep(0.05)
            reasons = [l.strip() for l in common.log_text()[seen:].splitlines()
                       if "built-in styles play" in l]
        took = time.time() - began
        y = np.concatenate(ys, axis=1)
        check(np.isfinite(y).all(), f"{name} ({len(blob)} bytes): no crash, output finite "
              f"({took:.2f} s, latency {plugin.reported_latency_samples})")
        if name in ("bytes-flipped", "4MB-name"):  # may be valid models; must not crash
            note(f"{name}: {'refused: ' + reasons[0][:160] if reasons else 'accepted by the loader'}")
        else:
            check(bool(reasons), f"{name}: refused with a reason: "
                  f"{reasons[0][reasons[0].find('play:'):][:200] if reasons else 'none logged'}")
        plugin.raw_state = common.with_model_choice(plugin, None)
        render(plugin, x, reset=False)
        time.sleep(0.3)
        render(plugin, x, reset=False)


SCENARIOS = {
    "baseline": baseline,
    "stall_or_slow": stall_or_slow,
    "failing_hops": failing_hops,
    "always_failing": always_failing,
    "bad_plan": bad_plan,
    "loud_model": loud_model,
    "runtime_vanishes": runtime_vanishes,
    "runtime_child": runtime_child,
    "model_swap": model_swap,
    "instance_cycles": instance_cycles,
    "bad_signals": bad_signals,
    "bad_blocks": bad_blocks,
    "bad_rates": bad_rates,
    "bad_state": bad_state,
    "hostile_models": hostile_models,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        sys.exit(f"usage: scenarios.py {{{'|'.join(SCENARIOS)}}}")
    SCENARIOS[sys.argv[1]]()
    common.finish()
