//! Times as kubectl shows them: ages (`HumanDuration`), RFC 3339 and RFC 1123Z timestamps.
//!
//! Simulated time 0 is the wall-clock instant [`EPOCH_UNIX_SECONDS`] (2025-01-01T00:00:00Z), so
//! that rendered objects carry real-looking, reproducible timestamps.

use k8s_openapi::jiff;

use crate::engine::SimTime;

/// The wall-clock instant that simulated time 0 stands for: 2025-01-01T00:00:00Z.
pub const EPOCH_UNIX_SECONDS: i64 = 1_735_689_600;

/// The API timestamp of a simulated instant (second precision, as `metav1.Time` serialises).
pub fn timestamp(t: SimTime) -> jiff::Timestamp {
    jiff::Timestamp::from_second(EPOCH_UNIX_SECONDS + (t.as_millis() / 1000) as i64)
        .expect("simulated times stay within jiff's range")
}

/// A simulated instant as Unix time in nanoseconds (Go's `time.Time.UnixNano`).
pub fn unix_nanos(t: SimTime) -> i64 {
    EPOCH_UNIX_SECONDS * 1_000_000_000 + t.as_millis() as i64 * 1_000_000
}

/// `2025-01-01T00:00:05Z`.
pub fn rfc3339(t: SimTime) -> String {
    timestamp(t).strftime(RFC3339).to_string()
}

/// `2025-01-01T00:00:05.250000Z`, as `metav1.MicroTime` serialises.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/micro_time.go (RFC3339Micro)
pub fn rfc3339_micro(t: SimTime) -> String {
    let at = jiff::Timestamp::from_millisecond(EPOCH_UNIX_SECONDS * 1000 + t.as_millis() as i64)
        .expect("simulated times stay within jiff's range");
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

const RFC3339: &str = "%Y-%m-%dT%H:%M:%SZ";
const RFC1123Z: &str = "%a, %d %b %Y %H:%M:%S +0000";

/// The timestamp of an instant that may never have happened: the container runtime reports
/// one that did not as the Unix epoch (a container that failed to start has
/// `startedAt: 1970-01-01T00:00:00Z`).
// K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (toKubeContainerStatus converts the
// CRI's StartedAt with time.Unix(0, n); containerd reports 0 for a task that never started)
fn timestamp_or_epoch(t: Option<SimTime>) -> jiff::Timestamp {
    t.map_or(jiff::Timestamp::UNIX_EPOCH, timestamp)
}

/// [`rfc3339`] of an instant that may never have happened (see [`timestamp_or_epoch`]).
pub fn rfc3339_or_epoch(t: Option<SimTime>) -> String {
    timestamp_or_epoch(t).strftime(RFC3339).to_string()
}

/// [`rfc1123z`] of an instant that may never have happened (see [`timestamp_or_epoch`]).
pub fn rfc1123z_or_epoch(t: Option<SimTime>) -> String {
    timestamp_or_epoch(t).strftime(RFC1123Z).to_string()
}

/// The simulated instant of an RFC 3339 timestamp written by [`rfc3339`], if it is one.
pub fn parse_rfc3339(text: &str) -> Option<SimTime> {
    let t: jiff::Timestamp = text.parse().ok()?;
    let seconds = u64::try_from(t.as_second() - EPOCH_UNIX_SECONDS).ok()?;
    Some(SimTime::from_secs(seconds))
}

/// `Wed, 01 Jan 2025 00:00:05 +0000`, as `kubectl describe` prints times (kubectl's local time
/// zone taken as UTC).
pub fn rfc1123z(t: SimTime) -> String {
    timestamp(t).strftime(RFC1123Z).to_string()
}

/// The age of something that happened at `then`, seen at `now`. Like kubectl, it measures from
/// the timestamp as serialised (whole seconds).
// K8S: pkg/printers/internalversion/printers.go (translateTimestampSince)
pub fn age(now: SimTime, then: SimTime) -> String {
    let then_ms = then.as_millis() / 1000 * 1000;
    human_duration(now.as_millis() as i64 - then_ms as i64)
}

/// Kubernetes' `HumanDuration`: a rough, readable duration (`45s`, `2m5s`, `15m`, `3h10m`, `2d4h`).
// K8S: staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go (HumanDuration)
pub fn human_duration(millis: i64) -> String {
    // Go's `int(d.Seconds())` truncates toward zero: 1.5 s ahead is still "0s".
    let seconds = millis / 1000;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    // K8S: staging/src/k8s.io/apimachinery/pkg/util/duration/duration_test.go (TestHumanDuration)
    #[test]
    fn human_duration_matches_upstream_table() {
        let s = 1000;
        let m = 60 * s;
        let h = 60 * m;
        let d = 24 * h;
        let y = 365 * d;
        let cases = [
            (s, "1s"),
            (59 * s, "59s"),
            (60 * s, "60s"),
            (119 * s, "119s"),
            (2 * m, "2m"),
            (2 * m + s, "2m1s"),
            (9 * m + 59 * s, "9m59s"),
            (10 * m, "10m"),
            (10 * m + s, "10m"),
            (3 * h - 1, "179m"),
            (3 * h, "3h"),
            (3 * h + m, "3h1m"),
            (8 * h - 1, "7h59m"),
            (8 * h, "8h"),
            (48 * h - 1, "47h"),
            (48 * h, "2d"),
            (48 * h + h, "2d1h"),
            (8 * d - 1, "7d23h"),
            (8 * d, "8d"),
            (2 * y - 1, "729d"),
            (2 * y, "2y"),
            (2 * y + d, "2y1d"),
            (8 * y - 1, "7y364d"),
            (8 * y, "8y"),
            (-2 * s, "<invalid>"),
            (-2 * s - 500, "<invalid>"),
            (-s - 500, "0s"),
            (-s, "0s"),
            (0, "0s"),
        ];
        for (millis, want) in cases {
            assert_eq!(human_duration(millis), want, "{millis} ms");
        }
    }

    #[test]
    fn timestamps_render_from_the_epoch() {
        let t = SimTime::from_millis(65_500);
        assert_eq!(rfc3339(t), "2025-01-01T00:01:05Z");
        assert_eq!(rfc1123z(t), "Wed, 01 Jan 2025 00:01:05 +0000");
        assert_eq!(
            age(SimTime::from_millis(45_200), SimTime::from_millis(500)),
            "45s"
        );
        assert_eq!(unix_nanos(t), 1_735_689_665_500_000_000);
    }
}
