//! The queue between the driver and a [`Receiver`](super::Receiver).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

/// A queue from the driver's callbacks to the task that reads the stream, on one thread: an
/// unbounded channel without the synchronisation and the allocation per item.
pub(super) fn inbox<T>() -> (Postbox<T>, Inbox<T>) {
    let shared = Rc::new(RefCell::new(Mailbox {
        items: VecDeque::new(),
        waker: None,
    }));
    (Postbox(Rc::downgrade(&shared)), Inbox(shared))
}

/// The buffer an emptied inbox keeps.
const KEPT_CAPACITY: usize = 64;

struct Mailbox<T> {
    items: VecDeque<T>,
    /// The task to wake when an item arrives or the postbox goes.
    waker: Option<Waker>,
}

/// The writing end, held by the driver. Dropping it ends the stream once it is drained.
pub(super) struct Postbox<T>(Weak<RefCell<Mailbox<T>>>);

impl<T> Postbox<T> {
    /// Queues `item` and wakes the reader. Without a reader, `item` is dropped.
    pub(super) fn post(&self, item: T) {
        let Some(shared) = self.0.upgrade() else {
            return;
        };
        let waker = {
            let mut mailbox = shared.borrow_mut();
            mailbox.items.push_back(item);
            mailbox.waker.take()
        };
        // Woken outside the borrow: a waker may run code that reads the inbox.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Postbox<T> {
    fn drop(&mut self) {
        let waker = self
            .0
            .upgrade()
            .and_then(|shared| shared.borrow_mut().waker.take());
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The reading end.
pub(super) struct Inbox<T>(Rc<RefCell<Mailbox<T>>>);

impl<T> Inbox<T> {
    /// The next item, or `None` once the postbox is gone and every item was read.
    pub(super) fn poll_next(&self, cx: &Context<'_>) -> Poll<Option<T>> {
        let mut mailbox = self.0.borrow_mut();
        if let Some(item) = mailbox.items.pop_front() {
            // A burst the reader fell behind on leaves a large buffer: give it back.
            if mailbox.items.is_empty() && mailbox.items.capacity() > KEPT_CAPACITY {
                mailbox.items.shrink_to(KEPT_CAPACITY);
            }
            return Poll::Ready(Some(item));
        }
        if Rc::weak_count(&self.0) == 0 {
            return Poll::Ready(None);
        }
        match &mut mailbox.waker {
            Some(waker) => waker.clone_from(cx.waker()),
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn waker() -> (Arc<CountingWaker>, Waker) {
        let count = Arc::new(CountingWaker::default());
        (count.clone(), Waker::from(count))
    }

    fn wakes(count: &CountingWaker) -> usize {
        count.0.load(Ordering::Relaxed)
    }

    #[test]
    fn items_come_out_in_order() {
        let (postbox, inbox) = inbox();
        let (_, waker) = waker();
        let cx = Context::from_waker(&waker);
        for item in 0..1000 {
            postbox.post(item);
        }
        for item in 0..1000 {
            assert_eq!(inbox.poll_next(&cx), Poll::Ready(Some(item)));
        }
        assert_eq!(inbox.poll_next(&cx), Poll::Pending);
    }

    #[test]
    fn a_waiting_reader_is_woken_once_per_wait() {
        let (postbox, inbox) = inbox();
        let (count, waker) = waker();
        let cx = Context::from_waker(&waker);
        postbox.post(1);
        assert_eq!(wakes(&count), 0, "nobody waited");
        assert_eq!(inbox.poll_next(&cx), Poll::Ready(Some(1)));
        assert_eq!(inbox.poll_next(&cx), Poll::Pending);
        postbox.post(2);
        postbox.post(3);
        assert_eq!(wakes(&count), 1);
        assert_eq!(inbox.poll_next(&cx), Poll::Ready(Some(2)));
        assert_eq!(inbox.poll_next(&cx), Poll::Ready(Some(3)));
        assert_eq!(inbox.poll_next(&cx), Poll::Pending);
        postbox.post(4);
        assert_eq!(wakes(&count), 2);
    }

    #[test]
    fn the_latest_waker_is_the_one_woken() {
        let (postbox, inbox) = inbox();
        let (first, first_waker) = waker();
        let (second, second_waker) = waker();
        assert_eq!(
            inbox.poll_next(&Context::from_waker(&first_waker)),
            Poll::Pending
        );
        assert_eq!(
            inbox.poll_next(&Context::from_waker(&second_waker)),
            Poll::Pending
        );
        postbox.post(());
        assert_eq!((wakes(&first), wakes(&second)), (0, 1));
    }

    #[test]
    fn the_stream_ends_after_the_postbox_goes_and_the_rest_is_read() {
        let (postbox, inbox) = inbox();
        let (count, waker) = waker();
        let cx = Context::from_waker(&waker);
        assert_eq!(inbox.poll_next(&cx), Poll::Pending);
        postbox.post("last");
        assert_eq!(inbox.poll_next(&cx), Poll::Ready(Some("last")));
        assert_eq!(inbox.poll_next(&cx), Poll::Pending);
        drop(postbox);
        assert_eq!(wakes(&count), 2, "the drop wakes the waiting reader");
        assert_eq!(inbox.poll_next(&cx), Poll::Ready(None));
        assert_eq!(inbox.poll_next(&cx), Poll::Ready(None));
    }

    #[test]
    fn items_posted_without_a_reader_are_dropped() {
        let (postbox, inbox) = inbox();
        let item = Rc::new(());
        drop(inbox);
        postbox.post(item.clone());
        assert_eq!(Rc::strong_count(&item), 1);
    }

    #[test]
    fn a_drained_burst_gives_its_buffer_back() {
        let (postbox, inbox) = inbox();
        let (_, waker) = waker();
        let cx = Context::from_waker(&waker);
        for item in 0..10_000 {
            postbox.post(item);
        }
        while let Poll::Ready(Some(_)) = inbox.poll_next(&cx) {}
        assert!(inbox.0.borrow().items.capacity() <= KEPT_CAPACITY);
    }
}
