//! Load benchmark: N instances of the real `.clap`, processed in real time.
//!
//! ```text
//! cargo run --release -p chameleon-clap-host --bin load -- \
//!     --plugin target/bundled/Chameleon.clap --seconds 10 --max-instances 16
//! ```
//!
//! # What it does
//!
//! One host thread plays the part of a DAW's audio thread (SCHED_FIFO priority 70 while it
//! processes, when allowed; `--no-rt-priority` keeps the normal policy): every block period (64 samples at
//! 48 kHz, 1.333 ms, by default) it wakes at the period's start on an absolute clock and calls
//! `process` on every instance in turn, as a DAW does for plugins on one audio thread. The
//! instances' inference runs on the plugin's shared worker thread (one per model file, batching
//! every instance's frames), which competes for the machine's cores while the host thread keeps
//! the pace.
//!
//! When the host thread itself stalls for more than a period (the machine did not run it), the
//! clock resumes at the next block, as an audio driver does after an xrun: the lost periods are
//! counted as **host xruns** and not replayed. `--catch-up` replays them back to back instead,
//! a burst no audio device asks for, which also leaves the plugin's worker less than real time
//! to catch up.
//!
//! `--host-sleep` honours the status `process` returns, as CLAP hosts may: after "continue if
//! not quiet" with an all-zero output block, the instance sleeps, and blocks of all-zero input
//! are not processed (their output is silence) until input comes back. Without it every block
//! is processed, the harder case.
//!
//! Misses are counted three ways:
//!
//! - **engine misses**: the plugin's own counters, which each instance appends to the file
//!   `CHAMELEON_STATS_FILE` names when it is deactivated (`plugin/src/stats_report.rs`; this
//!   benchmark sets the variable to a file of its own): frames that were not back from the
//!   worker by their deadline, or came back skipped as stale, each played dry. Reported as a
//!   count and per minute;
//!
//! - **host overruns**: blocks whose `process` call for that instance returned after the
//!   block's deadline (the end of its period); a real host would glitch there;
//! - **blocks differing**: the output is compared with an offline render of the same input (CLAP
//!   render mode `offline`, where the plugin waits for every frame). In real-time mode the plugin
//!   never waits: a frame that is not back from the worker in time is played dry and the wet
//!   signal fades back in, so a late frame makes the output differ. The first differing block
//!   is reported, and the number of differing blocks as an upper bound on the blocks misses
//!   affected: a skipped frame also shifts the model's noise generator (it advances per
//!   processed frame), so the output can stay slightly different after a miss.
//!
//! For each N it reports, per instance, p50/p99/p99.9/max of the time its `process` call took
//! on the host thread, as a share of the block period; the process CPU (user + system time of
//! the whole process, all threads, from `getrusage`) over the run; and, separately, the CPU
//! with silent input. Each CPU figure per instance is also given less the host's own pacing
//! (the same loop run first with no instance), which is the plugin's own cost. It searches N upward (doubling, then bisecting) for the largest N with
//! zero host overruns and zero degraded blocks, up to `--max-instances`.
//!
//! `--verify` runs one configuration and checks the output instead of searching: finite
//! everywhere and no step between samples larger than the offline render's (a click). It exits
//! non-zero on failure; the fault suite uses it with `CHAMELEON_FAULTS` set. Timing is only
//! reported, except `--max-block-ms`, a generous bound that proves the host thread never waited
//! for a stalled worker.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chameleon_clap_host::host::host_info;
use chameleon_clap_host::PLUGIN_ID;
use clack_extensions::latency::PluginLatency;
use clack_extensions::params::{ParamInfoBuffer, PluginParams};
use clack_extensions::render::{PluginRender, RenderMode};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

/// Channels processed per instance.
const CHANNELS: usize = 2;

/// Host callbacks; the benchmark ignores the plugin's requests.
struct Shared;

impl SharedHandler<'_> for Shared {
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {}
}

/// The benchmark host.
struct LoadHost;

