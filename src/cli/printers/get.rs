//! `kubectl get`: the API server's tables (src/apiserver/tables) printed as kubectl's table
//! printer prints them.

use super::table::get_table;
use crate::apiserver::tables::{ListFilter, Table};
use crate::model::labels::Selector;

/// What to list and how.
#[derive(Clone)]
pub struct GetOptions<'a> {
    pub namespace: Option<&'a str>,
    pub all_namespaces: bool,
    pub selector: Selector,
    pub wide: bool,
    pub show_labels: bool,
    pub name: Option<&'a str>,
    /// Put before every name, as `kubectl get all` writes `pod/web` (empty otherwise).
    pub name_prefix: &'a str,
}

impl GetOptions<'_> {
    /// The API's list filter these options ask for.
    pub fn filter(&self) -> ListFilter<'_> {
        ListFilter {
            namespace: (!self.all_namespaces).then(|| self.namespace.unwrap_or("default")),
            name: self.name,
            selector: &self.selector,
        }
    }
}

fn labels_text(labels: &std::collections::BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        "<none>".to_string()
    } else {
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The table as text: the columns of priority 0 (and 1 with `-o wide`) upper-cased, NAMESPACE
/// first with `-A` for namespaced kinds, LABELS last with `--show-labels`; `None` when it has
/// no rows.
// K8S: staging/src/k8s.io/cli-runtime/pkg/printers/tableprinter.go (printTable: ToUpper, the
// namespace column, the labels column)
pub fn text(table: &Table, opts: &GetOptions<'_>) -> Option<String> {
    if table.rows.is_empty() {
        return None;
    }
    let shown: Vec<usize> = (0..table.columns.len())
        .filter(|&i| table.columns[i].priority == 0 || opts.wide)
        .collect();
    let namespaced = table.rows.iter().any(|r| !r.namespace.is_empty());
    let with_namespace = opts.all_namespaces && namespaced;
    let mut header: Vec<String> = shown
        .iter()
        .map(|&i| table.columns[i].name.to_uppercase())
        .collect();
    if with_namespace {
        header.insert(0, "NAMESPACE".into());
    }
    if opts.show_labels {
        header.push("LABELS".into());
    }
    let mut lines = vec![header];
    for row in &table.rows {
        let mut cells: Vec<String> = shown.iter().map(|&i| row.cells[i].clone()).collect();
        cells[0].insert_str(0, opts.name_prefix);
        if with_namespace {
            cells.insert(0, row.namespace.clone());
        }
        if opts.show_labels {
            cells.push(labels_text(&row.labels));
        }
        lines.push(cells);
    }
    Some(get_table(&lines))
}
