//! Notifications: which changes notify whom, and what the message says.

use crate::Timestamp;
use crate::access_request::{RequestEvent, RequestStatus, wire_enum};
use serde_json::{Value, json};

wire_enum!(
    /// What a notification is about (`notificationType`).
    NotificationType {
        AccessRequested => "ACCESS_REQUESTED",
        RequestDetermined => "REQUEST_DETERMINED",
        RequestCanceled => "REQUEST_CANCELED",
        AccessRevoked => "ACCESS_REVOKED",
        AccessExpiresWithinAWeek => "ACCESS_EXPIRES_IN_7_DAYS",
        AccessExpiresWithinADay => "ACCESS_EXPIRES_IN_1_DAY",
        AccessExpired => "ACCESS_EXPIRED",
        RequestedProductDeleted => "REQUESTED_DATA_PRODUCT_DELETED",
        ProductPublished => "DATA_PRODUCT_PUBLISHED",
        ProductDeleted => "DATA_PRODUCT_DELETED",
        ProductSourcesUpdated => "DATA_PRODUCT_SOURCES_UPDATED",
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

/// Who receives a notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Receivers {
    /// Those who meet an approver criterion of one of the request's records.
    pub stewards: bool,
    /// The requester and the user the request is for.
    pub requester: bool,
    /// The user the request is for.
    pub user: bool,
    /// Those with `Manage Data Products` in one of the product's domains.
    pub domain_managers: bool,
    /// The users whose requests the change ended.
    pub impacted: bool,
}

impl NotificationType {
    /// The notification a request's history event causes, if any. (A new event must be placed here: the match
    /// names them all.)
    pub fn for_request_event(event: RequestEvent) -> Option<Self> {
        match event {
            RequestEvent::Submitted => Some(NotificationType::AccessRequested),
            RequestEvent::AutoApproved | RequestEvent::AutoDenied | RequestEvent::Approved | RequestEvent::Denied => {
                Some(NotificationType::RequestDetermined)
            }
            RequestEvent::Canceled => Some(NotificationType::RequestCanceled),
            RequestEvent::Revoked => Some(NotificationType::AccessRevoked),
            RequestEvent::Expired => Some(NotificationType::AccessExpired),
            // A record's determination is told when the request's is.
            RequestEvent::RecordApproved | RequestEvent::RecordDenied => None,
        }
    }

    /// What a determination event decided, for the message: the request may have moved on when it is sent.
    pub fn outcome_of(event: RequestEvent) -> Option<RequestStatus> {
        match event {
            RequestEvent::AutoApproved | RequestEvent::Approved => Some(RequestStatus::Approved),
            RequestEvent::AutoDenied | RequestEvent::Denied => Some(RequestStatus::Denied),
            RequestEvent::Submitted
            | RequestEvent::RecordApproved
            | RequestEvent::RecordDenied
            | RequestEvent::Canceled
            | RequestEvent::Revoked
            | RequestEvent::Expired => None,
        }
    }

    /// Who is told (request-app notes §4.7): stewards of a new or canceled request; the requester and the
    /// stewards of a determination; the user of a revocation, an expiry or its warnings; the domain's product
    /// managers of a product published, deleted or with new sources; the users whose requests a deletion ended.
    pub fn receivers(self) -> Receivers {
        let none = Receivers::default();
        match self {
            NotificationType::AccessRequested | NotificationType::RequestCanceled => {
                Receivers { stewards: true, ..none }
            }
            NotificationType::RequestDetermined => Receivers {
                stewards: true,
                requester: true,
                ..none
            },
            NotificationType::AccessRevoked
            | NotificationType::AccessExpiresWithinAWeek
            | NotificationType::AccessExpiresWithinADay
            | NotificationType::AccessExpired => Receivers { user: true, ..none },
            NotificationType::RequestedProductDeleted => Receivers { impacted: true, ..none },
            NotificationType::ProductPublished
            | NotificationType::ProductDeleted
            | NotificationType::ProductSourcesUpdated => Receivers {
                domain_managers: true,
                ..none
            },
        }
    }

    /// Whether webhooks get this kind. A deletion tells requesters and managers apart in their inboxes, but it is
    /// one event for other systems.
    pub fn for_webhooks(self) -> bool {
        self != NotificationType::RequestedProductDeleted
    }

    /// The warning due for access ending at `expiration`, seen at `now`: within a day, within a week, or none.
    pub fn expiry_warning(expiration: Timestamp, now: Timestamp) -> Option<Self> {
        let left = expiration.millis() - now.millis();
        match left {
            left if left <= 0 => None,
            left if left <= DAY_MILLIS => Some(NotificationType::AccessExpiresWithinADay),
            left if left <= 7 * DAY_MILLIS => Some(NotificationType::AccessExpiresWithinAWeek),
            _ => None,
        }
    }
}

const DAY_MILLIS: i64 = 24 * 3600 * 1000;

/// The subject and message of a notification about a product.
pub fn product_message(kind: NotificationType, product: &str) -> (String, String) {
    match kind {
        NotificationType::ProductPublished => (
            format!("Data product {product} published"),
            format!("The data product {product} was published in a domain where you manage data products."),
        ),
        NotificationType::ProductSourcesUpdated => (
            format!("Data sources of {product} updated"),
            format!("The data sources of the data product {product} were changed."),
        ),
        NotificationType::RequestedProductDeleted => (
            format!("Data product {product} deleted"),
            format!("The data product {product} you requested was deleted; your request or access has ended."),
        ),
        _ => (
            format!("Data product {product} deleted"),
            format!("The data product {product} was deleted from a domain where you manage data products."),
        ),
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
    pub expiration: Option<Timestamp>,
}

/// The subject and message of a request notification.
pub fn request_message(kind: NotificationType, facts: &RequestFacts) -> (String, String) {
    let RequestFacts {
        requester,
        user,
        target,
        status,
        expiration,
    } = facts;
    let ends = expiration.map_or_else(|| "soon".to_owned(), |at| format!("at {at}"));
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
        NotificationType::AccessExpiresWithinAWeek => (
            format!("Your access to {target} expires within 7 days"),
            format!("Your access to {target} expires {ends}."),
        ),
        NotificationType::AccessExpiresWithinADay => (
            format!("Your access to {target} expires within a day"),
            format!("Your access to {target} expires {ends}."),
        ),
        NotificationType::AccessExpired => (
            format!("Your access to {target} has expired"),
            format!("Your access to {target} has expired."),
        ),
        product_kind => product_message(product_kind, target),
    }
}

/// A notification as a CloudEvents 1.0 JSON document, as webhooks receive it: `type` says what happened
/// (`marketplace.access_request.submitted`, `.approved`, `.denied`, `.canceled`, `.revoked`, `.expired`, …;
/// `marketplace.data_product.published`, `.deleted`, `.sources_updated`).
pub struct CloudEvent<'a> {
    pub id: &'a str,
    /// The tenant's short key.
    pub tenant: &'a str,
    pub kind: NotificationType,
    /// What a determination decided.
    pub outcome: Option<&'a str>,
    /// What it is about: `access-requests/<id>` or `data-products/<id>`.
    pub subject: &'a str,
    pub time: Timestamp,
    pub data: Value,
}

