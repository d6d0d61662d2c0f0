//! The facts a review flow's conditions read (DESIGN §2): `requester` and `user` (groups, attributes,
//! permissions), `requestType`, `answers` by question id, and `dataProduct` (`id`, `domains`).

use super::RequestType;
use crate::access::Person;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// Who submits the request.
    pub requester: &'a Person,
    /// Who would receive access.
    pub user: &'a Person,
    pub request_type: RequestType,
    pub answers: Value,
    /// The product's or asset's id and the domains it belongs to.
    pub target_id: &'a str,
    pub domains: &'a [String],
}

impl Facts<'_> {
    pub fn to_value(&self) -> Value {
        json!({
            "requester": person(self.requester),
            "user": person(self.user),
            "requestType": self.request_type.as_str(),
            "answers": self.answers,
            "dataProduct": {"id": self.target_id, "domains": self.domains},
        })
    }
}

fn person(person: &Person) -> Value {
    // Global permissions; domain permissions are approver criteria, not facts.
    let permissions: Vec<&str> = person.permissions.iter().map(|held| held.as_str()).collect();
    json!({
        "groups": person.groups.iter().map(|(_, name)| name).collect::<Vec<_>>(),
        "attributes": person.attributes,
        "permissions": permissions,
    })
}
