//! What a panic tells the user. A panic is always a bug in mesh-lint, never a problem with the
//! manifests, so the report says so, names what was being worked on (the file, or the rule and
//! its inputs) and exits with status 2, like any other failure that is not a finding.
//!
//! Each thread records what it is working on with [`working_on`]; the hook reads the record of
//! the thread that panicked, so a panic in a parallel parse names the file of that worker.

use std::cell::RefCell;
use std::panic::PanicHookInfo;

thread_local! {
    static CURRENT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records what this thread works on until the returned guard is dropped (which restores the
/// previous record, so scopes nest).
pub fn working_on(what: impl Into<String>) -> WorkingOn {
    let previous = CURRENT.with(|c| c.replace(Some(what.into())));
    WorkingOn { previous }
}

/// Restores the previous record of the thread when dropped.
#[must_use = "the record lasts as long as the guard"]
pub struct WorkingOn {
    previous: Option<String>,
}

impl Drop for WorkingOn {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// What this thread is recorded as working on.
pub fn current() -> Option<String> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Exit status after a panic: the same as a usage or internal error, never 0 or 1 (a CI job
/// must not read a crash as "no findings" or as "findings").
pub const EXIT_PANIC: i32 = 2;

/// Replaces the default panic message (a backtrace hint users cannot act on) by a short report
/// and exits with [`EXIT_PANIC`] from the panicking thread, before any unwinding into rayon.
/// For the binaries only: tests keep the default hook.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        eprint!("{}", report(info, current().as_deref()));
        std::process::exit(EXIT_PANIC);
    }));
}

fn report(info: &PanicHookInfo<'_>, working_on: Option<&str>) -> String {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
    format_report(payload, location.as_deref(), working_on)
}

/// The report's text; separate from the hook so it can be tested without panicking.
pub fn format_report(message: &str, location: Option<&str>, working_on: Option<&str>) -> String {
    let mut out = String::from(
        "mesh-lint: internal error: this is a bug in mesh-lint, not a problem with your manifests\n",
    );
    if let Some(what) = working_on {
        out.push_str(&format!("  while {what}\n"));
    }
    out.push_str(&format!("  panic: {message}"));
    if let Some(at) = location {
        out.push_str(&format!(" (at {at})"));
    }
    out.push('\n');
    out.push_str(&format!(
        "  please report it at https://github.com/mesh-lint/mesh-lint/issues with mesh-lint {} and, if you can share it, the input\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}

/// Panics while parsing the file whose display name is the value of `MESH_LINT_DEBUG_PANIC`,
/// so the hook can be tested end to end. Debug builds only: a release binary ignores it.
#[cfg(debug_assertions)]
pub fn debug_trigger(file_name: &str) {
    if std::env::var_os("MESH_LINT_DEBUG_PANIC").is_some_and(|v| v == file_name) {
        panic!("MESH_LINT_DEBUG_PANIC asked for a panic on `{file_name}`");
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn debug_trigger(_: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names_the_bug_the_work_and_the_panic() {
        let text = format_report(
            "index out of bounds",
            Some("src/x.rs:1:2"),
            Some("parsing `a.yaml`"),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].contains("this is a bug in mesh-lint"));
        assert_eq!(lines[1], "  while parsing `a.yaml`");
        assert_eq!(lines[2], "  panic: index out of bounds (at src/x.rs:1:2)");
        assert!(lines[3].contains("please report it"));
    }

    #[test]
    fn report_without_context_still_has_the_message() {
        let text = format_report("boom", None, None);
        assert!(!text.contains("while"));
        assert!(text.contains("  panic: boom\n"));
    }

    #[test]
    fn records_nest_per_thread() {
        assert_eq!(current(), None);
        {
            let _outer = working_on("parsing `a.yaml`");
            {
                let _inner = working_on("running rule MESH101");
                assert_eq!(current().as_deref(), Some("running rule MESH101"));
                let other = std::thread::spawn(current).join().ok().flatten();
                assert_eq!(other, None, "another thread has its own record");
            }
            assert_eq!(current().as_deref(), Some("parsing `a.yaml`"));
        }
        assert_eq!(current(), None);
    }
}
