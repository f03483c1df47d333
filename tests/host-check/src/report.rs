//! Check results: one line per check, and a closing count.

/// Collects check results.
#[derive(Default)]
pub struct Report {
    /// How many checks passed.
    pub passed: usize,
    /// What each failed check said.
    pub failures: Vec<String>,
}

impl Report {
    /// Records one check: prints `ok` or `FAIL` and what was checked.
    pub fn check(&mut self, ok: bool, what: impl AsRef<str>) -> bool {
        let what = what.as_ref();
        if ok {
            println!("ok    {what}");
            self.passed += 1;
        } else {
            println!("FAIL  {what}");
            self.failures.push(what.to_owned());
        }
        ok
    }

    /// The value of `result`; or, for an error, `None` after recording a failed check that
    /// says `what: ERROR`.
    pub fn require<T>(&mut self, result: Result<T, String>, what: &str) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.check(false, format!("{what}: {e}"));
                None
            }
        }
    }

    /// The closing line, `SUITE: N passed, N failed`.
    pub fn summary(&self, suite: &str) -> String {
        format!(
            "{suite}: {} passed, {} failed",
            self.passed,
            self.failures.len()
        )
    }
}
