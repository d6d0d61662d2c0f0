use crate::app::AppState;

/// Parses a lifetime such as `90m`, `12h`, `30d` or `2w` into seconds.
pub fn parse_lifetime(text: &str) -> Result<i64, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a lifetime such as 90m, 12h, 30d or 2w"))?;
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("unknown unit in `{text}` (use s, m, h, d or w)")),
    };
    if number == 0 {
        return Err("the lifetime must be longer than zero".into());
    }
    number
        .checked_mul(unit_seconds)
        .ok_or_else(|| format!("`{text}` is too long"))
}

/// Parses a time limit such as `10s` or `2m`.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    parse_lifetime(text).map(|seconds| std::time::Duration::from_secs(seconds.unsigned_abs()))
}

/// Creates a token for a user of a tenant, as `POST /api/auth/tokens` would for that user.
pub async fn create(
    state: &AppState,
    tenant: &str,
    username: &str,
    description: &str,
    expires_in: Option<i64>,
) -> anyhow::Result<String> {
    let expires_at = expires_in.map(|seconds| state.app.now().plus_seconds(seconds));
    let issued = state.app.issue_token(tenant, username, description, expires_at).await?;
    Ok(issued.token)
}

#[cfg(test)]
mod tests {
    use super::parse_lifetime;

    #[test]
    fn parses_lifetimes() {
        assert_eq!(parse_lifetime("30d"), Ok(30 * 86_400));
        assert_eq!(parse_lifetime("90m"), Ok(5400));
        assert!(parse_lifetime("0d").is_err());
        assert!(parse_lifetime("d").is_err());
        assert!(parse_lifetime("5y").is_err());
        assert!(parse_lifetime("99999999999999999w").is_err());
    }
}
