//! A thread's idle upstream connections, per upstream, oldest first: the
//! model of nginx's `keepalive` upstream pool, shared by the connections
//! hyper's HTTP/1 client drives (`local.rs`) and passgate's own
//! (`h1.rs`). Idle connections are checked when taken (a close that
//! already arrived is seen then), swept every [`SWEEP_EVERY`] by their
//! thread (an upstream that closed one leaves it half-closed, in
//! CLOSE-WAIT, only until then), and dropped after [`IDLE_TIMEOUT`]. The
//! sweep reads readiness the reactor has already recorded (no system call
//! for a connection with nothing to read), off the request path.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use http::uri::Authority;

/// How long an unused upstream connection is kept (most servers close
/// theirs after 60–120 s; Node's default is 5 s, which the check on taking
/// a connection covers).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(50);
/// How often a thread looks through its idle upstream connections for
/// ones the upstream has closed.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Idle upstream connections kept per upstream (and thread).
const MAX_IDLE: usize = 128;

/// Idle connections of type `C`, per upstream.
pub struct IdleLists<C> {
    lists: Vec<(Authority, VecDeque<(C, Instant)>)>,
}

impl<C> IdleLists<C> {
    pub const fn new() -> Self {
        IdleLists { lists: Vec::new() }
    }

    /// The newest idle connection to `key` that `usable` accepts; older
    /// ones it refuses on the way are dropped.
    pub fn take(&mut self, key: &Authority, mut usable: impl FnMut(&mut C) -> bool) -> Option<C> {
        let (_, list) = self.lists.iter_mut().find(|(k, _)| k == key)?;
        while let Some((mut conn, since)) = list.pop_back() {
            if since.elapsed() > IDLE_TIMEOUT {
                // Everything older is at the front: all of it is stale.
                list.clear();
                return None;
            }
            if usable(&mut conn) {
                return Some(conn);
            }
        }
        None
    }

    /// Keep `conn` (its exchange complete) for the next request to `key`;
    /// past the limit, the oldest goes.
    pub fn give_back(&mut self, key: &Authority, conn: C) {
        let i = match self.lists.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.lists.push((key.clone(), VecDeque::new()));
                self.lists.len() - 1
            }
        };
        let list = &mut self.lists[i].1;
        if list.len() >= MAX_IDLE {
            list.pop_front();
        }
        list.push_back((conn, Instant::now()));
    }

    /// Drop the connections that are too old or that `usable` refuses.
    pub fn purge(&mut self, mut usable: impl FnMut(&mut C) -> bool) {
        for (_, list) in self.lists.iter_mut() {
            list.retain_mut(|(c, since)| since.elapsed() <= IDLE_TIMEOUT && usable(c));
        }
        self.lists.retain(|(_, l)| !l.is_empty());
    }

    /// Drop them all (at shutdown).
    pub fn clear(&mut self) {
        self.lists.clear();
    }
}

impl<C> Default for IdleLists<C> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_usable_connection_is_taken_and_refused_ones_dropped() {
        let a = Authority::from_static("a:80");
        let b = Authority::from_static("b:80");
        let mut l = IdleLists::new();
        for n in 1..=3 {
            l.give_back(&a, n);
        }
        l.give_back(&b, 10);
        assert_eq!(l.take(&a, |_| true), Some(3), "newest first");
        // 2 is refused (closed, say) and dropped; 1 is taken.
        assert_eq!(l.take(&a, |c| *c != 2), Some(1));
        assert_eq!(l.take(&a, |_| true), None);
        assert_eq!(l.take(&b, |_| true), Some(10), "lists are per upstream");
        assert_eq!(l.take(&Authority::from_static("c:80"), |_| true), None);
    }

    #[test]
    fn past_the_limit_the_oldest_goes_and_purge_drops_the_refused() {
        let a = Authority::from_static("a:80");
        let mut l = IdleLists::new();
        for n in 0..MAX_IDLE + 2 {
            l.give_back(&a, n);
        }
        l.purge(|c| *c % 2 == 0);
        let mut left = Vec::new();
        while let Some(c) = l.take(&a, |_| true) {
            left.push(c);
        }
        assert_eq!(left.len(), MAX_IDLE / 2);
        assert!(
            left.iter().all(|c| *c % 2 == 0 && *c >= 2),
            "0 and 1 went first: {left:?}"
        );
        l.give_back(&a, 1);
        l.clear();
        assert_eq!(l.take(&a, |_| true), None);
    }
}