impl HostHandlers for LoadHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = ();
    type AudioProcessor<'a> = ();
}

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    plugin: String,
    seconds: f64,
    max_instances: usize,
    instances: Option<usize>,
    block: usize,
    rate: f64,
    verify: bool,
    max_block_ms: Option<f64>,
    skip_silent: bool,
    rt_priority: bool,
    /// After a host stall, play the missed periods back to back (`--catch-up`) instead of
    /// resuming the period clock at the next block, as an audio driver does after an xrun.
    catch_up: bool,
    /// Skip `process` while an instance may sleep (see `Voice::process`).
    host_sleep: bool,
    /// The plugin's latency mode by its display text (`Studio`, `Live`).
    latency_mode: String,
}

fn usage() -> &'static str {
    "usage: load [--plugin PATH.clap] [--seconds S] [--max-instances N] [--instances N] \
     [--block SAMPLES] [--rate HZ] [--latency-mode studio|live] [--no-silent] \
     [--no-rt-priority] [--catch-up] [--host-sleep] [--verify [--max-block-ms MS]]"
}

fn parse_options() -> Result<Options, String> {
    let mut o = Options {
        plugin: "target/bundled/Chameleon.clap".to_owned(),
        seconds: 10.0,
        max_instances: 16,
        instances: None,
        block: 64,
        rate: 48_000.0,
        verify: false,
        max_block_ms: None,
        skip_silent: false,
        rt_priority: true,
        catch_up: false,
        host_sleep: false,
        latency_mode: "Studio".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |text: String, name: &str| -> Result<f64, String> {
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| format!("{name}: '{text}' is not a positive number"))
        };
        match arg.as_str() {
            "--plugin" => o.plugin = value("--plugin")?,
            "--seconds" => o.seconds = number(value("--seconds")?, "--seconds")?,
            "--max-instances" => {
                o.max_instances = number(value("--max-instances")?, "--max-instances")? as usize
            }
            "--instances" => {
                o.instances = Some(number(value("--instances")?, "--instances")? as usize)
            }
            "--block" => o.block = number(value("--block")?, "--block")? as usize,
            "--rate" => o.rate = number(value("--rate")?, "--rate")?,
            "--verify" => o.verify = true,
            "--max-block-ms" => {
                o.max_block_ms = Some(number(value("--max-block-ms")?, "--max-block-ms")?)
            }
            "--latency-mode" => {
                o.latency_mode = match value("--latency-mode")?.as_str() {
                    "studio" => "Studio".to_owned(),
                    "live" => "Live".to_owned(),
                    other => {
                        return Err(format!("--latency-mode: '{other}' is not studio or live"))
                    }
                }
            }
            "--no-silent" => o.skip_silent = true,
            "--no-rt-priority" => o.rt_priority = false,
            "--catch-up" => o.catch_up = true,
            "--host-sleep" => o.host_sleep = true,
            "-h" | "--help" => return Err(usage().to_owned()),
            other => return Err(format!("unknown argument '{other}'\n{}", usage())),
        }
    }
    if o.block == 0 || o.block > 16384 {
        return Err("--block must be 1..=16384".to_owned());
    }
    Ok(o)
}

/// Sets the `Latency Mode` parameter to the value shown as `text`, before activation.
fn set_latency_mode(instance: &mut PluginInstance<LoadHost>, text: &str) -> Result<(), String> {
    let params = instance
        .plugin_handle()
        .get_extension::<PluginParams>()
        .ok_or("the plugin has no params extension")?;
    let handle = instance.plugin_handle();
    let mut id = None;
    for index in 0..params.count(&handle) {
        let mut buffer = ParamInfoBuffer::new();
        if let Some(info) = params.get_info(&handle, index, &mut buffer) {
            if info.name == b"Latency Mode" {
                id = Some(info.id);
            }
        }
    }
    let id = id.ok_or("the plugin has no Latency Mode parameter")?;
    let text_c = std::ffi::CString::new(text).map_err(|e| e.to_string())?;
    let value = params
        .text_to_value(&handle, id, &text_c)
        .ok_or_else(|| format!("Latency Mode has no value '{text}'"))?;
    let mut input = EventBuffer::new();
    input.push(&ParamValueEvent::new(0, id, Pckn::match_all(), value));
    let mut output = EventBuffer::new();
    let mut inactive = instance
        .inactive_plugin_handle()
        .ok_or("the instance is already active")?;
    params.flush(&mut inactive, &input.as_input(), &mut output.as_output());
    Ok(())
}

