//! Where a connection's URL comes from: the command line's overrides, the process's environment, or a file.

use crate::App;
use marketplace_domain::directory::SecretSource;

impl App {
    /// The connection's URL, or why there is none. The message names the variable or file, never the URL.
    pub(super) fn connection_url(&self, source: &SecretSource) -> Result<String, String> {
        match source {
            SecretSource::Env(variable) => match self.provisioning.settings.urls.get(variable) {
                Some(url) => Ok(url.clone()),
                None => std::env::var(variable).map_err(|_| format!("the environment variable {variable} is not set")),
            },
            SecretSource::File(_) => read_secret(source),
        }
    }
}

/// A secret from where the directory says it is kept, or why it cannot be read (naming the variable or the
/// file, never the secret).
pub(crate) fn read_secret(source: &SecretSource) -> Result<String, String> {
    match source {
        SecretSource::Env(variable) => {
            std::env::var(variable).map_err(|_| format!("the environment variable {variable} is not set"))
        }
        SecretSource::File(path) => match std::fs::read_to_string(path) {
            Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
            Ok(_) => Err(format!("the file {path} is empty")),
            Err(error) => Err(format!("cannot read {path}: {error}")),
        },
    }
}
