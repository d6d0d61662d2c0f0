//! Tests of the risk assessment: how what happened to similar users' past requests becomes a risk and a
//! recommendation. Separate from the submission and review tests, with which they share only `person`.

use super::*;

fn past(
    approved: bool,
    groups: &[&str],
    attributes: &[(&str, &str)],
    reason: &str,
    days: f64,
) -> risk::PastDetermination {
    risk::PastDetermination {
        approved,
        groups: groups.iter().map(|group| (*group).to_owned()).collect(),
        attributes: attributes
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect(),
        reason: Some(reason.into()),
        days_to_decision: days,
    }
}

#[test]
fn risk_follows_what_happened_to_similar_users() {
    use risk::{Literal, Risk, assess};
    let casey = person(&[(7, "Analysts")], &[("Department", "Sales")]);
    assert_eq!(assess(&casey, &[]).risk, Risk::Indeterminate);
    let strangers = [past(true, &["Legal"], &[], "ok", 1.0)];
    let assessment = assess(&casey, &strangers);
    assert_eq!(
        (assessment.risk, assessment.risk_value, assessment.n_allowed),
        (Risk::High, 1.0, 0)
    );
    let approved = [
        past(true, &["Analysts"], &[], "routine", 1.0),
        past(true, &[], &[("Department", "Sales")], "routine", 3.0),
        past(false, &["Legal"], &[], "not similar", 9.0),
    ];
    let assessment = assess(&casey, &approved);
    assert_eq!(assessment.risk, Risk::Low);
    assert_eq!(assessment.recommendation, Some(RecordStatus::Approved));
    assert_eq!(
        (assessment.n_allowed, assessment.n_denied, assessment.risk_value),
        (2, 0, 0.0)
    );
    assert_eq!(assessment.median_days_to_approval, Some(2.0));
    assert_eq!(assessment.approval_reasons, vec!["routine".to_owned()]);
    assert!(
        assessment.denial_reasons.is_empty(),
        "the stranger's denial is not in the cohort"
    );
    assert_eq!(
        assessment.literals,
        vec![
            Literal::Group {
                name: "Analysts".into()
            },
            Literal::Attribute {
                name: "Department".into(),
                value: "Sales".into()
            }
        ]
    );
    let mixed = [
        past(true, &["Analysts"], &[], "fine", 1.0),
        past(false, &["Analysts"], &[], "too broad", 2.0),
    ];
    let assessment = assess(&casey, &mixed);
    assert_eq!(
        (assessment.risk, assessment.conflict_detected, assessment.risk_value),
        (Risk::Moderate, true, 0.5)
    );
    let denied = [past(false, &["Analysts"], &[], "no need", 2.0)];
    let assessment = assess(&casey, &denied);
    assert_eq!(
        (assessment.risk, assessment.recommendation),
        (Risk::High, Some(RecordStatus::Denied))
    );
    assert!(assessment.explanation.contains("denied"), "{}", assessment.explanation);
}
