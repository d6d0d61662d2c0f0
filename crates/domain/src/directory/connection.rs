//! Connections to the data platforms that access is provisioned into. The directory file names where each
//! connection's URL comes from, never the URL itself: credentials stay out of the file and out of our database.

/// A data platform the marketplace can provision access into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Platform {
    PostgreSql,
}

impl Platform {
    pub const ALL: [Platform; 1] = [Platform::PostgreSql];

    /// As the directory file and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::PostgreSql => "PostgreSQL",
        }
    }

    pub fn parse(text: &str) -> Option<Platform> {
        Self::ALL.into_iter().find(|platform| platform.as_str() == text)
    }
}

/// Where a secret is read from when it is needed (a connection's URL, an OpenID client secret): never the
/// directory file or the database.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretSource {
    /// An environment variable of the marketplace's process (`urlEnv`).
    Env(String),
    /// A file, such as a mounted secret (`urlFile`).
    File(String),
}

/// What the provisioner does with a privilege on a managed table that no approved request explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum OnDrift {
    /// Revoke it, and record that it did.
    #[default]
    Revoke,
    /// Only record it.
    Report,
}

impl OnDrift {
    pub const ALL: [OnDrift; 2] = [OnDrift::Revoke, OnDrift::Report];

    /// As the directory file and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            OnDrift::Revoke => "revoke",
            OnDrift::Report => "report",
        }
    }

    pub fn parse(text: &str) -> Option<OnDrift> {
        Self::ALL.into_iter().find(|on_drift| on_drift.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// How data sources and user accounts refer to it; unique in the tenant.
    pub name: String,
    pub platform: Platform,
    pub url: SecretSource,
    pub on_drift: OnDrift,
}
