//! Would a ziggurat make the float32 normal cheaper than Box-Muller?
//! A probe, not a sampler: it times both transforms over the same generator
//! words (one thread, `CLOCK_THREAD_CPUTIME_ID`, round-robin, medians).
//!
//! ```text
//! RUSTFLAGS="-C target-cpu=native" cargo run --release --example ziggurat_probe [KIB]
//! ```
//!
//! Both transforms are compiled with the same flags here (the crate's own
//! kernels use per-ISA `#[target_feature]` builds instead), so only their
//! ratio means anything.
//!
//! The ziggurat (G. Marsaglia and W. W. Tsang, J. Stat. Softw. 5(8), 2000;
//! 256 layers, r = 3.6541528853610088, v = 0.00492867323399) takes one
//! 32-bit word per output: 8 bits pick the layer, 1 the sign, 23 the
//! position. Its rejections must not consume further words of the stream
//! (every output is a function of its own counter), so a lane outside the
//! layer's rectangle core takes its extra bits from a second generator block
//! keyed by the element index, and does the wedge test (an `exp`), the tail,
//! or a full Box-Muller draw. Three cases:
//!
//! * `box-muller`: varscale's float32 transform (`sampler/normal.rs`);
//! * `ziggurat fast path`: the rectangle cores only: wrong values in the
//!   fallback lanes, a lower bound on any ziggurat's cost;
//! * `ziggurat + fallback`: with the fallback (software AES block, f64 `exp`).
//!
//! Measured on the Zen 4 VM (benches/README.md, session of 2026-12-02,
//! 18:13-21:13 UTC; `results/ziggurat-probe-zen4.txt`), four runs: the fast
//! path alone took 0.89-1.30x Box-Muller's time, the whole ziggurat
//! 3.7-4.7x; 1.5% of lanes need the fallback.

use std::hint::black_box;

use varscale::math::{ln_f32, sincos_octant_f32};

/// Nanoseconds this thread has run on a CPU.
fn thread_cpu_ns() -> u128 {
    use nix::time::{clock_gettime, ClockId};
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).expect("the thread's CPU clock");
    t.tv_sec() as u128 * 1_000_000_000 + t.tv_nsec() as u128
}

const LAYERS: usize = 256;
const STD: f32 = 0.02;

/// Layer edges `x[i]` (x[0] the base layer's virtual width, x[1] = r,
/// x[LAYERS] = 0), densities `f[i] = exp(-x[i]^2 / 2)`, and per layer the
/// scale `w = x[i] / 2^23` and the core threshold `k = 2^23 x[i+1] / x[i]`.
struct Tables {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
    w: [f32; LAYERS],
    k: [u32; LAYERS],
}

fn tables() -> Tables {
    #[allow(clippy::excessive_precision)] // the digits the literature prints
    let (r, v) = (3.654_152_885_361_008_8f64, 0.004_928_673_233_99f64);
    let density = |x: f64| (-0.5 * x * x).exp();
    let mut x = [0f64; LAYERS + 1];
    x[0] = v / density(r);
    x[1] = r;
    for i in 1..LAYERS - 1 {
        x[i + 1] = (-2.0 * (v / x[i] + density(x[i])).ln()).sqrt();
    }
    let mut t = Tables { x, f: x.map(density), w: [0.0; LAYERS], k: [0; LAYERS] };
    for i in 0..LAYERS {
        t.w[i] = (x[i] / 8_388_608.0) as f32;
        t.k[i] = (x[i + 1] / x[i] * 8_388_608.0) as u32;
    }
    t
}

fn box_muller(words: &[u32; 64], out: &mut [f32; 64]) {
    let (radius_words, angle_words) = words.split_at(32);
    let mut r = [0f32; 32];
    for (r, &w) in r.iter_mut().zip(radius_words) {
        let u = (w as f32).mul_add(1.0 / 4_294_967_296.0, 1.0 / 8_589_934_592.0);
        *r = (-2.0 * ln_f32(u)).sqrt() * STD;
    }
    for i in 0..32 {
        let w = angle_words[i];
        let y = ((w >> 5) & 0x00ff_ffff) as i32 as f32 * (core::f32::consts::FRAC_PI_4 / 16_777_216.0);
        let (c, s) = sincos_octant_f32(y);
        let o = w >> 29;
        let (c, s) = if ((o + 1) >> 1) & 1 == 1 { (s, c) } else { (c, s) };
        let c = if ((o + 2) >> 2) & 1 == 1 { -c } else { c };
        let s = if (o >> 2) & 1 == 1 { -s } else { s };
        out[i] = r[i] * c;
        out[32 + i] = r[i] * s;
    }
}

