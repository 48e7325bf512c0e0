//! A LimitRange's API defaults and validation: a `Container` item's missing default limit comes
//! from its max and its missing default request from the default limit (then the min), which is
//! how a defaulted limit also becomes the request; then the bounds must be in order.

use serde_json::Value;

use super::decode::Source;
use super::yaml::PathSeg;
use super::InputError;
use crate::model::resources::list_from_json;

/// Fills a LimitRange body's `Container` items: `default` from `max`, `defaultRequest` from
/// `default`, then from `min`, per resource.
// K8S: pkg/apis/core/v1/defaults.go (SetDefaults_LimitRangeItem)
pub fn apply_defaults(body: &mut Value) {
    let Some(items) = body
        .pointer_mut("/spec/limits")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for item in items.iter_mut().filter(|i| i["type"] == "Container") {
        for (target, sources) in [
            ("default", &["max"][..]),
            ("defaultRequest", &["default", "min"][..]),
        ] {
            let mut filled = item
                .get(target)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for source in sources {
                for (name, q) in item
                    .get(*source)
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    filled.entry(name.clone()).or_insert_with(|| q.clone());
                }
            }
            item[target] = Value::Object(filled);
        }
    }
}

/// Checks a defaulted LimitRange's items: bounds in order (min ≤ defaultRequest ≤ default ≤
/// max), ratios of at least 1, no defaults on a `Pod` item. The first problem is reported where
/// upstream reports it, with upstream's words.
// K8S: pkg/apis/core/validation/validation.go (ValidateLimitRange)
pub fn validate(body: &Value, src: Source<'_>) -> Result<(), InputError> {
    let items = body.pointer("/spec/limits").and_then(Value::as_array);
    for (i, item) in items.into_iter().flatten().enumerate() {
        let at = |field: &str, key: Option<&str>| {
            let mut path = vec![
                PathSeg::key("spec"),
                PathSeg::key("limits"),
                PathSeg::Index(i),
                PathSeg::key(field),
            ];
            path.extend(key.map(PathSeg::key));
            path
        };
        let fail = |field: &str, key: Option<&str>, message: String| {
            let mut name = format!("LimitRange spec.limits[{i}].{field}");
            if let Some(k) = key {
                name.push_str(&format!("[{k}]"));
            }
            Err(src.error(&at(field, key), format!("{name}: {message}")))
        };
        if item["type"] == "Pod" {
            for field in ["default", "defaultRequest"] {
                if item
                    .get(field)
                    .and_then(Value::as_object)
                    .is_some_and(|m| !m.is_empty())
                {
                    return fail(
                        field,
                        None,
                        "Forbidden: may not be specified when `type` is 'Pod'".into(),
                    );
                }
            }
        }
        let [min, max, default, request, ratio] = [
            "min",
            "max",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio",
        ]
        .map(|f| list_from_json(item.get(f)));
        let mut names: Vec<&String> = [&min, &max, &default, &request, &ratio]
            .iter()
            .flat_map(|l| l.keys())
            .collect();
        names.sort();
        names.dedup();
        for k in names {
            let (lo, hi, dv, dr) = (min.get(k), max.get(k), default.get(k), request.get(k));
            // (lower, upper, the field named, whether the upper value is the one shown, words)
            let checks = [
                (lo, hi, "min", false, "min value", "max value"),
                (
                    lo,
                    dr,
                    "defaultRequest",
                    true,
                    "min value",
                    "default request value",
                ),
                (
                    dr,
                    hi,
                    "defaultRequest",
                    false,
                    "default request value",
                    "max value",
                ),
                (
                    dr,
                    dv,
                    "defaultRequest",
                    false,
                    "default request value",
                    "default limit value",
                ),
                (lo, dv, "default", false, "min value", "default value"),
                (dv, hi, "default", true, "default value", "max value"),
            ];
            for (a, b, field, show_upper, a_words, b_words) in checks {
                if let (Some(a), Some(b)) = (a, b) {
                    if a > b {
                        let value = if show_upper { b } else { a };
                        let text = format!("{a_words} {a} is greater than {b_words} {b}");
                        return fail(
                            field,
                            Some(k),
                            format!("Invalid value: \"{value}\": {text}"),
                        );
                    }
                }
            }
            if let Some(r) = ratio.get(k).filter(|r| r.milli_value() < 1000) {
                return fail(
                    "maxLimitRequestRatio",
                    Some(k),
                    format!("Invalid value: \"{r}\": ratio {r} is less than 1"),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    fn load(spec: &str) -> Result<serde_json::Value, String> {
        let text =
            format!("apiVersion: v1\nkind: LimitRange\nmetadata: {{name: l}}\nspec:\n{spec}");
        let objects = crate::manifest::load_str(&text, "lr.yaml").map_err(|e| e.to_string())?;
        match &objects[0].object {
            crate::manifest::Object::Stored(s) => Ok(s.body.clone()),
            _ => unreachable!("a LimitRange is stored"),
        }
    }

    #[test]
    fn container_items_get_upstreams_defaults() {
        let body =
            load("  limits:\n  - type: Container\n    max: {memory: 1Gi}\n    min: {cpu: 100m}\n")
                .unwrap();
        let item = &body["spec"]["limits"][0];
        assert_eq!(item["default"], serde_json::json!({"memory": "1Gi"}));
        assert_eq!(
            item["defaultRequest"],
            serde_json::json!({"cpu": "100m", "memory": "1Gi"})
        );
    }

    #[test]
    fn bounds_out_of_order_are_refused_where_written() {
        let e = load("  limits:\n  - type: Container\n    max: {memory: 512Mi}\n    defaultRequest: {memory: 1Gi}\n").unwrap_err();
        assert_eq!(
            e,
            "lr.yaml:8:22: LimitRange spec.limits[0].defaultRequest[memory]: Invalid value: \"1Gi\": default request value 1Gi is greater than max value 512Mi"
        );
        let e = load("  limits:\n  - type: Pod\n    default: {cpu: 1}\n").unwrap_err();
        assert!(e.contains("LimitRange spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"), "{e}");
        let e = load("  limits:\n  - type: Container\n    maxLimitRequestRatio: {cpu: 500m}\n")
            .unwrap_err();
        assert!(
            e.contains("Invalid value: \"500m\": ratio 500m is less than 1"),
            "{e}"
        );
    }
}
