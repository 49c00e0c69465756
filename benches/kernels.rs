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
//! * `batch/*`: many buffers in one `fill_many` call (1,500 Linear(64, 64)
//!   weights; GPT-2 small's 148 tensors), against one fill per buffer and
//!   against the fill limit (`constant` into one buffer of the same bytes).
//!
//! Run: `cargo bench --bench kernels` (or a filter, e.g. `-- cache/`).

use std::hint::black_box;
use std::num::NonZeroUsize;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use varscale::{
    fill, fill_bits, fill_many, generate, Ars4x32, BufferMut, CounterRng, Distribution, Element, Isa, Job, Key,
    Options, Philox4x32_10, Placement, Threefry4x32_20,
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

/// GPT-2 small (124M): (elements, distribution) of its 148 tensors as
/// Hugging Face initialises them: weights N(0, 0.02), biases 0, LayerNorm 1.
fn gpt2_small() -> Vec<(usize, Distribution)> {
    let (d, normal) = (768, Distribution::Normal { mean: 0.0, std: 0.02 });
    let (zero, one) = (Distribution::Constant { value: 0.0 }, Distribution::Constant { value: 1.0 });
    let mut t = vec![(50257 * d, normal), (1024 * d, normal)];
    for _ in 0..12 {
        t.extend([(d, one), (d, zero), (d * 3 * d, normal), (3 * d, zero), (d * d, normal), (d, zero)]);
        t.extend([(d, one), (d, zero), (d * 4 * d, normal), (4 * d, zero), (4 * d * d, normal), (d, zero)]);
    }
    t.extend([(d, one), (d, zero)]);
    t
}

/// `fill_many` over `tensors`, one `fill` per tensor, and the limit (one
/// `constant` fill of the same bytes), all in f32 with `threads` workers.
fn batch_case(c: &mut Criterion, name: &str, tensors: &[(usize, Distribution)]) {
    let total: usize = tensors.iter().map(|t| t.0).sum();
    let mut g = c.benchmark_group(format!("batch/{name}"));
    g.sample_size(20).throughput(Throughput::Elements(total as u64));
    let mut bufs: Vec<Vec<f32>> = tensors.iter().map(|&(n, _)| vec![0f32; n]).collect();
    let mut whole = vec![0f32; total];
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, all] {
        let o = opts(Some(threads), Isa::best());
        g.bench_function(BenchmarkId::new("fill_many", format!("{threads}t")), |b| {
            b.iter(|| {
                let mut jobs: Vec<Job<'_>> = bufs
                    .iter_mut()
                    .zip(tensors)
                    .enumerate()
                    .map(|(i, (buf, &(_, dist)))| Job {
                        out: BufferMut::F32(buf),
                        dist,
                        key: Key::new(0x5eed, i as u64),
                        place: Placement::Offset(0),
                    })
                    .collect();
                fill_many(black_box(&mut jobs), &o).unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("one_fill_each", format!("{threads}t")), |b| {
            b.iter(|| {
                for (i, (buf, (_, dist))) in bufs.iter_mut().zip(tensors).enumerate() {
                    fill(black_box(buf), dist, Key::new(0x5eed, i as u64), 0, &o).unwrap();
                }
            })
        });
        let limit = Distribution::Constant { value: 0.5 };
        g.bench_function(BenchmarkId::new("limit", format!("{threads}t")), |b| {
            b.iter(|| fill(black_box(&mut whole), &limit, KEY, 0, &o).unwrap())
        });
    }
    g.finish();
}

fn bench_batch(c: &mut Criterion) {
    let linear = vec![(64 * 64, Distribution::Uniform { low: -0.125, high: 0.125 }); 1500];
    batch_case(c, "linear64x1500", &linear);
    batch_case(c, "gpt2_small", &gpt2_small());
}

fn benches(c: &mut Criterion) {
    bench_batch(c);
    bench_rng(c);
    cache_case::<f32>(c);
    cache_case::<f64>(c);
    large_case::<f32>(c);
    large_case::<f64>(c);
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
