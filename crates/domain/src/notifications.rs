//! Notifications: which changes notify whom, and what the message says.

use crate::Timestamp;
use crate::access_request::wire_enum;
use serde_json::{Value, json};

wire_enum!(
    /// What a notification is about (`notificationType`).
    NotificationType {
        AccessRequested => "ACCESS_REQUESTED",
        RequestDetermined => "REQUEST_DETERMINED",
        RequestCanceled => "REQUEST_CANCELED",
        AccessRevoked => "ACCESS_REVOKED",
        AccessExpired => "ACCESS_EXPIRED",
    }
);

wire_enum!(
    /// A channel notifications reach people by (`provider`). Messages are delivered to the in-app inbox; the
    /// other channels' choices are kept for when they are delivered to.
    Provider {
        InApp => "IN_APP",
        Email => "EMAIL",
        Slack => "SLACK",
        MicrosoftTeams => "MICROSOFT_TEAMS",
    }
);

/// Who receives a notification about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receivers {
    /// Those who meet an approver criterion of one of the request's records.
    pub stewards: bool,
    /// The requester and the user the request is for.
    pub requester: bool,
    /// The user the request is for.
    pub user: bool,
}

impl NotificationType {
    /// The notification a request's history event causes, if any.
    pub fn for_request_event(event: &str) -> Option<Self> {
        match event {
            "SUBMITTED" => Some(NotificationType::AccessRequested),
            "AUTO_APPROVED" | "AUTO_DENIED" | "APPROVED" | "DENIED" => Some(NotificationType::RequestDetermined),
            "CANCELED" => Some(NotificationType::RequestCanceled),
            "REVOKED" => Some(NotificationType::AccessRevoked),
            "EXPIRED" => Some(NotificationType::AccessExpired),
            _ => None,
        }
    }

    /// What a determination event decided, for the message: the request may have moved on when it is sent.
    pub fn outcome_of(event: &str) -> Option<&'static str> {
        match event {
            "AUTO_APPROVED" | "APPROVED" => Some("APPROVED"),
            "AUTO_DENIED" | "DENIED" => Some("DENIED"),
            _ => None,
        }
    }

    /// Who is told (request-app notes §4.7): stewards of a new or canceled request; the requester and the
    /// stewards of a determination; the impacted user of a revocation or an expiry.
    pub fn receivers(self) -> Receivers {
        let (stewards, requester, user) = match self {
            NotificationType::AccessRequested | NotificationType::RequestCanceled => (true, false, false),
            NotificationType::RequestDetermined => (true, true, false),
            NotificationType::AccessRevoked | NotificationType::AccessExpired => (false, false, true),
        };
        Receivers {
            stewards,
            requester,
            user,
        }
    }
}

/// What a request notification is about, in words.
#[derive(Debug, Clone)]
pub struct RequestFacts<'a> {
    pub requester: &'a str,
    pub user: &'a str,
    /// The product's or data object's name.
    pub target: &'a str,
    /// What the request came to (`APPROVED`, `DENIED`, …).
    pub status: &'a str,
}

/// The subject and message of a request notification.
pub fn request_message(kind: NotificationType, facts: &RequestFacts) -> (String, String) {
    let RequestFacts {
        requester,
        user,
        target,
        status,
    } = facts;
    let for_whom = match requester == user {
        true => String::new(),
        false => format!(" for {user}"),
    };
    match kind {
        NotificationType::AccessRequested => (
            format!("Access requested to {target}"),
            format!(
                "User {requester} has requested access to {target}{for_whom}, for which you are a Steward. \
                 Please make a determination on that request."
            ),
        ),
        NotificationType::RequestDetermined => (
            format!("Access request to {target} {}", status.to_lowercase()),
            format!(
                "The request by {requester} for access to {target}{for_whom} is {}.",
                status.to_lowercase()
            ),
        ),
        NotificationType::RequestCanceled => (
            format!("Access request to {target} canceled"),
            format!("The request by {requester} for access to {target}{for_whom} was canceled."),
        ),
        NotificationType::AccessRevoked => (
            format!("Your access to {target} is revoked"),
            format!("Your access to {target} has been revoked."),
        ),
        NotificationType::AccessExpired => (
            format!("Your access to {target} has expired"),
            format!("Your access to {target} has expired."),
        ),
    }
}

