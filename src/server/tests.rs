use super::request::next_request_id;
use super::*;

#[test]
fn request_ids_made_on_many_threads_are_all_different() {
    // More than a block per thread, so threads come back for more.
    let per_thread = 2_500;
    let ids: Vec<String> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..per_thread)
                        .map(|_| next_request_id())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap_or_default())
            .collect()
    });
    assert_eq!(ids.len(), 4 * per_thread);
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "every id is unique");
    let len = ids[0].len();
    assert!(
        ids.iter()
            .all(|id| id.len() == len && id.bytes().all(|b| b.is_ascii_hexdigit())),
        "{:?}",
        &ids[..3]
    );
}

#[test]
fn a_connection_goes_to_a_worker_with_two_fewer() {
    let (b, _inboxes) = Balance::new(3);
    // All idle: whoever accepted serves.
    assert_eq!(b.pick(1), 1);
    let _a = Serving::new(&b, 0);
    assert_eq!(b.pick(0), 0, "one more than the others is fine");
    let _c = Serving::new(&b, 0);
    assert_eq!(b.pick(0), 1, "two more: the first least busy takes it");
    let _d = Serving::new(&b, 1);
    let _e = Serving::new(&b, 2);
    assert_eq!(b.pick(0), 0, "loads 2/1/1: close enough");
    {
        let _f = Serving::new(&b, 0);
        assert_eq!(b.pick(0), 1, "loads 3/1/1");
    }
    assert_eq!(b.pick(0), 0, "a finished connection no longer counts");
}

/// Counts the wake-ups of a pretend task.
struct CountingWaker(std::sync::atomic::AtomicUsize);
impl std::task::Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_connection_sees_shutdown_and_is_woken_for_it() {
    let token = tokio_util::sync::CancellationToken::new();
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = std::task::Waker::from(counter.clone());
    let mut cx = std::task::Context::from_waker(&waker);
    let cancelled = std::pin::pin!(token.cancelled());
    let mut watch = ShutdownWatch::new(cancelled);
    for _ in 0..3 {
        assert!(watch.poll(&mut cx).is_pending());
    }
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    token.cancel();
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "shutdown wakes the connection's task"
    );
    assert!(watch.poll(&mut cx).is_ready());

    // Already shut down before the first look.
    let cancelled = std::pin::pin!(token.cancelled());
    assert!(ShutdownWatch::new(cancelled).poll(&mut cx).is_ready());
}

#[test]
fn a_connection_polled_with_a_new_waker_is_still_woken() {
    let token = tokio_util::sync::CancellationToken::new();
    let first = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let second = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let cancelled = std::pin::pin!(token.cancelled());
    let mut watch = ShutdownWatch::new(cancelled);
    let w1 = std::task::Waker::from(first.clone());
    assert!(
        watch
            .poll(&mut std::task::Context::from_waker(&w1))
            .is_pending()
    );
    let w2 = std::task::Waker::from(second.clone());
    assert!(
        watch
            .poll(&mut std::task::Context::from_waker(&w2))
            .is_pending()
    );
    token.cancel();
    assert_eq!(
        second.0.load(Ordering::SeqCst),
        1,
        "the newest waker is woken"
    );
    assert!(
        watch
            .poll(&mut std::task::Context::from_waker(&w2))
            .is_ready()
    );
}
