//! The CloudEvents provisioning sends to the tenant's webhooks: `marketplace.access.provisioned`,
//! `.deprovisioned`, `.provisioning_failed` (about a request) and `.drift_repaired` (about a connection).

use marketplace_domain::Timestamp;
use marketplace_domain::ids::RequestId;
use marketplace_domain::provisioning::{GrantKey, GrantState, Outcome, Reason};
use marketplace_store::ChangeRecord;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// (event id, document) of each request whose provisioning moved.
pub(super) fn request_events(
    tenant: &str,
    connection: &str,
    time: Timestamp,
    moved: &[(RequestId, Outcome)],
    grants: &BTreeMap<GrantKey, GrantState>,
) -> Vec<(String, String)> {
    // One pass over the grants: a first cycle may move ten thousand requests of a hundred thousand grants.
    let mut of_request: BTreeMap<&RequestId, Vec<Value>> = moved.iter().map(|(id, _)| (id, Vec::new())).collect();
    for ((request, privilege), state) in grants {
        if let Some(privileges) = of_request.get_mut(request) {
            let error = match state {
                GrantState::Failed(error) => Some(error.as_str()),
                _ => None,
            };
            privileges.push(json!({"privilege": privilege.to_string(), "state": state.as_str(), "error": error}));
        }
    }
    moved
        .iter()
        .map(|(request_id, outcome)| {
            let happened = match outcome {
                Outcome::Provisioned => "provisioned",
                Outcome::Deprovisioned => "deprovisioned",
                Outcome::Failed => "provisioning_failed",
            };
            let privileges = of_request.remove(request_id).unwrap_or_default();
            let data = json!({"requestId": request_id, "connection": connection, "privileges": privileges});
            document(
                tenant,
                happened,
                &format!("access-requests/{}", request_id.as_str()),
                time,
                data,
            )
        })
        .collect()
}

/// (event id, document) of each drift revoked and each grant put back by this cycle.
pub(super) fn drift_events(
    tenant: &str,
    connection: &str,
    time: Timestamp,
    records: &[ChangeRecord],
) -> Vec<(String, String)> {
    records
        .iter()
        .filter(|record| record.state == "APPLIED" && matches!(record.change.reason, Reason::Drift | Reason::Repair))
        .map(|record| {
            let data = json!({
                "connection": connection,
                "privilege": record.change.privilege.to_string(),
                "reason": record.change.reason.as_str(),
                "statement": record.statement,
            });
            document(
                tenant,
                "drift_repaired",
                &format!("connections/{connection}"),
                time,
                data,
            )
        })
        .collect()
}

fn document(tenant: &str, happened: &str, subject: &str, time: Timestamp, data: Value) -> (String, String) {
    let id = uuid::Uuid::now_v7().to_string();
    let document = json!({
        "specversion": "1.0",
        "type": format!("marketplace.access.{happened}"),
        "source": format!("/marketplace/{tenant}"),
        "id": id,
        "time": time,
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    });
    (id, document.to_string())
}
