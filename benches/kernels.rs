//! Criterion benchmarks of the core, in elements per second.
//!
//! * `rng/*`: raw generator throughput (ARS4x32-7, the generator varscale
//!   uses, against Philox4x32-10 and Threefry4x32-20), per instruction-set
//!   build, in cache: how ARS was chosen.
//! * `cache/*`: each kernel (uniform, normal, truncated normal, constant;
//!   f32 and f64) on a 64 KiB buffer, one thread, per instruction-set build.
//! * `large/*`: each kernel in place on a large buffer (default 1 GiB, set
//!   `VARSCALE_BENCH_MIB`), one thread and all threads; plus fresh allocation.
//!
//! Run: `cargo bench --bench kernels` (or a filter, e.g. `-- cache/`).

use std::hint::black_box;
use std::num::NonZeroUsize;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use varscale::{
    fill, fill_bits, generate, Ars4x32, CounterRng, Distribution, Element, Isa, Key, Options, Philox4x32_10,
    Threefry4x32_20,
};

const KEY: Key = Key::new(0x5eed, 0);

fn dists() -> [(&'static str, Distribution); 4] {
    [
        ("uniform", Distribution::Uniform { low: -0.05, high: 0.05 }),
        ("normal", Distribution::Normal { mean: 0.0, std: 0.02 }),
        ("truncated_normal", Distribution::TruncatedNormal { mean: 0.0, std: 0.02, low: -0.04, high: 0.04 }),
        ("constant", Distribution::Constant { value: 0.5 }),
    ]
}

fn opts(threads: Option<usize>, isa: Isa) -> Options {
    Options { threads: threads.and_then(NonZeroUsize::new), isa: Some(isa) }
}

fn bench_rng(c: &mut Criterion) {
    let mut g = c.benchmark_group("rng");
    let mut buf = vec![0u32; 16 << 10];
    g.throughput(Throughput::Elements(buf.len() as u64));
    for isa in Isa::supported() {
        rng_case::<Ars4x32<7>>(&mut g, &mut buf, isa);
        rng_case::<Ars4x32<10>>(&mut g, &mut buf, isa);
        rng_case::<Philox4x32_10>(&mut g, &mut buf, isa);
        rng_case::<Threefry4x32_20>(&mut g, &mut buf, isa);
    }
    g.finish();
}

fn rng_case<R: CounterRng>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    buf: &mut [u32],
    isa: Isa,
) {
    let o = opts(Some(1), isa);
    g.bench_function(BenchmarkId::new(R::NAME, isa.name()), |b| {
        b.iter(|| fill_bits::<R>(black_box(&mut *buf), KEY, 0, &o).unwrap())
    });
}

fn cache_case<T: Element + Default>(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("cache/{}", T::DTYPE));
    let mut buf = vec![T::default(); (64 << 10) / size_of::<T>()];
    g.throughput(Throughput::Elements(buf.len() as u64));
    for (name, d) in dists() {
        for isa in Isa::supported() {
            let o = opts(Some(1), isa);
            g.bench_function(BenchmarkId::new(name, isa.name()), |b| {
                b.iter(|| fill(black_box(&mut buf), &d, KEY, 0, &o).unwrap())
            });
        }
    }
    g.finish();
}

fn large_case<T: Element + Default>(c: &mut Criterion) {
    let mib: usize = std::env::var("VARSCALE_BENCH_MIB").ok().and_then(|s| s.parse().ok()).unwrap_or(1024);
    let n = (mib << 20) / size_of::<T>();
    let mut g = c.benchmark_group(format!("large/{}", T::DTYPE));
    g.sample_size(10).throughput(Throughput::Elements(n as u64));
    let mut buf = vec![T::default(); n];
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (name, d) in dists() {
        for threads in [1, all] {
            let o = opts(Some(threads), Isa::best());
            g.bench_function(BenchmarkId::new(format!("{name}/inplace"), format!("{threads}t")), |b| {
                b.iter(|| fill(black_box(&mut buf), &d, KEY, 0, &o).unwrap())
            });
        }
        let o = opts(None, Isa::best());
        g.bench_function(BenchmarkId::new(format!("{name}/fresh"), format!("{all}t")), |b| {
            b.iter(|| black_box(generate::<T>(n, &d, KEY, 0, &o).unwrap()))
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_rng(c);
    cache_case::<f32>(c);
    cache_case::<f64>(c);
    large_case::<f32>(c);
    large_case::<f64>(c);
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
