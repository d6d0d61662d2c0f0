//! Notifications: which changes notify whom, and what the message says.

use crate::access_request::wire_enum;

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
