//! The report's charts as SVG text, drawn with `plotters`' SVG backend. Plotters is built
//! without font features: text goes out as SVG `<text>` elements for the browser to set, so no
//! font files or fontconfig are needed and the bytes do not depend on the machine.

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;

use super::metrics::{ClusterStep, Metrics, Span, State};
use super::tables::STARTUP_SLO_MS;

/// What drawing can fail with (plotters reports errors through its backend).
pub type ChartError = Box<dyn std::error::Error>;

/// At most this many container rows in the pod timeline.
const TIMELINE_ROWS: usize = 50;
/// At most this many nodes in the allocation charts.
const NODES_DRAWN: usize = 10;
const WIDTH: u32 = 960;

/// A named series of `(x, y)` points drawn as a line.
struct Series {
    name: String,
    points: Vec<(f64, f64)>,
}

fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// Draws into an SVG string of the given size.
fn svg(
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(out)
}

/// A step series (`(t, value)` from each instant on) as line points up to `end`.
fn steps(values: impl Iterator<Item = (u64, f64)>, end: u64) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    let mut last = 0.0;
    for (t, v) in values {
        points.push((seconds(t), last));
        points.push((seconds(t), v));
        last = v;
    }
    points.push((seconds(end), last));
    points
}

/// A line chart of several series; `marker` draws a dashed vertical line at an x with a label.
fn lines(
    caption: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Series],
    marker: Option<(f64, &str)>,
) -> Result<String, ChartError> {
    let points = || series.iter().flat_map(|s| s.points.iter());
    let x_max = points()
        .map(|p| p.0)
        .chain(marker.map(|m| m.0))
        .fold(1.0, f64::max);
    let y_max = points().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    svg(360, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    color.stroke_width(2),
                ))?
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        if let Some((x, label)) = marker {
            chart.draw_series(DashedLineSeries::new(
                [(x, 0.0), (x, y_max)],
                6,
                4,
                RED.stroke_width(2),
            ))?;
            chart.draw_series([Text::new(
                label.to_string(),
                (x, y_max * 0.95),
                ("sans-serif", 14).into_font().color(&RED),
            )])?;
        }
        if !series.is_empty() {
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE.mix(0.8))
                .draw()?;
        }
        Ok(())
    })
}

/// A line chart of named series (a sweep's metric against its first axis).
pub fn series_chart(
    caption: &str,
    x_desc: &str,
    y_desc: &str,
    series: Vec<(String, Vec<(f64, f64)>)>,
) -> Result<String, ChartError> {
    let series: Vec<Series> = series
        .into_iter()
        .map(|(name, points)| Series { name, points })
        .collect();
    lines(caption, x_desc, y_desc, &series, None)
}

/// Pods created and not yet bound, over time.
pub fn unscheduled(m: &Metrics) -> Result<String, ChartError> {
    let series = Series {
        name: "unscheduled pods".into(),
        points: steps(m.unscheduled.iter().map(|&(t, n)| (t, n as f64)), m.end),
    };
    lines(
        "Pending pods not yet scheduled",
        "simulated time (s)",
        "pods",
        &[series],
        None,
    )
}

/// The whole cluster's CPU and memory requested as a share of its allocatable, which moves
/// with both the pods and the nodes (a capacity planner's headroom).
pub fn cluster(m: &Metrics) -> Result<String, ChartError> {
    let steps_of = |share: fn(&ClusterStep) -> f64| {
        let values = m
            .cluster_requested()
            .into_iter()
            .map(move |step| (step.t, share(&step) / 10.0));
        steps(values, m.end)
    };
    let mut series = vec![
        Series {
            name: "CPU requested".into(),
            points: steps_of(|s| s.per_mille().0),
        },
        Series {
            name: "memory requested".into(),
            points: steps_of(|s| s.per_mille().1),
        },
    ];
    // The kubelets' readings, when the trace has them.
    if !m.memory_used.is_empty() {
        series.push(Series {
            name: "memory used".into(),
            points: steps_of(ClusterStep::used_per_mille),
        });
    }
    lines(
        "Cluster requests and memory use (% of allocatable)",
        "simulated time (s)",
        "% of allocatable",
        &series,
        None,
    )
}

