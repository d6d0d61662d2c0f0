//! `marketplace quickstart`: from nothing to a running marketplace with a demo tenant in one command.

use super::output::Stdout;
use super::{DatabaseArgs, ListenArgs, shell};
use anyhow::Context;
use marketplace_app::directory::DemoTokens;
use marketplace_domain::directory::parse_directory;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

pub async fn run(
    database: DatabaseArgs,
    listen: ListenArgs,
    directory_file: Option<PathBuf>,
    warehouse: Option<String>,
) -> anyhow::Result<()> {
    let (source, text) = match &directory_file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => (
            "the built-in demo directory".to_owned(),
            crate::DEMO_DIRECTORY.to_owned(),
        ),
    };
    let mut directory = parse_directory(&text).map_err(|error| anyhow::anyhow!("{source} is not valid:\n{error}"))?;
    let settings = match &warehouse {
        Some(url) => super::warehouse::prepare(url, &mut directory).await?,
        None => Default::default(),
    };
    let mut state = database.state_with(settings).await?;
    listen.configure(&mut state);
    let report = state.app.import_directory(&directory, false).await?;
    tracing::info!(changes = report.changes.len(), tenant = %directory.tenant.short_key, "imported {source}");

    let shutdown = super::shutdown_signal();
    let jobs = crate::jobs::spawn(state.clone());
    let app = listen.bind(state.clone()).await?;
    let base = format!("http://{}/marketplace", reachable(app.local_addr()?));
    let DemoTokens { tenant, tokens } = state.app.demo_tokens(&directory).await?;

    let mut out = String::new();
    out.push_str(&format!(
        "\nMarketplace is serving {base}  (global segment {}, database {})\n",
        database.global_segment,
        database.url()?.redacted()
    ));
    out.push_str(&format!("Interactive API docs: {base}/api/docs\n\n"));
    let origin = base.trim_end_matches("/marketplace");
    out.push_str(&format!(
        "Personal access tokens for tenant `{}` (they do not expire; each start replaces them):\n",
        tenant.short_key
    ));
    let mut exports = Vec::new();
    for user in tokens {
        let token = user.token;
        exports.push((variable_name(&user.username, &exports), token.clone()));
        let roles: Vec<&str> = user.permissions.iter().map(|p| p.as_str()).collect();
        let roles = if roles.is_empty() {
            String::new()
        } else {
            format!(" [{}]", roles.join(", "))
        };
        out.push_str(&format!("\n  {} — {}{roles}\n", user.username, user.name));
        out.push_str(&format!(
            "  curl -s -H 'Authorization: Bearer {token}' {base}/api/auth/user\n"
        ));
        let link = state.app.create_sign_in_link(&tenant.short_key, &user.username).await?;
        out.push_str(&format!(
            "  web app: {origin}{}  (signs in once, within 10 minutes)\n",
            crate::web::paths::sign_in_link(&link.token)
        ));
    }
    out.push_str("\nFor your shell:\n");
    for (name, token) in &exports {
        out.push_str(&format!("  export {name}={token}\n"));
    }
    if let Some((name, _)) = exports.first() {
        out.push_str("\nMore to try, after those exports:\n");
        for path in ["/api/metadata/domain", "/api/metadata/users", "/api/settings/frontend"] {
            out.push_str(&format!(
                "  curl -s -H \"Authorization: Bearer ${name}\" {base}{path}\n"
            ));
        }
    }
    let consumer = directory
        .users
        .values()
        .find(|user| user.permissions.is_empty() && user.domain_permissions.is_empty());
    if let Some(user) = consumer.or_else(|| directory.users.values().next()) {
        out.push_str(&format!(
            "\nA token of your own, from another terminal:\n  \
             TOKEN=$({} token create {} --tenant {} --user {} --expires-in 30d)\n  \
             curl -s -H \"Authorization: Bearer $TOKEN\" {base}/api/auth/user\n\
             A new sign-in link for the web app:\n  \
             {} sign-in-link {} --tenant {} --user {}\n",
            shell::program(),
            shell::database_flags(&database),
            shell::quote(&tenant.short_key),
            shell::quote(&user.username),
            shell::program(),
            shell::database_flags(&database),
            shell::quote(&tenant.short_key),
            shell::quote(&user.username),
        ));
    }
    if let Some(url) = &warehouse {
        out.push_str(&format!(
            "\nProvisioning into the warehouse {}: approved access becomes privileges there within seconds.\n\
             Each demo user has a login role of the same name (password: the username). As casey, refused until \
             an approved request reaches Sales Orders, and masked columns through sales_masked:\n  \
             psql \"{casey}\" -c 'SELECT * FROM sales.orders'\n  \
             psql \"{casey}\" -c 'SELECT * FROM sales_masked.customers'\n",
            super::warehouse::redacted(url),
            casey = super::warehouse::as_role(url, "casey"),
        ));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    // A reader that went away (`| head`) takes nothing from the server: it goes on serving.
    Stdout::default().write(&out)?;
    app.run_until(shutdown).await?;
    jobs.stop(crate::jobs::SHUTDOWN_GRACE).await;
    Ok(())
}

/// `CASEY_TOKEN` for `casey`: a shell variable name (letters, digits and underscores), unlike those already
/// `taken`.
fn variable_name(username: &str, taken: &[(String, String)]) -> String {
    let mut name: String = username
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_ascii_uppercase(),
            false => '_',
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert(0, 'U');
    }
    name.push_str("_TOKEN");
    let mut unique = name.clone();
    let mut counter = 2;
    while taken.iter().any(|(existing, _)| *existing == unique) {
        unique = format!("{}_{counter}_TOKEN", name.trim_end_matches("_TOKEN"));
        counter += 1;
    }
    unique
}

/// Where a client on this machine reaches a server listening on `address`: a server listening on every
/// interface (`0.0.0.0`, `::`) is reached on the loopback one.
fn reachable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), address.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), address.port()),
        _ => address,
    }
}

#[cfg(test)]
mod tests {
    use super::variable_name;

    #[test]
    fn usernames_become_shell_variables() {
        assert_eq!(variable_name("casey", &[]), "CASEY_TOKEN");
        assert_eq!(variable_name("jane.doe@corp", &[]), "JANE_DOE_CORP_TOKEN");
        assert_eq!(variable_name("9lives", &[]), "U9LIVES_TOKEN");
        assert_eq!(variable_name("_x", &[]), "U_X_TOKEN");
        let taken = [("JANE_DOE_TOKEN".to_owned(), String::new())];
        assert_eq!(variable_name("jane-doe", &taken), "JANE_DOE_2_TOKEN");
    }
}
