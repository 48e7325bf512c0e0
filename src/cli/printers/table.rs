//! Column alignment exactly as kubectl's two tab writers do it.
//!
//! `kubectl get` pads every column to its widest cell plus 3 spaces (at least 6 wide) and never
//! pads the last cell; `kubectl describe` pads by 2 with no minimum, and aligns only runs of
//! consecutive lines that contain a tab (a line without one ends the block), like Go's
//! text/tabwriter.

/// Formats rows for `kubectl get` (liggitt/tabwriter: minwidth 6, padding 3).
// K8S: staging/src/k8s.io/cli-runtime/pkg/printers/tabwriter.go
pub fn get_table(rows: &[Vec<String>]) -> String {
    align_block(rows, 6, 3)
}

/// Formats tab-separated lines for `kubectl describe` (text/tabwriter: minwidth 0, padding 2).
// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (tabbedString)
pub fn describe_text(text: &str) -> String {
    let mut out = String::new();
    let mut block: Vec<Vec<String>> = Vec::new();
    for line in text.split_inclusive('\n') {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if line.contains('\t') {
            block.push(line.split('\t').map(str::to_string).collect());
        } else {
            if !block.is_empty() {
                out.push_str(&align_block(&block, 0, 2));
                block.clear();
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    if !block.is_empty() {
        out.push_str(&align_block(&block, 0, 2));
    }
    out
}

/// Aligns cells column by column. As in Go's tabwriter, a column's width is computed over the
/// consecutive rows that have a cell in it, and a row's last cell is written as is.
fn align_block(rows: &[Vec<String>], min_width: usize, padding: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widths[i] = widths[i].max(cell.chars().count() + padding).max(min_width);
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_columns_pad_by_three_with_minimum_six() {
        let rows = vec![
            vec!["NAME".into(), "READY".into(), "AGE".into()],
            vec!["a".into(), "1/1".into(), "5s".into()],
        ];
        assert_eq!(get_table(&rows), "NAME   READY   AGE\na      1/1     5s\n");
    }

    #[test]
    fn describe_aligns_consecutive_tabbed_lines_only() {
        let text = "Name:\tweb\nNamespace:\tdefault\nIPs:\n  IP:\t10.0.0.1\n";
        assert_eq!(
            describe_text(text),
            "Name:       web\nNamespace:  default\nIPs:\n  IP:  10.0.0.1\n"
        );
    }
}
