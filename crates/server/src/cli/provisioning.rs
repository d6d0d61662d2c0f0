//! `marketplace provisioning status | reconcile [--dry-run]`: what operators see of provisioning, and a cycle on
//! demand. Both print plain lines; a connection that could not do its work makes the command fail.

use super::output::Stdout;
use crate::app::AppState;
use marketplace_app::model::ConnectionStatus;

pub async fn status(state: &AppState) -> anyhow::Result<()> {
    let mut out = Stdout::default();
    let mut broken = 0;
    let overview = state.app.provisioning_overview().await?;
    if overview.is_empty() {
        out.line("no tenant has connections: nothing is provisioned")?;
    }
    for (tenant, statuses) in overview {
        for status in statuses {
            broken += usize::from(status.last_error.is_some());
            out.line(&describe(&tenant, &status))?;
        }
    }
    match broken {
        0 => Ok(()),
        count => anyhow::bail!("{count} connection(s) could not do all their work (see above)"),
    }
}

fn describe(tenant: &str, status: &ConnectionStatus) -> String {
    let reachable = match status.reachable {
        Some(true) => "reachable",
        Some(false) => "UNREACHABLE",
        None => "no cycle yet",
    };
    let last = status
        .last_cycle_at
        .map_or_else(|| "never".to_owned(), |at| at.to_string());
    let mut line = format!(
        "{tenant}/{}: {reachable}, last cycle {last}, applied {}, pending {}, failed {}, drift repaired in 24 h {}",
        status.connection_name, status.applied, status.pending, status.failed, status.drift_repaired
    );
    if let Some(error) = &status.last_error {
        line.push_str(&format!("\n  error: {error}"));
    }
    line
}

pub async fn reconcile(state: &AppState, dry_run: bool) -> anyhow::Result<()> {
    let mut out = Stdout::default();
    let reports = state.app.reconcile_everything(dry_run).await?;
    if reports.is_empty() {
        out.line("no tenant has connections: nothing to reconcile")?;
    }
    let mut broken = 0;
    for report in reports {
        let name = format!("{}/{}", report.tenant, report.connection);
        if !report.ran {
            out.line(&format!("-- {name}: another instance is running its cycle; skipped"))?;
            continue;
        }
        let verb = if dry_run { "would run" } else { "ran" };
        out.line(&format!("-- {name}: {verb} {} statement(s)", report.statements.len()))?;
        for statement in &report.statements {
            out.line(&format!("{statement};"))?;
        }
        for statement in &report.reported {
            out.line(&format!("-- drift, only reported: {statement};"))?;
        }
        for (privilege, why) in &report.failed {
            out.line(&format!("-- cannot apply {privilege}: {why}"))?;
        }
        if let Some(error) = &report.error {
            broken += 1;
            out.line(&format!("-- error: {error}"))?;
        }
    }
    match broken {
        0 => Ok(()),
        count => anyhow::bail!("{count} connection(s) could not do all their work (see above)"),
    }
}
