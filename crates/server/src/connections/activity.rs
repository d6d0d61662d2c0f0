//! What each open connection is doing, so that a connection waiting on its client can be closed: when it has
//! waited longer than its time limit, or when the server is full and it has waited longest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What a connection waits for, or that it is at work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Nothing received of the next request: a new or kept-alive connection.
    Idle = 0,
    /// Part of a request head received.
    Head = 1,
    /// A handler runs.
    Working = 2,
    /// A handler waits for the rest of the request body.
    Body = 3,
}

impl Phase {
    fn from_u8(value: u8) -> Phase {
        match value {
            0 => Phase::Idle,
            1 => Phase::Head,
            2 => Phase::Working,
            _ => Phase::Body,
        }
    }

    /// Whether the connection waits on its client rather than on us.
    fn waits_on_client(self) -> bool {
        self != Phase::Working
    }
}

/// One connection's phase and since when it is in it.
#[derive(Debug)]
pub struct Activity {
    phase: AtomicU8,
    since_ms: AtomicU64,
    epoch: Instant,
    /// Signalled once, when the connection is to be closed.
    pub(super) close: Notify,
}

impl Activity {
    fn new(epoch: Instant) -> Self {
        let activity = Activity {
            phase: AtomicU8::new(Phase::Idle as u8),
            since_ms: AtomicU64::new(0),
            epoch,
            close: Notify::new(),
        };
        activity.enter(Phase::Idle);
        activity
    }

    pub fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Relaxed))
    }

    /// Moves to `phase`, restarting its clock if the phase changes.
    pub fn enter(&self, phase: Phase) {
        if self.phase.swap(phase as u8, Ordering::Relaxed) != phase as u8 || phase == Phase::Idle {
            self.since_ms
                .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        }
    }

    /// Bytes of a request arrived: an idle connection now has a request head on its way.
    pub fn received(&self) {
        if self.phase() == Phase::Idle {
            self.enter(Phase::Head);
        }
    }

    fn waited(&self, now_ms: u64) -> Duration {
        Duration::from_millis(now_ms.saturating_sub(self.since_ms.load(Ordering::Relaxed)))
    }
}

/// How long a connection may wait on its client in each phase (a request body's limit is enforced where the body
/// is read, so the handler can answer 408).
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub idle: Duration,
    pub head: Duration,
}

/// Every open connection of one server.
#[derive(Debug)]
pub struct Registry {
    connections: Mutex<HashMap<u64, Arc<Activity>>>,
    next_id: AtomicU64,
    /// Connections told to close that have not ended yet.
    closing: AtomicUsize,
    epoch: Instant,
    /// Signalled whenever a connection ends.
    pub(super) ended: Notify,
}

/// A connection's place in the registry; leaving it (dropping) removes the connection.
pub struct Registration {
    registry: Arc<Registry>,
    id: u64,
    pub activity: Arc<Activity>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.registry.lock().remove(&self.id).is_none() {
            self.registry.closing.fetch_sub(1, Ordering::Relaxed);
        }
        self.registry.ended.notify_waiters();
    }
}

impl Registry {
    pub fn new() -> Arc<Self> {
        Arc::new(Registry {
            connections: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            closing: AtomicUsize::new(0),
            epoch: Instant::now(),
            ended: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Activity>>> {
        // A panic while holding this lock leaves the map itself intact.
        self.connections.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn register(self: &Arc<Self>) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::new(self.epoch));
        self.lock().insert(id, activity.clone());
        Registration {
            registry: self.clone(),
            id,
            activity,
        }
    }

    /// Open connections that have not been told to close (a connection told to close leaves the registry).
    pub fn live(&self) -> usize {
        self.lock().len()
    }

    /// Connections told to close that have not ended yet.
    pub fn closing(&self) -> usize {
        self.closing.load(Ordering::Relaxed)
    }

    /// Every connection still holding its socket.
    pub fn open(&self) -> usize {
        self.live() + self.closing()
    }

    fn told_to_close(&self, activity: &Activity) {
        self.closing.fetch_add(1, Ordering::Relaxed);
        activity.close.notify_one();
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Tells the `count` connections that have waited on their clients longest to close (in one pass over all
    /// of them, so that a server kept full by a flood does not scan its connections for every new one); returns
    /// how many it told, none if every connection is at work.
    pub fn close_longest_waiting(&self, count: usize) -> usize {
        let now = self.now_ms();
        let mut connections = self.lock();
        let mut waiting: Vec<(Duration, u64)> = connections
            .iter()
            .filter(|(_, activity)| activity.phase().waits_on_client())
            .map(|(id, activity)| (activity.waited(now), *id))
            .collect();
        let count = count.min(waiting.len());
        if count < waiting.len() {
            waiting.select_nth_unstable_by(count, |a, b| b.0.cmp(&a.0));
        }
        for (_, id) in &waiting[..count] {
            if let Some(activity) = connections.remove(id) {
                self.told_to_close(&activity);
            }
        }
        count
    }

    /// Tells every connection that has waited on its client beyond its patience to close; returns how many.
    pub fn close_overdue(&self, patience: Patience) -> usize {
        let now = self.now_ms();
        let mut connections = self.lock();
        let before = connections.len();
        connections.retain(|_, activity| {
            let limit = match activity.phase() {
                Phase::Idle => patience.idle,
                Phase::Head => patience.head,
                Phase::Working | Phase::Body => return true,
            };
            let keep = activity.waited(now) <= limit;
            if !keep {
                self.told_to_close(activity);
            }
            keep
        });
        before - connections.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn closes_the_connection_waiting_longest_and_never_one_at_work() {
        let registry = Registry::new();
        let working = registry.register();
        working.activity.enter(Phase::Working);
        let oldest = registry.register();
        std::thread::sleep(Duration::from_millis(5));
        let newest = registry.register();
        assert_eq!(registry.live(), 3);

        assert_eq!(registry.close_longest_waiting(1), 1);
        assert_eq!(registry.live(), 2, "the closed connection has left the registry");
        assert_eq!(registry.open(), 3, "but holds its socket until it ends");
        let told = tokio::time::timeout(Duration::from_secs(5), oldest.activity.close.notified());
        assert!(told.await.is_ok(), "the oldest was told");
        drop(oldest);
        assert_eq!(
            (registry.live(), registry.open()),
            (2, 2),
            "a connection told to close is counted once"
        );

        assert_eq!(registry.close_longest_waiting(5), 1, "only one is waiting");
        drop(newest);
        assert_eq!(
            registry.close_longest_waiting(1),
            0,
            "only a connection at work is left"
        );
        assert_eq!(registry.live(), 1);
    }

    #[test]
    fn closes_connections_overdue_in_their_phase() {
        let registry = Registry::new();
        let idle = registry.register();
        let head = registry.register();
        head.activity.received();
        let body = registry.register();
        body.activity.enter(Phase::Body);
        std::thread::sleep(Duration::from_millis(20));
        let patience = Patience {
            idle: Duration::from_secs(60),
            head: Duration::from_millis(10),
        };
        assert_eq!(registry.close_overdue(patience), 1, "only the slow head is overdue");
        assert_eq!(head.activity.phase(), Phase::Head);
        assert_eq!(registry.live(), 2);
        drop((idle, head, body));
        assert_eq!(registry.live(), 0);
    }
}
