"""Runs every fault and bad-input scenario in its own subprocess, with its own environment and a
timeout, and prints `N passed, N failed`.

Usage: python run_faults.py            (environment as set by tests/run-fault-tests.sh)
       python run_faults.py NAME...    (only scenarios whose label contains one of the NAMEs)

A scenario fails when any of its checks fails, when it exits non-zero (a crash of the plugin
takes the host process with it), or when it runs past its timeout (a hang).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (label, scenario, extra environment, timeout in seconds)
SCENARIOS = [
    ("baseline", "baseline", {}, 120),
    ("worker stall 10 ms every 8th hop", "stall_or_slow", {"CHAMELEON_FAULTS": "stall:10ms/8"}, 120),
    ("worker stall 50 ms every 40th hop", "stall_or_slow", {"CHAMELEON_FAULTS": "stall:50ms/40"}, 120),
    ("worker stall 500 ms every 150th hop", "stall_or_slow", {"CHAMELEON_FAULTS": "stall:500ms/150+20"}, 120),
    ("model slower than real time (8 ms per 5.3 ms hop)", "stall_or_slow", {"CHAMELEON_FAULTS": "slow:8ms"}, 120),
    ("model error every 50th hop", "failing_hops", {"CHAMELEON_FAULTS": "error/50+7"}, 120),
    ("model NaN every 25th hop", "failing_hops", {"CHAMELEON_FAULTS": "nan/25"}, 120),
    ("model panic every 100th hop", "failing_hops", {"CHAMELEON_FAULTS": "panic/100+3"}, 120),
    ("model error on every hop", "always_failing", {"CHAMELEON_FAULTS": "error"}, 120),
    ("model NaN on every hop", "always_failing", {"CHAMELEON_FAULTS": "nan"}, 120),
    ("invalid fault plan", "bad_plan", {"CHAMELEON_FAULTS": "explode/0"}, 120),
    ("model 40 dB too loud", "loud_model", {"CHAMELEON_FAULTS": "loud:40dB"}, 180),
    ("runtime library disappears", "runtime_vanishes", {"CHAMELEON_ORT_DYLIB": None}, 240),
    ("model swap under load", "model_swap", {}, 180),
    ("instances created and destroyed with frames in flight", "instance_cycles",
     {"CHAMELEON_FAULTS": "slow:2ms"}, 240),
    ("bad input: silence, noise, DC, NaN, Inf, extremes", "bad_signals", {}, 180),
    ("bad input: block sizes 1..16384 and 0", "bad_blocks", {}, 180),
    ("bad input: sample rates 1 kHz..768 kHz", "bad_rates", {}, 240),
    ("bad input: random and truncated state", "bad_state", {}, 180),
    ("bad input: random models and hostile metadata", "hostile_models", {}, 240),
]


def main():
    wanted = sys.argv[1:]
    python = sys.executable
    passed, failed = [], []
    skip = set(filter(None, os.environ.get("FAULT_SKIP", "").split(",")))
    for label, scenario, extra, timeout in SCENARIOS:
        if scenario in skip:
            print(f"== {label} [{scenario}]: skipped (FAULT_SKIP)", flush=True)
            continue
        if wanted and scenario != "baseline" and not any(w in label or w in scenario for w in wanted):
            continue
        env = os.environ.copy()
        env.pop("CHAMELEON_FAULTS", None)
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        print(f"== {label} [{scenario}{', ' + extra['CHAMELEON_FAULTS'] if extra.get('CHAMELEON_FAULTS') else ''}]",
              flush=True)
        began = time.time()
        try:
            result = subprocess.run([python, str(HERE / "scenarios.py"), scenario], env=env,
                                    capture_output=True, text=True, timeout=timeout)
            code, out = result.returncode, result.stdout
            err = result.stderr
        except subprocess.TimeoutExpired as e:
            code, out = "timeout", (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = ""
        took = time.time() - began
        for line in out.splitlines():
            print("   " + line)
        if code == 0:
            passed.append(label)
            print(f"   PASSED in {took:.1f} s", flush=True)
        else:
            failed.append(label)
            tail = [l for l in err.splitlines() if "INFO" not in l][-15:]
            for line in tail:
                print("   stderr: " + line)
            print(f"   FAILED ({'hang: killed after ' + str(timeout) + ' s' if code == 'timeout' else 'exit ' + str(code)}) "
                  f"in {took:.1f} s", flush=True)
    print()
    for label in failed:
        print(f"FAILED {label}")
    print(f"{len(passed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