/// The test input: two tones with a slow swell (the same signal as the fault suite's).
fn tones(frames: usize, rate: f64) -> Vec<Vec<f32>> {
    (0..CHANNELS)
        .map(|c| {
            (0..frames)
                .map(|i| {
                    let t = i as f64 / rate;
                    let swell = 0.75 + 0.25 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
                    let x = swell
                        * (0.3 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
                            + 0.15 * (2.0 * std::f64::consts::PI * 1870.0 * t).sin());
                    (x * (1.0 - 0.2 * c as f64)) as f32
                })
                .collect()
        })
        .collect()
}

/// One activated, processing instance with preallocated buffers and its measurements.
struct Voice {
    instance: PluginInstance<LoadHost>,
    processor: Option<StartedPluginAudioProcessor<LoadHost>>,
    input: Vec<Vec<f32>>,
    output: Vec<Vec<f32>>,
    in_ports: AudioPorts,
    out_ports: AudioPorts,
    events_in: EventBuffer,
    events_out: EventBuffer,
    latency: Option<u32>,
    /// Host-thread time of each `process` call, in nanoseconds.
    times: Vec<u64>,
    overruns: u64,
    degraded_blocks: u64,
    /// Block index of the first block that differed from the offline render.
    first_degraded: Option<usize>,
    errors: u64,
    non_finite: u64,
    max_step: f32,
    last: [f32; CHANNELS],
    /// Whether the plugin asked to sleep while its input and output stay quiet (`--host-sleep`).
    asleep: bool,
    /// Blocks not processed because the instance slept.
    slept_blocks: u64,
}

impl Voice {
    fn new(
        entry: &PluginEntry,
        rate: f64,
        block: usize,
        mode: RenderMode,
        blocks: usize,
        latency_mode: &str,
    ) -> Result<Self, String> {
        let info = host_info("Chameleon load benchmark")?;
        let mut instance =
            PluginInstance::<LoadHost>::new(|_| Shared, |_| (), entry, PLUGIN_ID, &info)
                .map_err(|e| format!("cannot create an instance: {e}"))?;
        if mode == RenderMode::Offline {
            let render = instance
                .plugin_handle()
                .get_extension::<PluginRender>()
                .ok_or("the plugin has no render extension, so no offline reference")?;
            render
                .set(&instance.plugin_handle(), RenderMode::Offline)
                .map_err(|e| format!("offline render mode refused: {e}"))?;
        }
        set_latency_mode(&mut instance, latency_mode)?;
        let config = PluginAudioConfiguration {
            sample_rate: rate,
            min_frames_count: 1,
            max_frames_count: block as u32,
        };
        let stopped = instance
            .activate(|_, _| (), config)
            .map_err(|e| format!("activation failed: {e}"))?;
        let latency = instance
            .plugin_handle()
            .get_extension::<PluginLatency>()
            .map(|l| l.get(&instance.plugin_handle()));
        let processor = stopped
            .start_processing()
            .map_err(|e| format!("start_processing failed: {e}"))?;
        Ok(Self {
            instance,
            processor: Some(processor),
            input: vec![vec![0.0; block]; CHANNELS],
            output: vec![vec![0.0; block]; CHANNELS],
            in_ports: AudioPorts::with_capacity(CHANNELS, 1),
            out_ports: AudioPorts::with_capacity(CHANNELS, 1),
            events_in: EventBuffer::with_capacity(16),
            events_out: EventBuffer::with_capacity(64),
            latency,
            times: Vec::with_capacity(blocks),
            overruns: 0,
            degraded_blocks: 0,
            first_degraded: None,
            errors: 0,
            non_finite: 0,
            max_step: 0.0,
            last: [0.0; CHANNELS],
            asleep: false,
            slept_blocks: 0,
        })
    }

