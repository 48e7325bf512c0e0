//! The HTML page (`index.html`): the tables and the charts, SVGs inlined, no scripts, fonts or
//! anything fetched, so it opens from a CI artifact or a mail attachment alike.

use std::fmt::Write as _;

use super::charts::{self, ChartError};
use super::metrics::Metrics;
use super::tables::Tables;

const STYLE: &str = "body{font-family:sans-serif;margin:2em;max-width:1000px}\
table{border-collapse:collapse;margin:.5em 0}\
th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}\
th{background:#eee}figure{margin:1em 0}svg{max-width:100%;height:auto}";

/// Renders the page.
pub fn render(tables: &Tables, metrics: &Metrics) -> Result<String, ChartError> {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n\
         <p>{source}</p>\n",
        title = escape(&tables.title),
        source = escape(&tables.source),
    );
    for table in &tables.tables {
        let _ = write!(
            out,
            "<h2>{}</h2>\n<p>{}</p>\n",
            escape(&table.title),
            escape(&table.note)
        );
        if table.rows.is_empty() {
            out.push_str("<p>None.</p>\n");
            continue;
        }
        out.push_str("<table>\n<tr>");
        for column in &table.columns {
            let _ = write!(out, "<th>{}</th>", escape(column));
        }
        out.push_str("</tr>\n");
        for row in &table.rows {
            out.push_str("<tr>");
            for cell in row {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>Charts</h2>\n");
    let mut figures = vec![
        charts::timeline(metrics)?,
        charts::unscheduled(metrics)?,
        charts::cluster(metrics)?,
        charts::allocation(metrics, false)?,
        charts::allocation(metrics, true)?,
        charts::restarts(metrics)?,
        charts::latency(metrics)?,
    ];
    // Only traces where an HPA rescaled get the replicas chart, and only those where nodes
    // came or went get the nodes chart.
    if !metrics.rescales.is_empty() {
        figures.insert(2, charts::rescales(metrics)?);
    }
    if metrics.node_count().len() > 1 {
        figures.insert(2, charts::nodes(metrics)?);
    }
    for svg in figures {
        let _ = write!(out, "<figure>\n{}\n</figure>\n", svg.trim());
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

/// Escapes text for HTML content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
