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

/// The path of the first text in `value` (a string, or an object's key) that is not storable: `name`,
/// `answers[0].value`; `root` when `value` itself is such a string.
pub fn unstorable_field(value: &serde_json::Value, root: &str) -> Option<String> {
    unstorable_in(value, root, root)
}

fn unstorable_in(value: &serde_json::Value, path: &str, root: &str) -> Option<String> {
    match value {
        serde_json::Value::String(text) => (!is_storable(text)).then(|| path.to_owned()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| unstorable_in(item, &format!("{path}[{index}]"), root)),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let field = match path == root {
                true => key.clone(),
                false => format!("{path}.{key}"),
            };
            match is_storable(key) {
                true => unstorable_in(item, &field, root),
                false => Some(field.replace(UNSTORABLE, "\\u0000")),
            }
        }),
        _ => None,
    }
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

    #[test]
    fn names_the_field_holding_nul() {
        let value = serde_json::json!({"name": "ok", "answers": [{"value": "fine"}, {"value": ["a", "b\0"]}]});
        assert_eq!(unstorable_field(&value, "body").as_deref(), Some("answers[1].value[1]"));
        let key = serde_json::json!({"k\0": 1});
        assert_eq!(unstorable_field(&key, "body").as_deref(), Some("k\\u0000"));
        assert_eq!(
            unstorable_field(&serde_json::json!("\0"), "body").as_deref(),
            Some("body")
        );
        assert_eq!(
            unstorable_field(&serde_json::json!({"a": [1, true, null]}), "body"),
            None
        );
    }
}
