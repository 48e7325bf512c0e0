//! `metav1.LabelSelector` matching: the selector language of pod (anti-)affinity terms, their
//! namespace selectors and topology spread constraints.
//!
//! A selector is parsed once into a [`Selector`] and then matched against many label sets. The
//! two "degenerate" selectors differ and the plugins rely on the difference: a *nil* selector
//! matches nothing, an *empty* one (`{}`) matches everything.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// Labels of an object, ordered so that iteration is deterministic.
pub type Labels = BTreeMap<String, String>;

/// How a [`Requirement`] tests one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// The label is present and its value is one of the values.
    In,
    /// The label is absent, or its value is none of the values.
    NotIn,
    /// The label is present, whatever its value.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// One `key operator values` test. `matchLabels` entries become `In` with a single value, which
/// is exactly upstream's `Equals`.
// K8S: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (Requirement)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: BTreeSet<String>,
}

impl Requirement {
    /// Checks the value count the operator needs, as upstream's `NewRequirement` does.
    // DEVIATION: label keys and values are not checked for syntax (upstream rejects e.g.
    // "{{.bad-value.}}"); the API server rejects such pods before they reach a scheduler. The
    // error texts follow upstream's wording but not its `field.Error` formatting.
    pub fn new(key: &str, operator: Operator, values: &[String]) -> Result<Self, String> {
        let needs_values = matches!(operator, Operator::In | Operator::NotIn);
        if needs_values && values.is_empty() {
            return Err(format!(
                "{key}: for 'in', 'notin' operators, values set can't be empty"
            ));
        }
        if !needs_values && !values.is_empty() {
            return Err(format!(
                "{key}: values set must be empty for exists and does not exist"
            ));
        }
        Ok(Requirement {
            key: key.to_owned(),
            operator,
            values: values.iter().cloned().collect(),
        })
    }

    /// `key In (value)`: what a `matchLabels` entry means.
    pub fn equals(key: &str, value: &str) -> Self {
        Self::single(key, Operator::In, value)
    }

    /// One requirement per key that `labels` has, on that key's value: how `matchLabelKeys`
    /// (with `In`) and `mismatchLabelKeys` (with `NotIn`) turn a pod's own labels into selector
    /// requirements. Keys the labels lack are ignored.
    pub fn from_label_keys(keys: &[String], labels: &Labels, operator: Operator) -> Vec<Self> {
        keys.iter()
            .filter_map(|key| {
                labels
                    .get(key)
                    .map(|value| Self::single(key, operator, value))
            })
            .collect()
    }

    fn single(key: &str, operator: Operator, value: &str) -> Self {
        Requirement {
            key: key.to_owned(),
            operator,
            values: BTreeSet::from([value.to_owned()]),
        }
    }

    /// Whether the labels satisfy this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A parsed label selector.
// K8S: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (internalSelector, nothingSelector)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// What a nil `*LabelSelector` becomes: matches no label set, and adding requirements to it
    /// leaves it matching nothing.
    Nothing,
    /// All requirements must hold; with none, every label set matches.
    All(Vec<Requirement>),
}

impl Selector {
    /// Parses an API selector: `None` gives [`Selector::Nothing`], `{}` gives a selector that
    /// matches everything.
    // K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector)
    pub fn parse(selector: Option<&LabelSelector>) -> Result<Self, String> {
        let Some(selector) = selector else {
            return Ok(Selector::Nothing);
        };
        let from_labels = selector
            .match_labels
            .iter()
            .flatten()
            .map(|(key, value)| Ok(Requirement::equals(key, value)));
        let from_expressions = selector.match_expressions.iter().flatten().map(|e| {
            let values = e.values.as_deref().unwrap_or_default();
            Requirement::new(&e.key, parse_operator(&e.operator)?, values)
        });
        from_labels
            .chain(from_expressions)
            .collect::<Result<_, _>>()
            .map(Selector::All)
    }

