//! A small worker pool whose results come back in submission order, with a bounded number of
//! jobs in flight (so memory stays bounded however large the input).

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send>;

/// Runs jobs on `threads` workers; results are taken in the order the jobs were submitted.
pub(crate) struct OrderedPool<T: Send + 'static> {
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    pending: VecDeque<Receiver<T>>,
    window: usize,
}

impl<T: Send + 'static> OrderedPool<T> {
    /// A pool of `threads` workers (at least one) allowing `window` jobs in flight.
    pub fn new(threads: usize, window: usize) -> Self {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..threads.max(1))
            .map(|_| {
                let rx = Arc::clone(&rx);
                std::thread::spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        OrderedPool {
            jobs: Some(tx),
            workers,
            pending: VecDeque::new(),
            window: window.max(1),
        }
    }

    /// Submits `f`; when the window is full, first waits for and returns the oldest result.
    pub(crate) fn submit(&mut self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let oldest = if self.pending.len() >= self.window {
            self.next_result()
        } else {
            None
        };
        let (reply, result) = channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(f());
        });
        self.jobs
            .as_ref()
            .expect("the pool runs until dropped")
            .send(job)
            .expect("workers live as long as the pool");
        self.pending.push_back(result);
        oldest
    }

    /// Waits for and returns the oldest pending result; `None` when nothing is pending.
    pub(crate) fn next_result(&mut self) -> Option<T> {
        let rx = self.pending.pop_front()?;
        Some(rx.recv().expect("a worker panicked"))
    }
}

impl<T: Send + 'static> Drop for OrderedPool<T> {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// One worker per core.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_submission_order() {
        let mut pool = OrderedPool::new(4, 3);
        let mut out = Vec::new();
        for i in 0..50u64 {
            if let Some(r) = pool.submit(move || {
                std::thread::sleep(std::time::Duration::from_micros((50 - i) * 20));
                i
            }) {
                out.push(r);
            }
        }
        while let Some(r) = pool.next_result() {
            out.push(r);
        }
        assert_eq!(out, (0..50).collect::<Vec<_>>());
    }
}
