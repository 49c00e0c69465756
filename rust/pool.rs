//! varscale's worker-thread pools: fork-safe, bounded, never fatal.
//!
//! * **Own pools, not rayon's global one.** A forked child inherits the
//!   parent's memory but none of its threads, so a pool started in the parent
//!   is dead in the child and a fill waiting for it would hang. Cached pools
//!   are tagged with the process id; a call in a new process forgets the
//!   inherited ones (dropping them would signal threads that do not exist)
//!   and starts fresh ones. The pool cache's lock may have been held by a
//!   parent thread at the moment of the fork; the child then never waits for
//!   it, it uses a pool of its own for that call.
//! * **Bounded.** [`MAX_THREADS`] is the hard limit (an error above it); any
//!   count above [`max_useful_threads`] (4 per core) runs with that many,
//!   since values never depend on the thread count and more threads only
//!   cost memory and start-up time.
//! * **Few pools.** The default pool and the one most recently used other
//!   count stay alive; an older one ends when its running fills finish.
//! * **Failures are errors.** A pool that cannot start (no threads under a
//!   memory or process limit) is [`Error::ThreadPool`]; nothing is cached,
//!   so a later call tries again.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, TryLockError};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::Error;

/// More threads than this is a mistake, not a configuration.
pub const MAX_THREADS: usize = 4096;
/// Worker counts are capped at this many per core.
pub const THREADS_PER_CORE_CAP: usize = 4;

/// Cores available to this process (the affinity mask and cgroup quota, as
/// `std::thread::available_parallelism` reports them; 1 if unknown).
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

/// The most workers a pool gets: [`THREADS_PER_CORE_CAP`] per core.
pub fn max_useful_threads() -> usize {
    THREADS_PER_CORE_CAP * cores()
}

/// Workers of the default pool: `VARSCALE_NUM_THREADS`, else
/// `RAYON_NUM_THREADS` (positive integers; other values are ignored), else
/// one per core; at most [`max_useful_threads`].
pub fn default_threads() -> usize {
    let from_env =
        |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|&n| n > 0);
    from_env("VARSCALE_NUM_THREADS")
        .or_else(|| from_env("RAYON_NUM_THREADS"))
        .unwrap_or_else(cores)
        .min(max_useful_threads())
}

/// The worker count a request runs with (see the module docs).
pub fn effective_threads(threads: Option<NonZeroUsize>) -> Result<usize, Error> {
    match threads {
        None => Ok(default_threads()),
        Some(n) if n.get() > MAX_THREADS => {
            Err(Error::InvalidParameter(format!("threads={n} exceeds the maximum of {MAX_THREADS}")))
        }
        Some(n) => Ok(n.get().min(max_useful_threads())),
    }
}

struct Cache {
    /// The process the pools below were started in.
    pid: u32,
    default: Option<(usize, Arc<ThreadPool>)>,
    recent: Option<(usize, Arc<ThreadPool>)>,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache { pid: 0, default: None, recent: None });
/// `Cache::pid`, readable without the lock (0 until the first pool).
static OWNER: AtomicU32 = AtomicU32::new(0);

/// A pool of `n` workers for the request `threads` (see [`effective_threads`]).
pub(crate) fn pool(threads: Option<NonZeroUsize>) -> Result<Arc<ThreadPool>, Error> {
    let n = effective_threads(threads)?;
    let me = std::process::id();
    let Some(mut cache) = lock(me) else {
        return build(n).map(Arc::new); // forked while a parent thread held the lock
    };
    if cache.pid != me {
        // Inherited through fork (or the first call): the threads of these
        // pools do not exist here.
        std::mem::forget(cache.default.take());
        std::mem::forget(cache.recent.take());
        cache.pid = me;
        OWNER.store(me, Ordering::Release);
    }
    let wants_default = n == default_threads();
    let slot = if wants_default { &mut cache.default } else { &mut cache.recent };
    if let Some((count, p)) = slot.as_ref() {
        if *count == n {
            return Ok(Arc::clone(p));
        }
    }
    let p = Arc::new(build(n)?);
    *slot = Some((n, Arc::clone(&p))); // a replaced pool ends when its fills finish
    Ok(p)
}

/// The cache, or `None` in a forked child whose copy of the lock is held
/// (by a thread of the parent, which will never release it here).
fn lock(me: u32) -> Option<MutexGuard<'static, Cache>> {
    let owner = OWNER.load(Ordering::Acquire);
    if owner == 0 || owner == me {
        // A panic while holding the lock cannot leave the cache inconsistent.
        return Some(CACHE.lock().unwrap_or_else(PoisonError::into_inner));
    }
    match CACHE.try_lock() {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

fn build(n: usize) -> Result<ThreadPool, Error> {
    ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("varscale-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool(format!("cannot start {n} worker threads: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_capped_and_pools_reused() {
        let cap = max_useful_threads();
        assert_eq!(effective_threads(NonZeroUsize::new(MAX_THREADS)).unwrap(), cap.min(MAX_THREADS));
        assert!(effective_threads(NonZeroUsize::new(MAX_THREADS + 1)).is_err());
        assert_eq!(effective_threads(NonZeroUsize::new(1)).unwrap(), 1);
        let a = pool(NonZeroUsize::new(cap)).unwrap();
        let b = pool(NonZeroUsize::new(MAX_THREADS)).unwrap(); // capped to the same count
        assert_eq!(a.current_num_threads(), cap);
        assert!(cap == default_threads() || Arc::ptr_eq(&a, &b));
    }
}
