//! Sample mean and variance of each distribution against the closed forms,
//! on 2^21 samples per case (tolerance: 6 standard errors). The KS and
//! chi-square tests against scipy are in `tests/test_statistics.py`.

use varscale::{generate, Distribution, Element, Key, Options};

const N: usize = 1 << 21;

fn phi(x: f64) -> f64 {
    if x.is_infinite() {
        return 0.0;
    }
    (-0.5 * x * x).exp() / (2.0 * core::f64::consts::PI).sqrt()
}

fn cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / core::f64::consts::SQRT_2)
}

/// Mean, variance and excess kurtosis (for the variance's standard error).
fn expected(d: &Distribution) -> (f64, f64, f64) {
    match *d {
        Distribution::Uniform { low, high } => ((low + high) / 2.0, (high - low).powi(2) / 12.0, -1.2),
        Distribution::Normal { mean, std } => (mean, std * std, 0.0),
        Distribution::TruncatedNormal { mean, std, low, high } => {
            let (a, b) = ((low - mean) / std, (high - mean) / std);
            let z = cdf(b) - cdf(a);
            let ta = if a.is_infinite() { 0.0 } else { a * phi(a) };
            let tb = if b.is_infinite() { 0.0 } else { b * phi(b) };
            let m = (phi(a) - phi(b)) / z;
            (mean + std * m, std * std * (1.0 + (ta - tb) / z - m * m), 0.0)
        }
        Distribution::Constant { value } => (value, 0.0, 0.0),
    }
}

fn check<T: Element + Into<f64>>(d: Distribution, seed: u64) {
    let v: Vec<T> = generate(N, &d, Key::new(seed, 0), 0, &Options::default()).unwrap();
    let n = N as f64;
    let mean = v.iter().map(|&x| x.into()).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x.into() - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let (m, s2, kurt) = expected(&d);
    let se_mean = (s2 / n).sqrt();
    // Var(sample variance) = s2^2 (2/(n-1) + kurt/n); truncated normals have
    // negative excess kurtosis, so the normal value 0 is conservative there.
    let se_var = s2 * (2.0 / (n - 1.0) + kurt / n).sqrt();
    assert!((mean - m).abs() <= 6.0 * se_mean, "{} {d:?}: mean {mean} vs {m}", T::DTYPE);
    assert!((var - s2).abs() <= 6.0 * se_var, "{} {d:?}: variance {var} vs {s2}", T::DTYPE);
}

fn all<T: Element + Into<f64>>() {
    let cases = [
        Distribution::Uniform { low: -0.125, high: 0.125 },
        Distribution::Uniform { low: 2.0, high: 5.0 },
        Distribution::Normal { mean: 0.0, std: 0.02 },
        Distribution::Normal { mean: -3.0, std: 5.0 },
        Distribution::TruncatedNormal { mean: 0.0, std: 0.05, low: -0.1, high: 0.1 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -1.0, high: 2.0 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -3.0, high: 3.0 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: 0.5, high: 4.0 },
        Distribution::TruncatedNormal { mean: 1.0, std: 2.0, low: f64::NEG_INFINITY, high: -5.0 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: 6.0, high: 7.5 },
    ];
    for (i, d) in cases.into_iter().enumerate() {
        check::<T>(d, 1000 + i as u64);
    }
}

#[test]
fn moments_f32() {
    all::<f32>();
}

#[test]
fn moments_f64() {
    all::<f64>();
}