/// A request notification as a CloudEvents 1.0 JSON document, as webhooks receive it: `type` says what happened
/// (`marketplace.access_request.submitted`, `.approved`, `.denied`, `.canceled`, `.revoked`, `.expired`).
pub struct RequestEvent<'a> {
    pub id: &'a str,
    /// The tenant's short key.
    pub tenant: &'a str,
    pub kind: NotificationType,
    /// What a determination decided.
    pub outcome: Option<&'a str>,
    pub request_id: &'a str,
    pub time: Timestamp,
    /// The request as the API shows it (without its users' details).
    pub data: Value,
}

impl RequestEvent<'_> {
    pub fn cloud_event(&self) -> Value {
        let happened = match self.kind {
            NotificationType::AccessRequested => "submitted".to_owned(),
            NotificationType::RequestDetermined => self.outcome.unwrap_or("decided").to_lowercase(),
            NotificationType::RequestCanceled => "canceled".to_owned(),
            NotificationType::AccessRevoked => "revoked".to_owned(),
            NotificationType::AccessExpired => "expired".to_owned(),
        };
        json!({
            "specversion": "1.0",
            "type": format!("marketplace.access_request.{happened}"),
            "source": format!("/marketplace/{}", self.tenant),
            "id": self.id,
            "time": self.time,
            "subject": format!("access-requests/{}", self.request_id),
            "datacontenttype": "application/json",
            "data": self.data,
        })
    }
}

/// How long failed deliveries are retried before they fail for good.
pub const DELIVERY_RETRY_WINDOW_SECONDS: i64 = 24 * 3600;

/// When to try a delivery again after `attempts` failed attempts, or `None` when it has been retried for the whole
/// window since it was first due: 30 s, doubling, at most an hour apart.
pub fn next_delivery_attempt(attempts: u32, first_due: Timestamp, now: Timestamp) -> Option<Timestamp> {
    if now.millis() - first_due.millis() >= DELIVERY_RETRY_WINDOW_SECONDS * 1000 {
        return None;
    }
    let delay = 30i64.saturating_mul(1 << attempts.saturating_sub(1).min(20)).min(3600);
    Some(now.plus_seconds(delay))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_that_concerns_people_notifies_someone() {
        for event in [
            "SUBMITTED",
            "AUTO_APPROVED",
            "AUTO_DENIED",
            "APPROVED",
            "DENIED",
            "CANCELED",
            "REVOKED",
            "EXPIRED",
        ] {
            let kind = NotificationType::for_request_event(event).expect(event);
            let receivers = kind.receivers();
            assert!(receivers.stewards || receivers.requester || receivers.user, "{event}");
        }
        assert_eq!(NotificationType::for_request_event("RECORD_APPROVED"), None);
    }

    #[test]
    fn failed_deliveries_back_off_to_an_hour_and_stop_after_a_day() {
        let start = Timestamp::from_millis(0);
        let delays: Vec<i64> = (1..=9)
            .map(|attempts| next_delivery_attempt(attempts, start, start).unwrap().millis() / 1000)
            .collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        let almost = start.plus_seconds(DELIVERY_RETRY_WINDOW_SECONDS - 1);
        assert!(next_delivery_attempt(40, start, almost).is_some());
        assert_eq!(
            next_delivery_attempt(41, start, start.plus_seconds(DELIVERY_RETRY_WINDOW_SECONDS)),
            None
        );
    }

    #[test]
    fn a_determination_is_typed_by_its_outcome() {
        let event = RequestEvent {
            id: "e1",
            tenant: "demo",
            kind: NotificationType::RequestDetermined,
            outcome: Some("APPROVED"),
            request_id: "r1",
            time: Timestamp::from_millis(0),
            data: json!({"id": "r1"}),
        };
        let document = event.cloud_event();
        assert_eq!(document["type"], "marketplace.access_request.approved");
        assert_eq!(document["specversion"], "1.0");
        assert_eq!(document["subject"], "access-requests/r1");
        assert_eq!(document["time"], "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_steward_is_asked_to_decide() {
        let facts = RequestFacts {
            requester: "John Doe",
            user: "John Doe",
            target: "Your Data Product",
            status: "PENDING",
        };
        let (_, message) = request_message(NotificationType::AccessRequested, &facts);
        assert_eq!(
            message,
            "User John Doe has requested access to Your Data Product, for which you are a Steward. Please make a \
             determination on that request."
        );
    }
}