    /// Processes the block already in `self.input`; `false` if the plugin failed. With `host_sleep`, a block of quiet input
    /// after the plugin returned "continue if not quiet" with quiet output is not processed
    /// (its output is silence), as a host that honours the status does.
    fn process(&mut self, host_sleep: bool) -> bool {
        let quiet = |b: &[Vec<f32>]| b.iter().flatten().all(|&x| x == 0.0);
        if host_sleep && self.asleep {
            if quiet(&self.input) {
                self.slept_blocks += 1;
                for o in &mut self.output {
                    o.fill(0.0);
                }
                return true;
            }
            self.asleep = false;
        }
        let Some(processor) = self.processor.as_mut() else {
            return false;
        };
        self.events_out.clear();
        let input_audio = self.in_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                self.input
                    .iter_mut()
                    .map(|b| InputChannel::variable(b.as_mut_slice())),
            ),
        }]);
        let mut output_audio = self.out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                self.output.iter_mut().map(|b| b.as_mut_slice()),
            ),
        }]);
        let status = processor.process(
            &input_audio,
            &mut output_audio,
            &self.events_in.as_input(),
            &mut self.events_out.as_output(),
            None,
            None,
        );
        match status {
            Ok(ProcessStatus::Sleep) => self.asleep = true,
            Ok(ProcessStatus::ContinueIfNotQuiet) => {
                self.asleep = quiet(&self.output);
            }
            Ok(_) => {}
            Err(_) => return false,
        }
        true
    }

    /// Checks the block just produced: finiteness, steps, and (with a reference) degradation.
    fn inspect(&mut self, block: usize, reference: Option<(&[Vec<f32>], usize, f32)>) {
        let mut degraded = false;
        for (c, out) in self.output.iter().enumerate() {
            let mut prev = self.last[c];
            for &y in out {
                if !y.is_finite() {
                    self.non_finite += 1;
                    continue;
                }
                self.max_step = self.max_step.max((y - prev).abs());
                prev = y;
            }
            self.last[c] = prev;
            if let Some((refs, start, tolerance)) = reference {
                let r = &refs[c][start..start + out.len()];
                if out.iter().zip(r).any(|(y, r)| (y - r).abs() > tolerance) {
                    degraded = true;
                }
            }
        }
        if degraded {
            self.degraded_blocks += 1;
            self.first_degraded.get_or_insert(block);
        }
    }

    fn shut_down(mut self) {
        if let Some(processor) = self.processor.take() {
            let stopped = processor.stop_processing();
            self.instance.deactivate(stopped);
        }
    }
}

/// Nanoseconds at the `q` quantile of `sorted`.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// User + system CPU time of the whole process, in seconds.
fn process_cpu_seconds() -> f64 {
    // SAFETY: `rusage` is plain data; `getrusage` fills the struct we pass and keeps no pointer.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid, writable struct is always a valid call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return 0.0;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Real-time priority of the host thread while it processes (SCHED_FIFO, as JACK and DAWs give
/// their audio threads).
const RT_PRIORITY: i32 = 70;

/// Switches the calling thread to SCHED_FIFO at [`RT_PRIORITY`] (`true`) or back to the normal
/// policy (`false`). Returns whether it worked (it needs root or an rtprio limit).
fn set_realtime(on: bool) -> bool {
    let param = libc::sched_param {
        sched_priority: if on { RT_PRIORITY } else { 0 },
    };
    let policy = if on {
        libc::SCHED_FIFO
    } else {
        libc::SCHED_OTHER
    };
    // SAFETY: `pthread_self` is always valid for the calling thread and `param` outlives the call.
    unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) == 0 }
}

/// Renders `input` through one instance in offline mode (the plugin waits for every frame).
fn offline_reference(
    entry: &PluginEntry,
    o: &Options,
    input: &[Vec<f32>],
) -> Result<(Vec<Vec<f32>>, Option<u32>), String> {
    let frames = input[0].len();
    let blocks = frames / o.block;
    let mut voice = Voice::new(
        entry,
        o.rate,
        o.block,
        RenderMode::Offline,
        0,
        &o.latency_mode,
    )?;
    let mut out = vec![vec![0.0f32; frames]; CHANNELS];
    for b in 0..blocks {
        let start = b * o.block;
        for (dst, src) in voice.input.iter_mut().zip(input) {
            dst.copy_from_slice(&src[start..start + o.block]);
        }
        if !voice.process(false) {
            return Err("the offline reference render failed".to_owned());
        }
        for (dst, src) in out.iter_mut().zip(&voice.output) {
            dst[start..start + o.block].copy_from_slice(src);
        }
    }
    let latency = voice.latency;
    voice.shut_down();
    Ok((out, latency))
}

