//! A connection's deadline timer (see [`Alarm`]), used by both upstream
//! paths (`h1.rs`, `local.rs`) and by `server/h1.rs` for the header limit.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// One timer for a connection's deadlines of one kind, re-armed only when
/// it fires: a request then costs a clock read, not a timer wheel insertion
/// and removal. An HTTP/1 connection has at most one request in flight, so
/// one alarm per connection and kind of deadline covers all its requests.
#[derive(Default)]
pub struct Alarm {
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Alarm {
    /// Ready once `deadline` has passed; otherwise the task is woken no
    /// later than `deadline` (the timer holds the waker of the task that
    /// armed it: use an alarm from one task only).
    pub fn poll(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        if let Some(s) = &self.sleep
            && !s.is_elapsed()
            && s.deadline().into_std() <= deadline
        {
            // Armed in time and not fired: it will wake the task.
            return Poll::Pending;
        }
        if Instant::now() >= deadline {
            return Poll::Ready(());
        }
        let at = tokio::time::Instant::from_std(deadline);
        let sleep = match &mut self.sleep {
            Some(s) => {
                s.as_mut().reset(at);
                s
            }
            None => self.sleep.insert(Box::pin(tokio::time::sleep_until(at))),
        };
        sleep.as_mut().poll(cx)
    }

    /// Nothing is waited for now: a timer that has fired is let go (an
    /// idle connection then holds none).
    pub fn rest(&mut self) {
        if self.sleep.as_ref().is_some_and(|s| s.is_elapsed()) {
            self.sleep = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Counts the wake-ups of a pretend task.
    struct Count(AtomicUsize);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn an_alarm_wakes_its_task_at_the_deadline_and_is_then_ready() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let woken = || count.0.load(Ordering::SeqCst);
        let mut alarm = Alarm::default();
        let soon = Instant::now() + Duration::from_millis(100);
        let later = soon + Duration::from_secs(2);
        assert!(alarm.poll(&mut cx, soon).is_pending());
        // Asked again for a later deadline: still armed for the first, no
        // re-arming.
        assert!(alarm.poll(&mut cx, later).is_pending());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(woken(), 1, "woken at the first deadline");
        // Not yet the later one: re-armed for it.
        assert!(alarm.poll(&mut cx, later).is_pending());
        tokio::time::sleep_until(
            tokio::time::Instant::from_std(later) + Duration::from_millis(200),
        )
        .await;
        assert_eq!(woken(), 2, "woken again at the later deadline");
        assert!(alarm.poll(&mut cx, later).is_ready());
        // A fired timer is let go when nothing is waited for.
        alarm.rest();
        assert!(alarm.sleep.is_none());
    }
}