/// Nodes in the cluster beside the pods waiting for one: what a cluster autoscaler (or a
/// node that joins or leaves) does to pending pods.
pub fn nodes(m: &Metrics) -> Result<String, ChartError> {
    let series = [
        Series {
            name: "nodes".into(),
            points: steps(m.node_count().iter().map(|&(t, n)| (t, n as f64)), m.end),
        },
        Series {
            name: "unscheduled pods".into(),
            points: steps(m.unscheduled.iter().map(|&(t, n)| (t, n as f64)), m.end),
        },
    ];
    lines(
        "Nodes and pending pods",
        "simulated time (s)",
        "count",
        &series,
        None,
    )
}

/// The replicas each HorizontalPodAutoscaler set, from its first rescale on.
pub fn rescales(m: &Metrics) -> Result<String, ChartError> {
    let series: Vec<Series> = m
        .rescales
        .iter()
        .map(|(hpa, sizes)| {
            let mut points = steps(sizes.iter().map(|&(t, n)| (t, n as f64)), m.end);
            // The size before the first rescale is not in the trace: start the line there.
            points.remove(0);
            Series {
                name: format!("{hpa} replicas"),
                points,
            }
        })
        .collect();
    lines(
        "Replicas set by HorizontalPodAutoscalers",
        "simulated time (s)",
        "replicas",
        &series,
        None,
    )
}

/// Container restarts and OOM kills, cumulative over time.
pub fn restarts(m: &Metrics) -> Result<String, ChartError> {
    let cumulative = |instants: &[u64]| {
        steps(
            instants
                .iter()
                .enumerate()
                .map(|(i, &t)| (t, (i + 1) as f64)),
            m.end,
        )
    };
    let series = [
        Series {
            name: "container restarts".into(),
            points: cumulative(&m.restarts),
        },
        Series {
            name: "OOMKilled".into(),
            points: cumulative(&m.oom_kills),
        },
    ];
    lines(
        "Restarts and OOM kills (cumulative)",
        "simulated time (s)",
        "count",
        &series,
        None,
    )
}

/// Requested CPU (cores) or memory (MiB) of each node over time.
pub fn allocation(m: &Metrics, memory: bool) -> Result<String, ChartError> {
    let series: Vec<Series> = m
        .nodes
        .iter()
        .take(NODES_DRAWN)
        .map(|(name, allocations)| Series {
            name: name.clone(),
            points: steps(
                allocations.iter().map(|a| {
                    let value = if memory {
                        a.memory as f64 / (1024.0 * 1024.0)
                    } else {
                        a.milli_cpu as f64 / 1000.0
                    };
                    (a.t, value)
                }),
                m.end,
            ),
        })
        .collect();
    let shown = if m.nodes.len() > NODES_DRAWN {
        format!(" (first {NODES_DRAWN} of {} nodes)", m.nodes.len())
    } else {
        String::new()
    };
    let (what, unit) = if memory {
        ("memory", "MiB")
    } else {
        ("CPU", "cores")
    };
    lines(
        &format!("Node {what} requested{shown}"),
        "simulated time (s)",
        unit,
        &series,
        None,
    )
}

/// The cumulative distributions of scheduling and startup latency, with the startup SLO.
pub fn latency(m: &Metrics) -> Result<String, ChartError> {
    let cdf = |name: &str, values: Vec<u64>| {
        let n = values.len() as f64;
        let points = values
            .iter()
            .enumerate()
            .map(|(i, &v)| (seconds(v), (i + 1) as f64 * 100.0 / n))
            .collect();
        Series {
            name: format!("{name} ({} pods)", values.len()),
            points,
        }
    };
    let series = [
        cdf("scheduling: created → bound", m.scheduling_latencies()),
        cdf("startup: created → Ready", m.startup_latencies()),
    ];
    lines(
        "Latency distributions (share of pods within x)",
        "latency (s)",
        "% of pods",
        &series,
        Some((seconds(STARTUP_SLO_MS), " SLO 5s (p99)")),
    )
}

