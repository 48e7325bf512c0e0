//! README's sample sessions are what the binary prints: every `$ kubesim ...` line in a fenced
//! block is run, and what follows it (up to the next `$` line or the block's end) must be its
//! output, stdout then stderr.

use crate::common;

use common::{kubesim, stderr, stdout};

/// `(command words, expected output)` of each sample in README.md.
fn samples() -> Vec<(Vec<String>, String)> {
    let text = std::fs::read_to_string("README.md").unwrap();
    let mut samples: Vec<(Vec<String>, String)> = Vec::new();
    let mut in_block = false;
    let mut current: Option<(Vec<String>, String)> = None;
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            samples.extend(current.take());
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ kubesim ") {
            samples.extend(current.take());
            let words = command.split_whitespace().map(str::to_string).collect();
            current = Some((words, String::new()));
        } else if let Some((_, out)) = current.as_mut() {
            out.push_str(line);
            out.push('\n');
        }
    }
    samples
}

#[test]
fn readme_samples_are_what_the_binary_prints() {
    let samples = samples();
    assert!(samples.len() >= 2, "README has no samples");
    for (words, expected) in samples {
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let o = kubesim(&args);
        let printed = format!("{}{}", stdout(&o), stderr(&o));
        assert_eq!(
            printed.trim_end(),
            expected.trim_end(),
            "`kubesim {}`",
            words.join(" ")
        );
    }
}
