//! What the command line writes. `println!` panics when stdout is gone (`marketplace openapi | head`): a reader
//! that stops early is not a failure of ours, so a closed stdout ends the output quietly, while any other write
//! error (a full disk) is still reported.

use anyhow::Context;
use std::io::{self, ErrorKind, IsTerminal, Write};

/// Standard output that goes quiet once its reader has gone away.
#[derive(Default)]
pub struct Stdout {
    closed: bool,
}

impl Stdout {
    /// Writes `text` and flushes it. After the reader has gone, nothing more is written and nothing fails.
    pub fn write(&mut self, text: &str) -> anyhow::Result<()> {
        if self.closed {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(error) if error.kind() == ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other.context("cannot write to standard output"),
        }
    }

    pub fn line(&mut self, text: &str) -> anyhow::Result<()> {
        self.write(&format!("{text}\n"))
    }

    /// Whether the reader has gone away (and later output would be lost).
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// A message for the person at the terminal. Best effort: nowhere to report a stderr that is gone.
pub fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// A progress line on stderr for long work, redrawn in place, shown only when stderr is a terminal (a log file
/// or a pipe gets the final summary alone).
pub struct Progress {
    shown: bool,
    enabled: bool,
    last: Option<std::time::Instant>,
}

impl Progress {
    pub fn on_terminal() -> Self {
        Self {
            shown: false,
            enabled: io::stderr().is_terminal(),
            last: None,
        }
    }

    /// Redraws the line, at most ten times a second unless `now` says the step just began or ended.
    pub fn show(&mut self, text: &str, now: bool) {
        if !self.enabled {
            return;
        }
        let due = self.last.is_none_or(|at| at.elapsed().as_millis() >= 100);
        if !now && !due {
            return;
        }
        self.last = Some(std::time::Instant::now());
        self.shown = true;
        // `\x1b[K` clears what a longer earlier line left.
        let _ = write!(io::stderr().lock(), "\r{text}\x1b[K");
    }

    /// Ends the progress line so the next message starts on a line of its own.
    pub fn finish(&mut self) {
        if self.shown {
            let _ = write!(io::stderr().lock(), "\r\x1b[K");
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
