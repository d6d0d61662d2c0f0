//! How large a directory file may be. A real company's directory is millions of YAML values (50,000 users with
//! their attributes and 20,000 data sources with their columns are about 3.5 million), far beyond the YAML
//! parser's default budget of 250,000; the limits here are set well above that and still keep a hostile file
//! from taking more memory than one machine has: at the limits an import holds a few gigabytes (README,
//! "The governance directory").

use serde_saphyr::{Budget, Options};

/// The largest directory file, in bytes.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// The most YAML values (scalars, lists and maps) a directory file may hold.
pub const MAX_VALUES: usize = 20_000_000;

/// Parser options that enforce the limits; the parser's own guards against aliases that expand without end
/// (billion laughs), documents, nesting and key lengths stay as they are.
pub(super) fn parser_options() -> Options {
    let mut budget = Budget::default();
    budget.max_nodes = MAX_VALUES;
    // Every value is one event, a list or map two (start and end), plus a few per document.
    budget.max_events = 2 * MAX_VALUES + 16;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES;
    budget.max_reader_input_bytes = Some(MAX_FILE_BYTES);
    let mut options = Options::default();
    options.budget = Some(budget);
    options
}

/// What a breached limit means for the person who wrote the file.
pub(super) fn explain(message: &str) -> String {
    if message.starts_with("budget breached") {
        format!(
            "the file is beyond what a directory file may hold (at most {} MiB and {MAX_VALUES} YAML values, \
             nested at most 64 deep): {message}",
            MAX_FILE_BYTES >> 20
        )
    } else {
        message.to_owned()
    }
}
