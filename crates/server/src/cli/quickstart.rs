//! `marketplace quickstart`: from nothing to a running marketplace with a demo tenant in one command.

use super::{DatabaseArgs, ListenArgs};
use crate::app::Application;
use anyhow::Context;
use marketplace_app::directory::DemoTokens;
use marketplace_domain::directory::parse_directory;
use std::path::PathBuf;

pub async fn run(database: DatabaseArgs, listen: ListenArgs, directory_file: Option<PathBuf>) -> anyhow::Result<()> {
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
    let directory = parse_directory(&text).map_err(|error| anyhow::anyhow!("{source} is not valid:\n{error}"))?;
    let mut state = database.state().await?;
    state.public_url = listen.public_url.as_deref().map(Into::into);
    let report = state.app.import_directory(&directory, false).await?;
    tracing::info!(changes = report.changes.len(), tenant = %directory.tenant.short_key, "imported {source}");

    crate::jobs::spawn(state.clone());
    let app = Application::bind(listen.listen, state.clone(), listen.limits())
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (choose another address with --listen)",
                listen.listen
            )
        })?;
    let address = app.local_addr()?;
    let base = format!("http://{address}/marketplace");
    let DemoTokens { tenant, tokens } = state.app.demo_tokens(&directory).await?;

    let mut out = String::new();
    out.push_str(&format!(
        "\nMarketplace is serving {base}  (global segment {}, database {})\n",
        database.global_segment,
        database.url()?.redacted()
    ));
    out.push_str(&format!("Interactive API docs: {base}/api/docs\n\n"));
    out.push_str(&format!(
        "Personal access tokens for tenant `{}` (new ones each start; they do not expire):\n",
        tenant.short_key
    ));
    for user in tokens {
        let token = user.token;
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
    }
    out.push_str(&format!(
        "\nMore to try (with any token above): {base}/api/metadata/domain, {base}/api/metadata/users, \
         {base}/api/settings/frontend\nPress Ctrl-C to stop.\n"
    ));
    print!("{out}");
    app.run_until(super::shutdown_signal()).await?;
    Ok(())
}