impl CloudEvent<'_> {
    pub fn cloud_event(&self) -> Value {
        let happened = match self.kind {
            NotificationType::AccessRequested => "submitted".to_owned(),
            NotificationType::RequestDetermined => self.outcome.unwrap_or("decided").to_lowercase(),
            NotificationType::RequestCanceled => "canceled".to_owned(),
            NotificationType::AccessRevoked => "revoked".to_owned(),
            NotificationType::AccessExpiresWithinAWeek => "expires_within_7_days".to_owned(),
            NotificationType::AccessExpiresWithinADay => "expires_within_1_day".to_owned(),
            NotificationType::AccessExpired => "expired".to_owned(),
            NotificationType::ProductPublished => "published".to_owned(),
            NotificationType::ProductDeleted | NotificationType::RequestedProductDeleted => "deleted".to_owned(),
            NotificationType::ProductSourcesUpdated => "sources_updated".to_owned(),
        };
        let family = match self.subject.starts_with("data-products/") {
            true => "data_product",
            false => "access_request",
        };
        json!({
            "specversion": "1.0",
            "type": format!("marketplace.{family}.{happened}"),
            "source": format!("/marketplace/{}", self.tenant),
            "id": self.id,
            "time": self.time,
            "subject": self.subject,
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
        for &event in RequestEvent::ALL {
            let Some(kind) = NotificationType::for_request_event(event) else {
                assert!(
                    matches!(event, RequestEvent::RecordApproved | RequestEvent::RecordDenied),
                    "{event:?}"
                );
                continue;
            };
            let receivers = kind.receivers();
            assert!(receivers.stewards || receivers.requester || receivers.user, "{event:?}");
        }
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
        let event = CloudEvent {
            id: "e1",
            tenant: "demo",
            kind: NotificationType::RequestDetermined,
            outcome: Some("APPROVED"),
            subject: "access-requests/r1",
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
    fn access_is_warned_of_a_week_then_a_day_before_it_ends() {
        let now = Timestamp::from_millis(0);
        let warning = |days: f64| NotificationType::expiry_warning(now.plus_seconds((days * 86400.0) as i64), now);
        assert_eq!(warning(8.0), None);
        assert_eq!(warning(7.0), Some(NotificationType::AccessExpiresWithinAWeek));
        assert_eq!(warning(1.5), Some(NotificationType::AccessExpiresWithinAWeek));
        assert_eq!(warning(1.0), Some(NotificationType::AccessExpiresWithinADay));
        assert_eq!(warning(0.0), None);
    }

    #[test]
    fn a_steward_is_asked_to_decide() {
        let facts = RequestFacts {
            requester: "John Doe",
            user: "John Doe",
            target: "Your Data Product",
            status: "PENDING",
            expiration: None,
        };
        let (_, message) = request_message(NotificationType::AccessRequested, &facts);
        assert_eq!(
            message,
            "User John Doe has requested access to Your Data Product, for which you are a Steward. Please make a \
             determination on that request."
        );
    }
}
