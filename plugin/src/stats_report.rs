//! Engine counters for benchmarks: with `CHAMELEON_STATS_FILE` set, each instance appends one
//! line of its engine's counters to that file when the host deactivates it. Deactivation runs
//! on the host's main thread, never on the audio thread, so the file I/O is allowed there. A
//! host-side benchmark (`tests/clap-host` `load`) reads the lines to count engine misses, which
//! it cannot tell from the audio alone once a recurrent model's state has diverged.
//!
//! Each line is `hops=H processed=P missed=M skipped=S failed=F silent=Z`: the hops analysed,
//! and the frames the model returned in time, that came back too late or never (misses), that
//! the worker skipped as stale, that failed, and that were silent.

use std::io::Write;

use chameleon_dsp::StatsSnapshot;

/// The environment variable naming the file to append to.
pub const STATS_FILE_ENV: &str = "CHAMELEON_STATS_FILE";

/// One report line for `s`.
pub fn format_line(s: &StatsSnapshot) -> String {
    format!(
        "hops={} processed={} missed={} skipped={} failed={} silent={}",
        s.hops,
        s.processed_frames,
        s.missed_frames,
        s.skipped_frames,
        s.failed_frames,
        s.silent_frames
    )
}

/// Reads `key=value` from a report line.
pub fn field(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

/// Appends `stats` to the file `CHAMELEON_STATS_FILE` names, if it is set. Errors are ignored:
/// a benchmark that asked for the file reports its absence. Call off the audio thread.
pub fn append(stats: &StatsSnapshot) {
    let Some(path) = std::env::var_os(STATS_FILE_ENV) else {
        return;
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{}", format_line(stats));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back_field_by_field() {
        let s = StatsSnapshot {
            hops: 900,
            processed_frames: 880,
            missed_frames: 3,
            skipped_frames: 2,
            failed_frames: 1,
            silent_frames: 14,
            ..StatsSnapshot::default()
        };
        let line = format_line(&s);
        assert_eq!(field(&line, "hops"), Some(900));
        assert_eq!(field(&line, "missed"), Some(3));
        assert_eq!(field(&line, "skipped"), Some(2));
        assert_eq!(field(&line, "silent"), Some(14));
        assert_eq!(field(&line, "late"), None);
    }
}
