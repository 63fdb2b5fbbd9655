//! Time as an explicit dependency.
//!
//! Expiry logic (sessions, tokens, rate-limit windows) asks a [`Clock`] for the
//! time instead of reading the system clock deep inside, so tests can move time
//! forward without sleeping. Times are Unix seconds (`i64`) everywhere: that is
//! also how both database backends store them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in Unix seconds.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: i64) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(start)))
    }

    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }

    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Shared handle to whichever clock is in use.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock as a [`SharedClock`].
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// A point in time as people write it in a filter: a duration ago
/// ("24h", "7d") or a date or date-time in UTC ("2026-11-01",
/// "2026-11-01 12:00:00"). None when it is neither.
pub fn parse_since(s: &str, now: i64) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = humantime::parse_duration(s) {
        return Some(now.saturating_sub(d.as_secs().min(i64::MAX as u64) as i64));
    }
    let at = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    };
    if let Ok(t) = humantime::parse_rfc3339_weak(s) {
        return Some(at(t));
    }
    humantime::parse_rfc3339_weak(&format!("{s} 00:00:00"))
        .ok()
        .map(at)
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn since_is_a_duration_ago_or_a_utc_date() {
        let now = 1_764_892_800; // 2025-12-05 00:00:00 UTC
        assert_eq!(parse_since("24h", now), Some(now - 86_400));
        assert_eq!(parse_since(" 7d ", now), Some(now - 7 * 86_400));
        assert_eq!(parse_since("2025-12-04", now), Some(now - 86_400));
        assert_eq!(parse_since("2025-12-04 12:00:00", now), Some(now - 43_200));
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "-1d",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_since(bad, now), None, "{bad:?}");
        }
    }
}