/// What one real-time run measured.
struct RunResult {
    /// Whether the host thread ran at real-time priority.
    realtime: bool,
    instances: usize,
    voices: Vec<VoiceResult>,
    cpu_cores: f64,
    /// Seconds of audio played.
    seconds: f64,
    cycle_overruns: u64,
    /// Stalls of the host thread longer than a period, after which the clock resumed.
    xruns: u64,
    /// Share of the instances' blocks not processed because they slept (`--host-sleep`).
    slept: f64,
    max_wake_late_us: f64,
    p99_wake_late_us: f64,
}

struct VoiceResult {
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
    overruns: u64,
    degraded_blocks: u64,
    /// Seconds into the run of the first block that differed from the offline render.
    first_miss_s: Option<f64>,
    errors: u64,
    non_finite: u64,
    max_step: f32,
    latency: Option<u32>,
    /// Frames the engine missed (late or skipped), from the plugin's counters.
    engine_misses: Option<u64>,
}

/// Where the instances append their counters (see `plugin/src/stats_report.rs`).
const STATS_FILE_ENV: &str = "CHAMELEON_STATS_FILE";

/// Takes the counter lines the instances appended since the last call, oldest first, and
/// returns the misses (late plus skipped frames) of each.
fn take_engine_misses() -> Vec<u64> {
    let Some(path) = std::env::var_os(STATS_FILE_ENV) else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    let field = |line: &str, key: &str| -> u64 {
        line.split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0)
    };
    text.lines()
        .map(|l| field(l, "missed") + field(l, "skipped"))
        .collect()
}

impl RunResult {
    /// Engine misses over every instance (0 when the counters were not read back).
    fn engine_misses(&self) -> u64 {
        self.voices
            .iter()
            .map(|v| v.engine_misses.unwrap_or(0))
            .sum()
    }

    /// Blocks over every instance whose `process` call returned after its deadline.
    fn host_overruns(&self) -> u64 {
        self.voices.iter().map(|v| v.overruns).sum()
    }

    /// Process CPU per instance in percent of one core, and (with `idle_host`, the CPU of the
    /// same loop run with no instance) the same less the host's own pacing, as text.
    fn per_instance_cpu(&self, idle_host: Option<f64>) -> String {
        let n = self.instances.max(1) as f64;
        let all = format!("{:.2} % per instance", 100.0 * self.cpu_cores / n);
        match idle_host {
            Some(idle) => format!(
                "{all}, {:.2} % less host pacing",
                100.0 * (self.cpu_cores - idle).max(0.0) / n
            ),
            None => all,
        }
    }

    fn clean(&self) -> bool {
        self.voices.iter().all(|v| {
            v.overruns == 0
                && v.degraded_blocks == 0
                && v.engine_misses.unwrap_or(0) == 0
                && v.errors == 0
                && v.non_finite == 0
        })
    }
}

