//! The one rule for text from outside: it must be storable in both databases. PostgreSQL cannot store the NUL
//! character in text (every other Unicode scalar value is fine, and Rust strings hold nothing else), so text with
//! NUL is refused wherever it enters — paths, queries, bodies, directory files — on SQLite too, so that both
//! backends answer alike.

/// The character no text may hold.
pub const UNSTORABLE: char = '\0';

/// Whether `text` can be stored as it is.
pub fn is_storable(text: &str) -> bool {
    !text.contains(UNSTORABLE)
}

/// What to say of a field whose text is not storable.
pub fn unstorable_message(field: &str) -> String {
    format!("{field} must not contain the NUL character (\\u0000)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_nul_and_nothing_else() {
        assert!(is_storable("Grüße, 数据 🚀 \u{1} \u{FFFF}"));
        assert!(!is_storable("a\0b"));
        assert_eq!(
            unstorable_message("name"),
            "name must not contain the NUL character (\\u0000)"
        );
    }
}
