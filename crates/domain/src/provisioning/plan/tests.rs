use super::*;

fn table(role: &str, table: &str) -> Privilege {
    Privilege {
        role: role.into(),
        target: Target::Table {
            schema: "sales".into(),
            table: table.into(),
        },
    }
}

fn column(role: &str, table: &str, column: &str) -> Privilege {
    Privilege {
        role: role.into(),
        target: Target::Column {
            schema: "sales".into(),
            table: table.into(),
            column: column.into(),
        },
    }
}

fn usage(role: &str) -> Privilege {
    Privilege {
        role: role.into(),
        target: Target::Schema { schema: "sales".into() },
    }
}

fn wanted(privileges: &[(&Privilege, &str)]) -> Wanted {
    let mut wanted = Wanted::new();
    for (privilege, request) in privileges {
        wanted
            .entry((*privilege).clone())
            .or_default()
            .insert(RequestId((*request).into()));
    }
    wanted
}

fn observed(held: &[&Privilege]) -> Observed {
    Observed {
        roles: ["casey", "sam"].map(String::from).into(),
        schemas: ["sales".to_owned()].into(),
        tables: [
            (("sales".into(), "orders".into()), ["id".to_owned()].into()),
            (
                ("sales".into(), "customers".into()),
                ["id", "email"].map(String::from).into(),
            ),
        ]
        .into(),
        held: held.iter().map(|privilege| (*privilege).clone()).collect(),
    }
}

fn summary(plan: &Plan) -> Vec<(Action, Privilege, Reason)> {
    plan.changes
        .iter()
        .map(|change| (change.action, change.privilege.clone(), change.reason))
        .collect()
}

#[test]
fn missing_grants_are_granted_and_unexplained_ones_revoked_first() {
    let orders = table("casey", "orders");
    let by_hand = table("sam", "orders");
    let ours = table("casey", "customers");
    let plan = plan(
        &wanted(&[(&orders, "r1"), (&usage("casey"), "r1")]),
        &observed(&[&by_hand, &ours, &usage("sam")]),
        &[ours.clone()].into(),
        OnDrift::Revoke,
    );
    assert_eq!(
        summary(&plan),
        vec![
            (Action::Revoke, ours, Reason::NoLongerApproved),
            (Action::Revoke, by_hand, Reason::Drift),
            (Action::Grant, usage("casey"), Reason::Approved),
            (Action::Grant, orders, Reason::Approved),
        ],
        "a schema's USAGE nobody explains but that the provisioner did not grant is left alone"
    );
}

#[test]
fn drift_is_only_reported_where_the_connection_says_so() {
    let by_hand = table("sam", "orders");
    let plan = plan(
        &Wanted::new(),
        &observed(&[&by_hand]),
        &BTreeSet::new(),
        OnDrift::Report,
    );
    assert!(plan.changes.is_empty());
    assert_eq!(plan.reported, vec![by_hand]);
}

#[test]
fn a_vanished_grant_of_ours_is_repaired() {
    let orders = table("casey", "orders");
    let plan = plan(
        &wanted(&[(&orders, "r1")]),
        &observed(&[]),
        &[orders.clone()].into(),
        OnDrift::Revoke,
    );
    assert_eq!(summary(&plan), vec![(Action::Grant, orders, Reason::Repair)]);
}

#[test]
fn grants_on_what_does_not_exist_are_blocked_with_the_reason() {
    let ghost = table("ghost", "orders");
    let nowhere = table("casey", "nowhere");
    let no_column = column("casey", "customers", "phone");
    let plan = plan(
        &wanted(&[(&ghost, "r1"), (&nowhere, "r2"), (&no_column, "r3")]),
        &observed(&[]),
        &BTreeSet::new(),
        OnDrift::Revoke,
    );
    assert!(plan.changes.is_empty());
    let reasons: Vec<&str> = plan.blocked.iter().map(|(_, why)| why.as_str()).collect();
    assert_eq!(
        reasons,
        vec![
            "relation \"sales.nowhere\" does not exist",
            "column \"phone\" of relation \"sales.customers\" does not exist",
            "role \"ghost\" does not exist",
        ]
    );
}

#[test]
fn column_grants_are_granted_again_after_a_table_revoke_takes_them() {
    let whole = table("casey", "customers");
    let id = column("casey", "customers", "id");
    let plan = plan(
        &wanted(&[(&id, "r1")]),
        &observed(&[&whole, &id]),
        &BTreeSet::new(),
        OnDrift::Revoke,
    );
    assert_eq!(
        summary(&plan),
        vec![
            (Action::Revoke, whole, Reason::Drift),
            (Action::Grant, id, Reason::Approved)
        ]
    );
}

#[test]
fn the_ledger_keeps_what_is_held_and_ours_or_explained() {
    let ours = table("casey", "orders");
    let explained = table("sam", "orders");
    let by_hand = table("sam", "customers");
    let held = [ours.clone(), explained.clone(), by_hand].into();
    let after = ledger_after(
        &wanted(&[(&explained, "r1")]),
        &held,
        &[ours.clone(), usage("casey")].into(),
    );
    assert_eq!(after, [ours, explained].into());
}

#[test]
fn request_grants_move_through_their_states_and_tell_webhooks_once() {
    let orders = table("casey", "orders");
    let id = RequestId("r1".into());
    let key = (id.clone(), orders.clone());
    let want = wanted(&[(&orders, "r1")]);
    let none = BTreeMap::new();
    let failed: BTreeMap<Privilege, String> = [(orders.clone(), "connection refused".to_owned())].into();

    let down = grant_states(&want, &none, &BTreeSet::new(), &failed);
    assert_eq!(down[&key], GrantState::Failed("connection refused".into()));
    assert_eq!(outcomes(&none, &down), vec![(id.clone(), Outcome::Failed)]);
    assert_eq!(outcomes(&down, &down), vec![], "a failure is told once");

    let held = [orders.clone()].into();
    let up = grant_states(&want, &down, &held, &BTreeMap::new());
    assert_eq!(up[&key], GrantState::Applied);
    assert_eq!(outcomes(&down, &up), vec![(id.clone(), Outcome::Provisioned)]);
    assert_eq!(outcomes(&up, &up), vec![]);

    let still_held = grant_states(&Wanted::new(), &up, &held, &BTreeMap::new());
    assert_eq!(still_held[&key], GrantState::Pending, "its revocation is not done yet");
    let gone = grant_states(&Wanted::new(), &still_held, &BTreeSet::new(), &BTreeMap::new());
    assert_eq!(gone[&key], GrantState::Revoked);
    assert_eq!(outcomes(&still_held, &gone), vec![(id, Outcome::Deprovisioned)]);
}

#[test]
fn a_privilege_another_request_still_explains_is_revoked_for_the_one_that_ended() {
    let orders = table("casey", "orders");
    let both = wanted(&[(&orders, "r1"), (&orders, "r2")]);
    let held = [orders.clone()].into();
    let before = grant_states(&both, &BTreeMap::new(), &held, &BTreeMap::new());
    let after = grant_states(&wanted(&[(&orders, "r2")]), &before, &held, &BTreeMap::new());
    assert_eq!(after[&(RequestId("r1".into()), orders.clone())], GrantState::Revoked);
    assert_eq!(after[&(RequestId("r2".into()), orders)], GrantState::Applied);
}
