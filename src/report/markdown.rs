//! The Markdown summary (`summary.md`): the report's tables, exact and diffable in CI logs.

use std::fmt::Write as _;

use super::tables::Tables;

/// Renders the tables as GitHub-flavoured Markdown.
pub fn render(tables: &Tables) -> String {
    let mut out = format!("# {}\n\n{}\n", tables.title, tables.source);
    for table in &tables.tables {
        let _ = write!(out, "\n## {}\n\n{}\n\n", table.title, table.note);
        if table.rows.is_empty() {
            out.push_str("None.\n");
            continue;
        }
        row(&mut out, &table.columns);
        row(&mut out, &vec!["---".to_string(); table.columns.len()]);
        for cells in &table.rows {
            row(&mut out, cells);
        }
    }
    out
}

fn row(out: &mut String, cells: &[String]) {
    out.push('|');
    for cell in cells {
        let _ = write!(out, " {} |", cell.replace('|', "\\|"));
    }
    out.push('\n');
}