/// `kubesim validate`'s errors: each aligned record's real minus simulated instant (ms)
/// against its simulated instant, with the tolerance band dashed.
pub fn deviation(
    scenario: &str,
    points: &[(u64, i64)],
    tolerance_ms: u64,
) -> Result<String, ChartError> {
    let x_max = points.iter().map(|p| seconds(p.0)).fold(1.0, f64::max) * 1.05;
    let band = tolerance_ms as f64;
    let y_max = points
        .iter()
        .map(|p| p.1.unsigned_abs() as f64)
        .fold(band, f64::max)
        * 1.2;
    svg(360, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("{scenario}: real minus simulated instant, per record"),
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_max, -y_max..y_max)?;
        chart
            .configure_mesh()
            .x_desc("simulated instant (s)")
            .y_desc("error (ms)")
            .draw()?;
        for y in [band, -band] {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, y), (x_max, y)],
                6,
                4,
                RED.stroke_width(1),
            ))?;
        }
        chart.draw_series([Text::new(
            format!(" tolerance ±{tolerance_ms} ms"),
            (0.0, band),
            ("sans-serif", 14).into_font().color(&RED),
        )])?;
        chart.draw_series(
            points
                .iter()
                .map(|&(at, error)| Circle::new((seconds(at), error as f64), 3, BLUE.filled())),
        )?;
        Ok(())
    })
}

/// The colour of a container state: back-offs stand out from ordinary waiting.
fn color(span: &Span) -> RGBColor {
    let reason = span.reason.as_deref().unwrap_or("");
    match span.state {
        State::Waiting if reason.ends_with("BackOff") || reason == "ErrImagePull" => {
            RGBColor(214, 69, 65)
        }
        State::Waiting => RGBColor(240, 180, 60),
        State::Running => RGBColor(70, 160, 90),
        State::Terminated if reason == "Completed" => RGBColor(150, 150, 150),
        State::Terminated => RGBColor(120, 60, 150),
    }
}

/// Legend entries of the timeline, one per colour.
const TIMELINE_LEGEND: [(&str, State, &str); 5] = [
    ("waiting", State::Waiting, "ContainerCreating"),
    ("back-off", State::Waiting, "CrashLoopBackOff"),
    ("running", State::Running, ""),
    ("terminated: Completed", State::Terminated, "Completed"),
    ("terminated: error or OOMKilled", State::Terminated, "Error"),
];

/// A Gantt chart of each container's states, one row per container of the first pods.
pub fn timeline(m: &Metrics) -> Result<String, ChartError> {
    let rows: Vec<(String, &[Span])> = m
        .pods
        .iter()
        .flat_map(|p| {
            p.containers.iter().map(move |c| {
                let init = if c.init { " (init)" } else { "" };
                (format!("{}/{}{init}", p.name, c.name), c.spans.as_slice())
            })
        })
        .take(TIMELINE_ROWS)
        .collect();
    let total: usize = m.pods.iter().map(|p| p.containers.len()).sum();
    let caption = if total > rows.len() {
        format!(
            "Container states (first {} of {total} containers)",
            rows.len()
        )
    } else {
        "Container states".to_string()
    };
    let n = rows.len().max(1);
    let x_max = seconds(m.end).max(1.0);
    let height = 120 + 22 * n as u32;
    svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&caption, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(260)
            .build_cartesian_2d(0.0..x_max, (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => (n - 1)
                    .checked_sub(*i)
                    .and_then(|row| rows.get(row))
                    .map_or(String::new(), |(name, _)| name.clone()),
                _ => String::new(),
            })
            .x_desc("simulated time (s)")
            .draw()?;
        let bars = rows.iter().enumerate().flat_map(|(row, (_, spans))| {
            let y = n - 1 - row;
            spans.iter().map(move |s| {
                let end = s.end.map_or(x_max, seconds);
                Rectangle::new(
                    [
                        (seconds(s.start), SegmentValue::Exact(y)),
                        (end, SegmentValue::Exact(y + 1)),
                    ],
                    color(s).filled(),
                )
            })
        });
        chart.draw_series(bars)?;
        for (label, state, reason) in TIMELINE_LEGEND {
            let fill = color(&Span {
                start: 0,
                end: None,
                state,
                reason: Some(reason.to_string()),
            });
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, SegmentValue<usize>)>>())?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], fill.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .draw()?;
        Ok(())
    })
}
