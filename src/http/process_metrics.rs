//! The process's own `/metrics` lines, under the names Prometheus clients use for every process
//! (`process_*`), and `qoltanba_build_info`: what an operator graphs next to the service's
//! counters to tell a slow verifier from a starved machine.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// When this process first rendered or asked for its start: the service calls [`mark_start`]
/// at start-up so that the figure is the start, not the first scrape.
static STARTED: OnceLock<f64> = OnceLock::new();

/// Records the start time (the first call wins).
pub fn mark_start() {
    STARTED.get_or_init(unix_now);
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The `/metrics` lines of the process and of the build.
pub fn render() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP qoltanba_build_info The running build: version and profile.\n\
         # TYPE qoltanba_build_info gauge\n\
         qoltanba_build_info{{version=\"{}\",profile=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let started = *STARTED.get_or_init(unix_now);
    gauge(
        &mut out,
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch, in seconds.",
        started,
    );
    if let Some(cpu) = cpu_seconds() {
        let _ = writeln!(
            out,
            "# HELP process_cpu_seconds_total User and system CPU time spent, in seconds.\n\
             # TYPE process_cpu_seconds_total counter\n\
             process_cpu_seconds_total {cpu}"
        );
    }
    if let Some((resident, virtual_bytes)) = memory_bytes() {
        gauge(
            &mut out,
            "process_resident_memory_bytes",
            "Resident memory size, in bytes.",
            resident as f64,
        );
        gauge(
            &mut out,
            "process_virtual_memory_bytes",
            "Virtual memory size, in bytes.",
            virtual_bytes as f64,
        );
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        gauge(
            &mut out,
            "process_open_fds",
            "Open file descriptors.",
            entries.count() as f64,
        );
    }
    if let Some(max) = max_fds() {
        gauge(
            &mut out,
            "process_max_fds",
            "Limit of open file descriptors.",
            max as f64,
        );
    }
    out
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

/// User plus system CPU time of the whole process (every thread).
fn cpu_seconds() -> Option<f64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage writes a whole rusage into the pointer it is given and reports failure
    // by its return value; the value is read only when it succeeded.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return None;
        }
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

/// Resident and virtual size from `/proc/self/status` (kB there).
fn memory_bytes() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmSize:")?))
}

/// The soft limit of open files.
fn max_fds() -> Option<u64> {
    let mut limit = std::mem::MaybeUninit::<libc::rlimit>::uninit();
    // SAFETY: getrlimit fills the rlimit on success (return 0); it is read only then.
    let limit = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, limit.as_mut_ptr()) != 0 {
            return None;
        }
        limit.assume_init()
    };
    Some(limit.rlim_cur as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_reports_itself() {
        mark_start();
        let text = render();
        for name in [
            "qoltanba_build_info{version=\"",
            "process_start_time_seconds ",
            "process_cpu_seconds_total ",
            "process_resident_memory_bytes ",
            "process_virtual_memory_bytes ",
            "process_open_fds ",
            "process_max_fds ",
        ] {
            assert!(text.contains(name), "{name} in\n{text}");
        }
        let resident: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
            .and_then(|v| v.parse().ok())
            .unwrap();
        // A running test binary holds at least a megabyte and less than the machine.
        assert!(resident > 1e6 && resident < 1e12, "{resident}");
    }
}
