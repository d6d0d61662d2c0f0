//! Identifiers: cuid2 where the reference types an id `cuid`, UUID v7 (sortable by time) where it says `uuid`.

use uuid::Uuid;

/// A new collision-resistant id, for fields the reference types `cuid`.
pub fn new_cuid() -> String {
    cuid2::create_id()
}

/// A new UUID, for fields the reference types `uuid`.
pub fn new_uuid() -> Uuid {
    Uuid::now_v7()
}

/// Whether `text` looks like a cuid (2): lowercase letters and digits, starting with a letter.
pub fn is_cuid(text: &str) -> bool {
    (2..=32).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuids_look_like_cuids() {
        let id = new_cuid();
        assert!(is_cuid(&id), "{id}");
        assert_ne!(new_cuid(), id);
        assert!(!is_cuid("1abc"));
        assert!(!is_cuid("ABC"));
    }
}
