//! Load-tolerant A/B timing of the one-thread kernels: each case fills a
//! 64 KiB buffer (in cache) repeatedly and is timed by the *thread's CPU
//! time* (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), so time slices lost to other processes
//! on a shared machine do not count; cases run round-robin, and the median
//! over rounds is printed as ns per element and G elements per second.
//!
//! ```text
//! cargo run --release --example kernel_cpu_time [ROUNDS] [FILTER] [KIB]
//! ```
//!
//! `KIB` (default 64) sets the buffer size, e.g. 1048576 for the 1 GiB
//! in-place case of `benches/README.md` on one thread. With the environment
//! variable `VARSCALE_FRESH` set, each repetition fills a new buffer
//! (`generate`: page faults and the kernel's zeroing included, as CPU time
//! of this thread).
//!
//! It does not remove every effect of other load (a busy hyperthread sibling
//! or shared caches still slow the kernel), so compare builds measured in
//! the same run, or repeat runs and look at the spread.

use std::hint::black_box;
use std::num::NonZeroUsize;

use varscale::{fill, generate, Distribution, Element, Isa, Key, Options};

/// Nanoseconds this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`;
/// `/proc/thread-self/schedstat` reads 0 on kernels without schedstats).
fn thread_cpu_ns() -> u128 {
    use nix::time::{clock_gettime, ClockId};
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).expect("the thread's CPU clock");
    t.tv_sec() as u128 * 1_000_000_000 + t.tv_nsec() as u128
}

struct Case {
    name: String,
    run: Box<dyn FnMut() -> (u128, usize)>,
    samples: Vec<f64>,
}

fn case<T: Element + Default>(dist_name: &str, dist: Distribution, isa: Isa, kib: usize) -> Case {
    let mut buf = vec![T::default(); (kib << 10) / size_of::<T>()];
    let o = Options { threads: NonZeroUsize::new(1), isa: Some(isa) };
    let reps = (400 * 64 / kib).max(1);
    let fresh = std::env::var_os("VARSCALE_FRESH").is_some();
    Case {
        name: format!("{}/{dist_name}/{}", T::DTYPE, isa.name()),
        run: Box::new(move || {
            let t0 = thread_cpu_ns();
            for _ in 0..reps {
                if fresh {
                    black_box(generate::<T>(buf.len(), &dist, Key::new(1, 2), 0, &o).unwrap());
                } else {
                    fill(black_box(&mut buf[..]), &dist, Key::new(1, 2), 0, &o).unwrap();
                }
            }
            (thread_cpu_ns() - t0, reps * buf.len())
        }),
        samples: Vec::new(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(15);
    let filter = args.next().unwrap_or_default();
    let kib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let dists = [
        ("uniform", Distribution::Uniform { low: -0.05, high: 0.05 }),
        ("normal", Distribution::Normal { mean: 0.0, std: 0.02 }),
        ("truncated_normal", Distribution::TruncatedNormal { mean: 0.0, std: 0.02, low: -0.04, high: 0.04 }),
        ("constant", Distribution::Constant { value: 0.5 }),
    ];
    let mut cases = Vec::new();
    for (name, d) in dists {
        for isa in Isa::supported() {
            cases.push(case::<f32>(name, d, isa, kib));
            cases.push(case::<f64>(name, d, isa, kib));
        }
    }
    cases.retain(|c| c.name.contains(&filter) && !c.name.ends_with("portable"));
    for _ in 0..rounds {
        for c in &mut cases {
            let (ns, n) = (c.run)();
            c.samples.push(ns as f64 / n as f64);
        }
    }
    for c in &mut cases {
        c.samples.sort_by(f64::total_cmp);
        let (lo, med, hi) = (c.samples[0], c.samples[c.samples.len() / 2], c.samples[c.samples.len() - 1]);
        println!("{:36} {med:7.4} ns/elem  {:6.3} G/s  (min {lo:.4}, max {hi:.4})", c.name, 1.0 / med);
    }
}