/// Runs `n` instances in real time over `input`, comparing with `reference` when given.
fn run_realtime(
    entry: &PluginEntry,
    o: &Options,
    n: usize,
    input: &[Vec<f32>],
    reference: Option<&[Vec<f32>]>,
) -> Result<RunResult, String> {
    let frames = input[0].len();
    let blocks = frames / o.block;
    let peak = reference
        .map(|r| r.iter().flatten().fold(0.0f32, |p, x| p.max(x.abs())))
        .unwrap_or(1.0);
    let tolerance = 1e-3 * peak.max(1e-6);
    // Counters of earlier runs (the offline reference) are not this run's.
    take_engine_misses();
    let mut voices = (0..n)
        .map(|_| {
            Voice::new(
                entry,
                o.rate,
                o.block,
                RenderMode::Realtime,
                blocks,
                &o.latency_mode,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let period = Duration::from_secs_f64(o.block as f64 / o.rate);
    let mut wake_late: Vec<u64> = Vec::with_capacity(blocks);
    let mut cycle_overruns = 0;
    // NOTE: switched only now, after the instances (and their worker threads, which would
    // inherit the policy) were created on this thread: only the host thread runs at real-time
    // priority, as in a DAW.
    let realtime = o.rt_priority && set_realtime(true);
    let cpu_before = process_cpu_seconds();
    let began = Instant::now() + Duration::from_millis(20);
    // The period clock: block `b` is released at `anchor + period * (b - anchor_block)`.
    let mut anchor = began;
    let mut anchor_block = 0;
    let mut xruns = 0;
    for b in 0..blocks {
        let scheduled = anchor + period * (b - anchor_block) as u32;
        let now = Instant::now();
        if scheduled > now {
            std::thread::sleep(scheduled - now);
        }
        let woke = Instant::now();
        let late = woke.saturating_duration_since(scheduled);
        wake_late.push(late.as_nanos() as u64);
        let release = if !o.catch_up && late > period {
            // A whole period was lost (the host thread stalled): as an audio driver after an
            // xrun, the clock resumes at this block instead of replaying the lost periods in
            // a burst no audio device would ask for.
            xruns += 1;
            anchor = woke;
            anchor_block = b;
            woke
        } else {
            scheduled
        };
        let deadline = release + period;
        let start = b * o.block;
        for voice in voices.iter_mut() {
            for (dst, src) in voice.input.iter_mut().zip(input) {
                dst.copy_from_slice(&src[start..start + o.block]);
            }
            let t0 = Instant::now();
            let ok = voice.process(o.host_sleep);
            let t1 = Instant::now();
            voice.times.push((t1 - t0).as_nanos() as u64);
            if t1 > deadline {
                voice.overruns += 1;
            }
            if !ok {
                voice.errors += 1;
            }
        }
        if Instant::now() > deadline {
            cycle_overruns += 1;
        }
        for voice in voices.iter_mut() {
            voice.inspect(b, reference.map(|r| (r, start, tolerance)));
        }
    }
    let wall = began.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;
    if realtime {
        set_realtime(false);
    }
    let deadline_ns = period.as_nanos() as f64;
    let share = |ns: u64| 100.0 * ns as f64 / deadline_ns;
    let mut results = Vec::with_capacity(n);
    let slept =
        voices.iter().map(|v| v.slept_blocks).sum::<u64>() as f64 / (blocks * n.max(1)) as f64;
    for voice in voices {
        let mut t = voice.times.clone();
        t.sort_unstable();
        results.push(VoiceResult {
            p50: share(quantile(&t, 0.5)),
            p99: share(quantile(&t, 0.99)),
            p999: share(quantile(&t, 0.999)),
            max: share(t.last().copied().unwrap_or(0)),
            overruns: voice.overruns,
            degraded_blocks: voice.degraded_blocks,
            first_miss_s: voice.first_degraded.map(|b| (b * o.block) as f64 / o.rate),
            errors: voice.errors,
            non_finite: voice.non_finite,
            max_step: voice.max_step,
            latency: voice.latency,
            engine_misses: None,
        });
        voice.shut_down();
    }
    let misses = take_engine_misses();
    if misses.len() == results.len() {
        for (r, m) in results.iter_mut().zip(misses) {
            r.engine_misses = Some(m);
        }
    }
    wake_late.sort_unstable();
    Ok(RunResult {
        realtime,
        instances: n,
        voices: results,
        cpu_cores: cpu / wall,
        seconds: (blocks * o.block) as f64 / o.rate,
        cycle_overruns,
        xruns,
        slept,
        max_wake_late_us: wake_late.last().copied().unwrap_or(0) as f64 / 1e3,
        p99_wake_late_us: quantile(&wake_late, 0.99) as f64 / 1e3,
    })
}

fn print_run(r: &RunResult, silent: Option<&RunResult>, idle_host: Option<f64>) {
    println!(
        "\n## {} instance(s): process CPU {:.1} % of one core ({}){}{}; blocks late on the host \
         thread (whole cycle): {}; host stalls over a period (xruns): {}; host wake-up \
         lateness p99 {:.0} µs, max {:.0} µs; host thread {}",
        r.instances,
        100.0 * r.cpu_cores,
        r.per_instance_cpu(idle_host),
        silent.map_or(String::new(), |s| format!(
            ", with silent input {:.1} % ({})",
            100.0 * s.cpu_cores,
            s.per_instance_cpu(idle_host)
        )),
        silent
            .filter(|s| s.slept > 0.0)
            .map_or(String::new(), |s| format!(
                " (the host let the instances sleep for {:.1} % of the silent blocks)",
                100.0 * s.slept
            )),
        r.cycle_overruns,
        r.xruns,
        r.p99_wake_late_us,
        r.max_wake_late_us,
        if r.realtime {
            "SCHED_FIFO"
        } else {
            "normal priority"
        },
    );
    println!(
        "| instance | p50 | p99 | p99.9 | max | host overruns | engine misses (per minute) | \
         first block differing | blocks differing | errors | non-finite | latency |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (i, v) in r.voices.iter().enumerate() {
        println!(
            "| {i} | {:.2} % | {:.2} % | {:.2} % | {:.2} % | {} | {} | {} | {} | {} | {} | {} |",
            v.p50,
            v.p99,
            v.p999,
            v.max,
            v.overruns,
            v.engine_misses.map_or("?".to_owned(), |m| format!(
                "{m} ({:.1})",
                m as f64 * 60.0 / r.seconds.max(1e-9)
            )),
            v.first_miss_s
                .map_or("none".to_owned(), |t| format!("at {t:.2} s")),
            v.degraded_blocks,
            v.errors,
            v.non_finite,
            v.latency.map_or("?".to_owned(), |l| l.to_string()),
        );
    }
    println!("(host-thread time of each process call, as a share of the block period)");
}

fn verify(entry: &PluginEntry, o: &Options) -> Result<bool, String> {
    let frames = (o.seconds * o.rate) as usize;
    let input = tones(frames, o.rate);
    let (reference, ref_latency) = offline_reference(entry, o, &input)?;
    let ref_step = reference
        .iter()
        .map(|c| c.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs())))
        .fold(0.0f32, f32::max);
    let in_step = input
        .iter()
        .map(|c| c.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs())))
        .fold(0.0f32, f32::max);
    let r = run_realtime(entry, o, o.instances.unwrap_or(1), &input, Some(&reference))?;
    print_run(&r, None, None);
    let bound = 1.5 * ref_step.max(in_step);
    let mut ok = true;
    let mut check = |good: bool, what: String| {
        println!("{} {what}", if good { "ok   " } else { "FAIL " });
        ok &= good;
    };
    for (i, v) in r.voices.iter().enumerate() {
        check(
            v.non_finite == 0 && v.errors == 0,
            format!(
                "instance {i}: output finite ({} non-finite samples, {} failed calls)",
                v.non_finite, v.errors
            ),
        );
        check(
            v.max_step <= bound,
            format!(
                "instance {i}: no click: largest step {:.4} (offline render {:.4}, input {:.4}, bound {:.4})",
                v.max_step, ref_step, in_step, bound
            ),
        );
        check(
            v.latency == ref_latency,
            format!(
                "instance {i}: latency {:?} equals the offline render's {:?}",
                v.latency, ref_latency
            ),
        );
        if let Some(limit) = o.max_block_ms {
            let max_ms = v.max * (o.block as f64 / o.rate) * 10.0;
            check(
                max_ms < limit,
                format!("instance {i}: longest process call {max_ms:.2} ms < {limit} ms (the host thread never waited for the worker)"),
            );
        }
        println!(
            "      instance {i}: {} engine misses; first block differing {}; {} blocks differ from the offline render",
            v.engine_misses.map_or("?".to_owned(), |m| m.to_string()),
            v.first_miss_s
                .map_or("none".to_owned(), |t| format!("at {t:.2} s")),
            v.degraded_blocks
        );
    }
    Ok(ok)
}

