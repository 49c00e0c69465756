//! Load-tolerant A/B timing of the one-thread kernels: each case fills a
//! 64 KiB buffer (in cache) repeatedly and is timed by the *thread's CPU
//! time* (`CLOCK_THREAD_CPUTIME_ID`), so time slices lost to other processes
//! on a shared machine do not count; cases run round-robin, and the median
//! over rounds is printed as ns per element and G elements per second.
//!
//! ```text
//! cargo run --release --example kernel_cpu_time [ROUNDS] [FILTER]
//! ```
//!
//! It does not remove every effect of other load (a busy hyperthread sibling
//! or shared caches still slow the kernel), so compare builds measured in
//! the same run, or repeat runs and look at the spread.

#![allow(unsafe_code)]

use std::hint::black_box;
use std::num::NonZeroUsize;

use varscale::{fill, Distribution, Element, Isa, Key, Options};

fn thread_cpu_ns() -> u128 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid out-pointer to a timespec; the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as u128 * 1_000_000_000 + t.tv_nsec as u128
}

struct Case {
    name: String,
    run: Box<dyn FnMut() -> (u128, usize)>,
    samples: Vec<f64>,
}

fn case<T: Element + Default>(dist_name: &str, dist: Distribution, isa: Isa) -> Case {
    let mut buf = vec![T::default(); (64 << 10) / size_of::<T>()];
    let o = Options { threads: NonZeroUsize::new(1), isa: Some(isa) };
    let reps = 400;
    Case {
        name: format!("{}/{dist_name}/{}", T::DTYPE, isa.name()),
        run: Box::new(move || {
            let t0 = thread_cpu_ns();
            for _ in 0..reps {
                fill(black_box(&mut buf[..]), &dist, Key::new(1, 2), 0, &o).unwrap();
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
    let dists = [
        ("uniform", Distribution::Uniform { low: -0.05, high: 0.05 }),
        ("normal", Distribution::Normal { mean: 0.0, std: 0.02 }),
        ("truncated_normal", Distribution::TruncatedNormal { mean: 0.0, std: 0.02, low: -0.04, high: 0.04 }),
    ];
    let mut cases = Vec::new();
    for (name, d) in dists {
        for isa in Isa::supported() {
            cases.push(case::<f32>(name, d, isa));
            cases.push(case::<f64>(name, d, isa));
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
