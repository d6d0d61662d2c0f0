//! What is wrong with one field of what someone sent: the field (so a form can show the message beside it)
//! and the whole message, as a person reads it.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field, as the input names it (`reason`, `form.answers[0].value`).
    pub field: String,
    /// The message, naming the field itself (`reason should not be empty`).
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A message that starts with the field it is about (`dataSources: …`, `limit must …`): the field is what
    /// comes before the first space or colon.
    pub fn from_message(message: impl Into<String>) -> Self {
        let message = message.into();
        let field = message.split([' ', ':']).next().unwrap_or_default().to_owned();
        Problem { field, message }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