fn search(entry: &PluginEntry, o: &Options) -> Result<(), String> {
    let frames = (o.seconds * o.rate) as usize;
    let input = tones(frames, o.rate);
    let silence = vec![vec![0.0f32; frames]; CHANNELS];
    println!(
        "# Chameleon load benchmark: {} s per step, {}-sample blocks at {} Hz ({:.3} ms per block), \
         stereo, one host thread; {} cores online",
        o.seconds,
        o.block,
        o.rate,
        1000.0 * o.block as f64 / o.rate,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let t = Instant::now();
    let (reference, latency) = offline_reference(entry, o, &input)?;
    println!(
        "offline reference rendered in {:.2} s (latency {:?} samples)",
        t.elapsed().as_secs_f64(),
        latency
    );
    // As long as a measured run (up to 10 s): the figure is subtracted from every run's, and a
    // short pacing run left it moving by a third with the VM's noise.
    let pacing = vec![vec![0.0f32; (o.seconds.min(10.0) * o.rate) as usize]; CHANNELS];
    let idle_host = run_realtime(entry, o, 0, &pacing, None)?;
    println!(
        "host pacing alone (0 instances): {:.2} % of one core",
        100.0 * idle_host.cpu_cores
    );

    let measure = |n: usize| -> Result<RunResult, String> {
        let r = run_realtime(entry, o, n, &input, Some(&reference))?;
        let silent = if o.skip_silent {
            None
        } else {
            Some(run_realtime(entry, o, n, &silence, None)?)
        };
        print_run(&r, silent.as_ref(), Some(idle_host.cpu_cores));
        Ok(r)
    };

    let mut summary: Vec<(usize, bool, u64, u64, u64, f64, f64)> = Vec::new();
    let mut record = |r: &RunResult| {
        let worst = r.voices.iter().map(|v| v.max).fold(0.0, f64::max);
        summary.push((
            r.instances,
            r.clean(),
            r.engine_misses(),
            r.host_overruns(),
            r.xruns,
            worst,
            r.cpu_cores,
        ));
    };
    let (best, first_bad) = if let Some(n) = o.instances {
        let r = measure(n)?;
        record(&r);
        (r.clean().then_some(n), None)
    } else {
        let mut best = None;
        let mut bad = None;
        let mut n = 1;
        while n <= o.max_instances {
            let r = measure(n)?;
            record(&r);
            if r.clean() {
                best = Some(n);
                n *= 2;
            } else {
                bad = Some(n);
                break;
            }
        }
        if best.is_some_and(|b| b * 2 > o.max_instances && bad.is_none())
            && best != Some(o.max_instances)
        {
            let r = measure(o.max_instances)?;
            record(&r);
            if r.clean() {
                best = Some(o.max_instances);
            } else {
                bad = Some(o.max_instances);
            }
        }
        if let (Some(mut lo), Some(mut hi)) = (best, bad) {
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                let r = measure(mid)?;
                record(&r);
                if r.clean() {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            best = Some(lo);
            bad = Some(hi);
        }
        (best, bad)
    };
    println!("\n# Summary");
    println!(
        "| instances | zero misses | engine misses (all instances) | host overruns (all \
         instances) | host xruns | worst process call (share of block) | process CPU (one \
         core = 100 %) |"
    );
    println!("| --- | --- | ---: | ---: | ---: | --- | --- |");
    for (n, clean, misses, overruns, xruns, worst, cpu) in &summary {
        println!(
            "| {n} | {} | {misses} | {overruns} | {xruns} | {worst:.2} % | {:.1} % |",
            if *clean { "yes" } else { "no" },
            100.0 * cpu
        );
    }
    match best {
        Some(n) => println!(
            "largest N with zero misses: {n}{}",
            first_bad.map_or(
                format!(" (searched up to {})", o.max_instances),
                |b| format!(" ({b} missed)")
            )
        ),
        None => println!("largest N with zero misses: none (1 instance already missed)"),
    }
    Ok(())
}

fn main() -> ExitCode {
    let o = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os(STATS_FILE_ENV).is_none() {
        let path =
            std::env::temp_dir().join(format!("chameleon-load-{}.stats", std::process::id()));
        // NOTE: set before the plugin loads or any other thread starts, so nothing reads the
        // environment concurrently.
        std::env::set_var(STATS_FILE_ENV, path);
    }
    // SAFETY: loading a plugin library runs its initialisers; this is the plugin under test.
    let entry = match unsafe { PluginEntry::load(&o.plugin) } {
        Ok(entry) => entry,
        Err(e) => {
            eprintln!("cannot load {}: {e}", o.plugin);
            return ExitCode::from(2);
        }
    };
    let result = if o.verify {
        verify(&entry, &o).map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        })
    } else {
        search(&entry, &o).map(|()| ExitCode::SUCCESS)
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
