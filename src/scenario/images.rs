//! `spec.images`: images the scenario declares beyond the catalogue, with whether they exist,
//! the tags they have and whether pulls need credentials.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::kubelet::registry::DeclaredImage;
use crate::manifest::decode::Source;
use crate::manifest::yaml::PathSeg;
use crate::manifest::InputError;

/// One `images:` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawImage {
    name: String,
    tags: Option<Vec<String>>,
    #[serde(default = "yes")]
    exists: bool,
    #[serde(default)]
    private: bool,
}

fn yes() -> bool {
    true
}

/// Validates the entries found at `path`.
pub fn parse(
    raw: &[RawImage],
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<Vec<DeclaredImage>, InputError> {
    let mut seen = BTreeSet::new();
    let mut declared = Vec::new();
    for (i, entry) in raw.iter().enumerate() {
        let at = |field: &str| [path, &[PathSeg::Index(i), PathSeg::key(field)]].concat();
        let name_start = entry.name.rfind('/').map_or(0, |slash| slash + 1);
        if entry.name.is_empty() || entry.name[name_start..].contains([':', '@']) {
            return Err(src
                .error(
                    &at("name"),
                    format!("\"{}\" is not an image name without a tag", entry.name),
                )
                .with_hint(Some(
                    "name the repository (`registry.example.com/team/app`) and list its tags under `tags:`"
                        .to_string(),
                )));
        }
        let repository = crate::kubelet::behaviour::catalogue::repository(&entry.name);
        if !seen.insert(repository) {
            return Err(src.error(
                &at("name"),
                format!("image \"{}\" is declared twice", entry.name),
            ));
        }
        if !entry.exists && (entry.tags.is_some() || entry.private) {
            return Err(src.error(
                &at("exists"),
                "an image that does not exist has no `tags:` and is not `private:`",
            ));
        }
        declared.push(DeclaredImage {
            name: entry.name.clone(),
            tags: entry.tags.clone(),
            exists: entry.exists,
            private: entry.private,
        });
    }
    Ok(declared)
}