    /// Whether the labels satisfy the selector.
    pub fn matches(&self, labels: &Labels) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::All(requirements) => requirements.iter().all(|r| r.matches(labels)),
        }
    }

    /// True for a selector without requirements (it matches everything), false for
    /// [`Selector::Nothing`]. Upstream's `Selector.Empty()`, which some callers treat as
    /// "select nothing to count" and others as "select everything".
    pub fn is_empty(&self) -> bool {
        matches!(self, Selector::All(requirements) if requirements.is_empty())
    }

    /// ANDs more requirements in; [`Selector::Nothing`] stays as it is.
    // K8S: labels.nothingSelector.Add returns itself.
    pub fn and(self, extra: impl IntoIterator<Item = Requirement>) -> Self {
        match self {
            Selector::Nothing => Selector::Nothing,
            Selector::All(mut requirements) => {
                requirements.extend(extra);
                Selector::All(requirements)
            }
        }
    }
}

/// The API spelling of an operator.
fn parse_operator(operator: &str) -> Result<Operator, String> {
    match operator {
        "In" => Ok(Operator::In),
        "NotIn" => Ok(Operator::NotIn),
        "Exists" => Ok(Operator::Exists),
        "DoesNotExist" => Ok(Operator::DoesNotExist),
        other => Err(format!("{other:?} is not a valid label selector operator")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expression(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    fn parse(expressions: Vec<LabelSelectorRequirement>) -> Result<Selector, String> {
        Selector::parse(Some(&LabelSelector {
            match_expressions: Some(expressions),
            match_labels: None,
        }))
    }

    #[test]
    fn nil_matches_nothing_and_empty_matches_everything() {
        let nothing = Selector::parse(None).unwrap();
        let everything = Selector::parse(Some(&LabelSelector::default())).unwrap();
        assert!(!nothing.matches(&labels(&[])));
        assert!(!nothing.is_empty());
        assert!(everything.matches(&labels(&[("a", "b")])));
        assert!(everything.is_empty());
        assert_eq!(
            nothing.and([Requirement::equals("a", "b")]),
            Selector::Nothing
        );
    }

    #[test]
    fn label_keys_become_requirements_on_own_values() {
        let own = labels(&[("app", "web"), ("rev", "7")]);
        let keys = ["rev".to_string(), "absent".to_string()];
        let selector =
            Selector::All(vec![]).and(Requirement::from_label_keys(&keys, &own, Operator::In));
        assert!(selector.matches(&labels(&[("rev", "7")])));
        assert!(!selector.matches(&labels(&[("rev", "8")])));
        let mismatch =
            Selector::All(vec![]).and(Requirement::from_label_keys(&keys, &own, Operator::NotIn));
        assert!(mismatch.matches(&labels(&[("rev", "8")])));
        assert!(!mismatch.matches(&labels(&[("rev", "7")])));
    }

    #[test]
    fn operators() {
        let pod = labels(&[("service", "securityscan"), ("tier", "")]);
        let cases = [
            (expression("service", "In", &["securityscan", "x"]), true),
            (expression("service", "In", &["x"]), false),
            (expression("service", "NotIn", &["x"]), true),
            (expression("service", "NotIn", &["securityscan"]), false),
            (expression("missing", "NotIn", &["x"]), true),
            (expression("tier", "Exists", &[]), true),
            (expression("missing", "Exists", &[]), false),
            (expression("missing", "DoesNotExist", &[]), true),
            (expression("tier", "DoesNotExist", &[]), false),
        ];
        for (expr, want) in cases {
            let name = format!("{expr:?}");
            assert_eq!(parse(vec![expr]).unwrap().matches(&pod), want, "{name}");
        }
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let selector = Selector::parse(Some(&LabelSelector {
            match_labels: Some(labels(&[("app", "web")])),
            match_expressions: Some(vec![expression("env", "NotIn", &["prod"])]),
        }))
        .unwrap();
        assert!(selector.matches(&labels(&[("app", "web"), ("env", "dev")])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("env", "prod")])));
        assert!(!selector.matches(&labels(&[("env", "dev")])));
    }

    #[test]
    fn malformed_requirements_are_errors() {
        assert!(parse(vec![expression("a", "In", &[])]).is_err());
        assert!(parse(vec![expression("a", "Exists", &["x"])]).is_err());
        let err = parse(vec![expression("a", "Equals", &["x"])]).unwrap_err();
        assert_eq!(err, "\"Equals\" is not a valid label selector operator");
    }
}
