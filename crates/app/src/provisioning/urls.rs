//! Where a connection's URL comes from: the command line's overrides, the process's environment, or a file.

use crate::App;
use marketplace_domain::directory::UrlSource;

impl App {
    /// The connection's URL, or why there is none. The message names the variable or file, never the URL.
    pub(super) fn connection_url(&self, source: &UrlSource) -> Result<String, String> {
        match source {
            UrlSource::Env(variable) => match self.provisioning.settings.urls.get(variable) {
                Some(url) => Ok(url.clone()),
                None => std::env::var(variable).map_err(|_| format!("the environment variable {variable} is not set")),
            },
            UrlSource::File(path) => match std::fs::read_to_string(path) {
                Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
                Ok(_) => Err(format!("the file {path} is empty")),
                Err(error) => Err(format!("cannot read {path}: {error}")),
            },
        }
    }
}
