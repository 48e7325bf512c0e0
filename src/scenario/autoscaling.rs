//! `spec.clusterAutoscaler`: the cluster autoscaler's flags, named as upstream names them (in
//! camelCase), each defaulting to upstream's value.

use serde::Deserialize;

use super::parse_duration_field;
use crate::autoscaler::config::{Expander, Options};
use crate::manifest::decode::Source;
use crate::manifest::yaml::PathSeg;
use crate::manifest::InputError;

/// The block as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawOptions {
    scan_interval: Option<String>,
    scale_down_delay_after_add: Option<String>,
    scale_down_delay_after_delete: Option<String>,
    scale_down_unneeded_time: Option<String>,
    scale_down_unready_time: Option<String>,
    scale_down_utilization_threshold: Option<f64>,
    max_graceful_termination_sec: Option<i64>,
    max_empty_bulk_delete: Option<usize>,
    new_pod_scale_up_delay: Option<String>,
    max_nodes_total: Option<usize>,
    expander: Option<String>,
}

/// The options, with upstream's defaults for what the block leaves out.
pub(super) fn parse(raw: &RawOptions, src: Source<'_>) -> Result<Options, InputError> {
    let at = |field: &str| {
        vec![
            PathSeg::key("spec"),
            PathSeg::key("clusterAutoscaler"),
            PathSeg::key(field),
        ]
    };
    let mut o = Options::default();
    let durations = [
        ("scanInterval", &raw.scan_interval, &mut o.scan_interval),
        (
            "scaleDownDelayAfterAdd",
            &raw.scale_down_delay_after_add,
            &mut o.scale_down_delay_after_add,
        ),
        (
            "scaleDownDelayAfterDelete",
            &raw.scale_down_delay_after_delete,
            &mut o.scale_down_delay_after_delete,
        ),
        (
            "scaleDownUnneededTime",
            &raw.scale_down_unneeded_time,
            &mut o.scale_down_unneeded_time,
        ),
        (
            "scaleDownUnreadyTime",
            &raw.scale_down_unready_time,
            &mut o.scale_down_unready_time,
        ),
        (
            "newPodScaleUpDelay",
            &raw.new_pod_scale_up_delay,
            &mut o.new_pod_scale_up_delay,
        ),
    ];
    for (field, given, value) in durations {
        if let Some(text) = given {
            *value = parse_duration_field(text, src, &at(field))?;
        }
    }
    if o.scan_interval == crate::engine::SimDuration::ZERO {
        return Err(src.error(&at("scanInterval"), "scanInterval must be greater than 0"));
    }
    if let Some(t) = raw.scale_down_utilization_threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(src.error(
                &at("scaleDownUtilizationThreshold"),
                format!("scaleDownUtilizationThreshold {t} must be between 0 and 1"),
            ));
        }
        o.scale_down_utilization_threshold = t;
    }
    if let Some(s) = raw.max_graceful_termination_sec {
        if s < 0 {
            return Err(src.error(
                &at("maxGracefulTerminationSec"),
                "maxGracefulTerminationSec must not be negative",
            ));
        }
        o.max_graceful_termination_sec = s;
    }
    o.max_empty_bulk_delete = raw.max_empty_bulk_delete.unwrap_or(o.max_empty_bulk_delete);
    o.max_nodes_total = raw.max_nodes_total.unwrap_or(o.max_nodes_total);
    if let Some(text) = &raw.expander {
        o.expander = Expander::parse(text).ok_or_else(|| {
            src.error(&at("expander"), format!("unknown expander \"{text}\""))
                .with_hint(Some(format!("use one of: {}", Expander::NAMES)))
        })?;
    }
    Ok(o)
}
