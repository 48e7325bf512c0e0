//! The curated reports in a real browser: each `reports/*/index.html` is loaded by headless
//! Chromium, which must render every SVG chart with a size and some drawing and report no
//! error (an uncaught script error or a console error). The page is loaded from a copy with a
//! small probe script added, which writes what it found into the DOM that `--dump-dom` prints.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browsers tried, in order: Debian's `chromium-headless-shell` (what `.ci/setup-host`
/// installs), then a full Chromium.
const BROWSERS: [&str; 3] = ["chromium-headless-shell", "chromium", "google-chrome"];

/// Collects script errors and console errors from the first moment.
const PROBE_HEAD: &str = "<script>window.__problems=[];\
window.addEventListener('error',e=>__problems.push('error: '+e.message));\
const __consoleError=console.error;console.error=(...a)=>{__problems.push('console.error: '+a.join(' '));__consoleError(...a);};\
</script>";

/// After load: each SVG's rendered box and drawn elements, and the problems seen.
const PROBE_END: &str = "<script>window.addEventListener('load',()=>{\
const svgs=[...document.querySelectorAll('svg')];\
const broken=svgs.map((s,i)=>{const r=s.getBoundingClientRect();const drawn=s.querySelectorAll('line,polyline,polygon,rect,circle,path,text').length;\
return (r.width>0&&r.height>0&&drawn>0)?null:('svg '+i+': '+r.width+'x'+r.height+', '+drawn+' elements');}).filter(x=>x);\
const out=document.createElement('pre');out.id='kubesim-probe';\
out.textContent=JSON.stringify({svgs:svgs.length,broken:broken,problems:window.__problems});\
document.body.appendChild(out);});</script>";

fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    BROWSERS.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The probe's findings for `page`, loaded by `browser`.
fn probe(browser: &Path, page: &Path) -> serde_json::Value {
    let html = std::fs::read_to_string(page).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("index.html");
    let probed = html
        .replacen("<head>", &format!("<head>{PROBE_HEAD}"), 1)
        .replacen("</body>", &format!("{PROBE_END}</body>"), 1);
    std::fs::write(&copy, probed).unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", copy.display()))
        .output()
        .expect("the browser runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let found = dom
        .split_once("<pre id=\"kubesim-probe\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .unwrap_or_else(|| panic!("{}: the probe did not run\n{stderr}", page.display()))
        .0
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    serde_json::from_str(&found).unwrap()
}

#[test]
fn curated_reports_render_in_a_browser_without_errors() {
    let Some(browser) = browser() else {
        // What `.ci/setup-host` installs as root: missing is a failure, as for real mode.
        if !common::real_mode("the headless browser test") {
            return;
        }
        panic!(
            "no headless Chromium ({}): run .ci/setup-host, which installs chromium-headless-shell",
            BROWSERS.join(", ")
        );
    };
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path().join("index.html"))
        .filter(|p| p.is_file())
        .collect();
    pages.sort();
    assert!(pages.len() >= 3, "{pages:?}");
    for page in pages {
        let found = probe(&browser, &page);
        let svgs = found["svgs"].as_u64().unwrap();
        // Seven charts: timeline, pending, cluster requests, node CPU and memory requested,
        // restarts, latency; one more, replicas, when an HPA rescaled, and another, nodes,
        // when nodes came and went.
        let name = page.to_string_lossy();
        let expected = if name.contains("autoscaling-stack") {
            9
        } else if name.contains("hpa-") {
            8
        } else {
            7
        };
        assert_eq!(svgs, expected, "{}: {found}", page.display());
        assert_eq!(found["broken"], serde_json::json!([]), "{}", page.display());
        assert_eq!(
            found["problems"],
            serde_json::json!([]),
            "{}",
            page.display()
        );
    }
}

// The probe sees a broken chart and a script error: the check above can fail.
#[test]
fn the_probe_catches_an_empty_chart_and_a_script_error() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head></head><body><svg width=\"0\" height=\"10\"></svg>\
         <script>undefinedFunction();</script></body></html>",
    )
    .unwrap();
    let found = probe(&browser, &page);
    assert_eq!(found["svgs"], 1);
    assert_eq!(
        found["broken"],
        serde_json::json!(["svg 0: 0x10, 0 elements"])
    );
    let problems = found["problems"].to_string();
    assert!(
        problems.contains("undefinedFunction is not defined"),
        "{problems}"
    );
}