/// A lane outside its layer's core: the wedge test, the tail, or a fresh
/// normal, from a second block keyed by the element index.
#[cold]
#[inline(never)]
fn fallback(t: &Tables, element: u64, word: u32, x: f32) -> f32 {
    let b = varscale::rng::ars4x32::<7>([element as u32, (element >> 32) as u32, 0, 0], [1, 0, 1, 0]);
    let layer = (word & 255) as usize;
    let unit = |w: u32| (f64::from(w) + 0.5) / 4_294_967_296.0;
    if layer == 0 {
        // the tail beyond r (cost stand-in for an exact inverse: a log and a root)
        return (t.x[1] * t.x[1] - 2.0 * unit(b[0]).ln()).sqrt() as f32;
    }
    let y = t.f[layer] + unit(b[0]) * (t.f[layer + 1] - t.f[layer]);
    if y < (-0.5 * f64::from(x) * f64::from(x)).exp() {
        return x;
    }
    let r = (-2.0 * unit(b[1]).ln()).sqrt();
    let (c, _) = sincos_octant_f32((b[2] >> 8) as f32 * (core::f32::consts::FRAC_PI_4 / 16_777_216.0));
    (r * f64::from(c)) as f32
}

/// The ziggurat over one group; returns how many lanes took the fallback.
fn ziggurat(t: &Tables, group: u64, words: &[u32; 64], out: &mut [f32; 64], with_fallback: bool) -> usize {
    let mut outside = [false; 64];
    for j in 0..64 {
        let w = words[j];
        let layer = (w & 255) as usize;
        let position = w >> 9;
        let x = position as f32 * t.w[layer];
        out[j] = if (w >> 8) & 1 == 1 { -x } else { x } * STD;
        outside[j] = position >= t.k[layer];
    }
    if !with_fallback || !outside.contains(&true) {
        return 0;
    }
    let mut n = 0;
    for j in (0..64).filter(|&j| outside[j]) {
        n += 1;
        out[j] = fallback(t, group * 64 + j as u64, words[j], out[j] / STD) * STD;
    }
    n
}

fn main() {
    let kib: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(32);
    let t = tables();
    let mut words = vec![0u32; (kib << 10) / 4];
    varscale::fill_bits::<varscale::Ars4x32_7>(&mut words, varscale::Key::new(1, 2), 0, &Default::default())
        .expect("generator words");
    let groups: Vec<[u32; 64]> = words.chunks_exact(64).map(|c| c.try_into().expect("64 words")).collect();
    let mut out = vec![[0f32; 64]; groups.len()];
    let outside: usize = groups.iter().enumerate().map(|(g, w)| ziggurat(&t, g as u64, w, &mut out[g], true)).sum();
    println!(
        "{kib} KiB of words; lanes outside the cores: {:.2}%",
        100.0 * outside as f64 / (64 * groups.len()) as f64
    );
    let names = ["box-muller", "ziggurat fast path", "ziggurat + fallback"];
    let reps = (4096 / kib).max(1);
    let mut samples = vec![Vec::new(); names.len()];
    for _round in 0..15 {
        for (case, s) in samples.iter_mut().enumerate() {
            let t0 = thread_cpu_ns();
            for _ in 0..reps {
                for (g, w) in groups.iter().enumerate() {
                    let w = black_box(w);
                    match case {
                        0 => box_muller(w, &mut out[g]),
                        1 => _ = ziggurat(&t, g as u64, w, &mut out[g], false),
                        _ => _ = ziggurat(&t, g as u64, w, &mut out[g], true),
                    }
                }
                black_box(&out);
            }
            s.push((thread_cpu_ns() - t0) as f64 / (reps * 64 * groups.len()) as f64);
        }
    }
    for (name, mut s) in names.iter().zip(samples) {
        s.sort_by(f64::total_cmp);
        println!("{name:20} {:.4} ns/elem (median of {}, min {:.4})", s[s.len() / 2], s.len(), s[0]);
    }
}
