//! Properties of checking a form's questions: for any list of questions, every rule broken is one problem
//! naming the question, and a list that breaks none has no problem.

use super::*;
use proptest::prelude::*;

fn any_field() -> impl Strategy<Value = FormField> {
    let id = (0u128..4).prop_map(Uuid::from_u128);
    let label = prop::sample::select(vec!["", " ", "Why?", "Team", ACCESS_DURATION_LABEL]).prop_map(str::to_owned);
    let options = prop::collection::vec(
        prop::sample::select(vec!["", "  ", "A", "B", "C"]).prop_map(|value| FieldOption { value: value.into() }),
        0..4,
    );
    (0u8..4, id, label, any::<bool>(), options).prop_map(|(kind, id, label, required, options)| match kind {
        0 => FormField::ShortAnswer { id, label, required },
        1 => FormField::Dropdown {
            id,
            label,
            required,
            options,
        },
        2 => FormField::Checkboxes {
            id,
            label,
            required,
            options,
        },
        _ => FormField::AccessDuration { id, label, required },
    })
}

/// How many rules one question breaks, counted from the rules as written (DESIGN §2, request forms).
fn broken(field: &FormField, earlier: &[FormField]) -> usize {
    let mut count = usize::from(earlier.iter().any(|other| other.id() == field.id()));
    count += usize::from(field.label().trim().is_empty());
    match field {
        FormField::Dropdown { options, .. } | FormField::Checkboxes { options, .. } => {
            count += usize::from(options.is_empty());
            for (at, option) in options.iter().enumerate() {
                let blank = option.value.trim().is_empty();
                let again = options[..at].iter().any(|other| other.value == option.value);
                count += usize::from(blank || again);
            }
        }
        FormField::AccessDuration { label, required, .. } => {
            // A blank label breaks both rules: labels are not blank, and this one is fixed.
            count += usize::from(label != ACCESS_DURATION_LABEL);
            count += usize::from(!required);
        }
        FormField::ShortAnswer { .. } => {}
    }
    count
}

proptest! {
    #[test]
    fn every_broken_rule_is_one_problem_naming_its_question(fields in prop::collection::vec(any_field(), 0..6)) {
        let problems = field_problems(&fields);
        let durations = fields.iter().filter(|field| matches!(field, FormField::AccessDuration { .. })).count();
        let whole_list = problems.iter().filter(|problem| problem.starts_with("fields ")).count();
        prop_assert_eq!(whole_list, usize::from(durations > 1), "{:?}", problems);
        for (index, field) in fields.iter().enumerate() {
            let prefix = format!("fields[{index}]");
            let named = problems.iter().filter(|problem| problem.starts_with(&prefix)).count();
            prop_assert_eq!(named, broken(field, &fields[..index]), "{} in {:?}", prefix, problems);
        }
        let counted = whole_list + fields.iter().enumerate().map(|(at, field)| broken(field, &fields[..at])).sum::<usize>();
        prop_assert_eq!(problems.len(), counted);
    }
}
