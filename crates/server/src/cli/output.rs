//! What the command line writes. `println!` panics when stdout is gone (`marketplace openapi | head`): a reader
//! that stops early is not a failure of ours, so a closed stdout ends the output quietly, while any other write
//! error (a full disk) is still reported.

use anyhow::Context;
use std::io::{self, ErrorKind, Write};

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
