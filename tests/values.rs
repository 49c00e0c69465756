//! Value stability: exact outputs pinned per dtype, distribution, seed and
//! stream. An accidental change to the generator, the word layout or a
//! transform fails here; an intended one must update this table (and the
//! version, since it changes every user's weights).
//!
//! To print the table after an intended change:
//! `VARSCALE_PRINT_PINS=1 cargo test --release --test values -- --nocapture`

use varscale::{fill_bits, generate, Ars4x32_7, Distribution, Element, Key, Options};

/// FNV-1a over the little-endian bytes of each value's bit pattern.
fn fnv1a(bits: impl Iterator<Item = u64>, width: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bits {
        for byte in &b.to_le_bytes()[..width] {
            h ^= u64::from(*byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn cases() -> Vec<(&'static str, Distribution, Key)> {
    vec![
        ("uniform", Distribution::Uniform { low: -0.1, high: 0.1 }, Key::new(0, 0)),
        ("uniform", Distribution::Uniform { low: -0.1, high: 0.1 }, Key::new(42, 7)),
        ("normal", Distribution::Normal { mean: 0.0, std: 1.0 }, Key::new(0, 0)),
        ("normal", Distribution::Normal { mean: 0.0, std: 1.0 }, Key::new(u64::MAX, u64::MAX)),
        (
            "truncated_normal",
            Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -2.0, high: 2.0 },
            Key::new(0, 0),
        ),
        (
            "truncated_normal",
            Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -3.0, high: 3.0 },
            Key::new(1, 2),
        ),
        (
            "truncated_normal",
            Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: 2.5, high: 4.0 },
            Key::new(1, 2),
        ),
        // the lower tail: tail mode, mirrored
        (
            "truncated_normal",
            Distribution::TruncatedNormal { mean: 1.0, std: 0.5, low: f64::NEG_INFINITY, high: -0.5 },
            Key::new(3, 4),
        ),
    ]
}

fn values<T: Element + Into<f64>>(d: &Distribution, key: Key) -> (Vec<u64>, u64) {
    let v: Vec<T> = generate(4096, d, key, 0, &Options::default()).unwrap();
    let width = size_of::<T>();
    let bits: Vec<u64> = v
        .iter()
        .map(|&x| if width == 4 { u64::from((x.into() as f32).to_bits()) } else { x.into().to_bits() })
        .collect();
    (bits[..4].to_vec(), fnv1a(bits.iter().copied(), width))
}

/// (dtype, case index, first four values' bits, hash of 4096 values)
const PINNED: &[(&str, usize, [u64; 4], u64)] = &[
    ("f32", 0, [0x3d914bcf, 0x3d5ab1e8, 0xbdb138cf, 0xbdb302f4], 0xe47e91504b7797cd), // uniform Key { seed: 0, stream: 0 }
    ("f64", 0, [0x3fab563d2e57862a, 0xbfb6605e68fc8d82, 0xbfb3dff3bf5bee8f, 0xbf85f85f05c61ba7], 0xf00b0111219a548b), // uniform Key { seed: 0, stream: 0 }
    ("f32", 1, [0x3d8f5c63, 0xbcb29c70, 0xbdabf719, 0xbd6048f2], 0xcb5642cf4ee66e85), // uniform Key { seed: 42, stream: 7 }
    ("f64", 1, [0xbf96538dbdb851d4, 0xbfac091e065e30f7, 0xbf8df5040274af74, 0x3f6794e32a4ffd67], 0x704517ab9a8b0152), // uniform Key { seed: 42, stream: 7 }
    ("f32", 2, [0x3eb91769, 0xbf23fe87, 0x4004dc4b, 0x40018934], 0x58bd66525ff89cae), // normal Key { seed: 0, stream: 0 }
    ("f64", 2, [0xbfe47fd0cf03e3a0, 0x400031267ec3ff09, 0xc0006158ababad87, 0xbfda8a62caf9c6e4], 0xd9cbe8126c03f0ad), // normal Key { seed: 0, stream: 0 }
    ("f32", 3, [0xc0168de4, 0x3f674bba, 0x3f91ecab, 0xbf983760], 0x91f8dd800c747c8c), // normal Key { seed: 18446744073709551615, stream: 18446744073709551615 }
    ("f64", 3, [0x3fece977306baef5, 0xbff306ec1b67f760, 0x3ff0a6c0f12fbf0f, 0x3fe7fdd3fda9b362], 0x30d64471e2e6a361), // normal Key { seed: 18446744073709551615, stream: 18446744073709551615 }
    ("f32", 4, [0x3f7d1934, 0x3f30917b, 0xbfadff90, 0xbfb16e71], 0x642f01bb9f6cc6e0), // truncated_normal Key { seed: 0, stream: 0 }
    ("f64", 4, [0x3fe6122f578dc935, 0xbff62dcdd3a6d7fa, 0xbff20fbc1f6f22e1, 0xbfc078d703187a93], 0x162e5800d809e1b1), // truncated_normal Key { seed: 0, stream: 0 }
    ("f32", 5, [0x3ad477fd, 0x3ee9bd30, 0x3de6b36e, 0xc00f183e], 0xccdb604007838542), // truncated_normal Key { seed: 1, stream: 2 }
    ("f64", 5, [0x3fdd37a5af3b3cf7, 0xc001e308751e264c, 0xbfd2e2cd3d092227, 0x3ff1c7dd816c8617], 0xc3b7d66ad2bbcc0f), // truncated_normal Key { seed: 1, stream: 2 }
    ("f32", 6, [0x402f0076, 0x40289e84, 0x402d3979, 0x406db7f9], 0x19a1c69dd7ee257d), // truncated_normal Key { seed: 1, stream: 2 }
    ("f64", 6, [0x400513d08ff1aa1f, 0x400db6ff2a30f0f1, 0x40068f2df0d5bf59, 0x40046585f63115fb], 0x8ce40ba4706d1b88), // truncated_normal Key { seed: 1, stream: 2 }
    ("f32", 7, [0xbf071f2f, 0xbf2d86bd, 0xbf2a9e87, 0xbf25b736], 0x94eee2eba7a8ef10), // truncated_normal Key { seed: 3, stream: 4 }
    ("f64", 7, [0xbfe5b0d79982619b, 0xbfe4b6e6ba16c0de, 0xbfe0000c3cc20adc, 0xbfea92263d1ba299], 0x3160453acffd275f), // truncated_normal Key { seed: 3, stream: 4 }
];

#[test]
fn pinned_values_have_not_changed() {
    let print = std::env::var_os("VARSCALE_PRINT_PINS").is_some();
    let mut checked = 0;
    for (i, (name, d, key)) in cases().iter().enumerate() {
        for dtype in ["f32", "f64"] {
            let (first, hash) = if dtype == "f32" { values::<f32>(d, *key) } else { values::<f64>(d, *key) };
            if print {
                println!(
                    "    (\"{dtype}\", {i}, [{:#x}, {:#x}, {:#x}, {:#x}], {hash:#x}), // {name} {key:?}",
                    first[0], first[1], first[2], first[3]
                );
                continue;
            }
            let pin = PINNED.iter().find(|p| p.0 == dtype && p.1 == i).expect("every case is pinned");
            assert_eq!(first, pin.2, "{dtype} {name} {key:?}: first values changed");
            assert_eq!(hash, pin.3, "{dtype} {name} {key:?}: values changed");
            checked += 1;
        }
    }
    assert!(print || checked == 2 * cases().len());
}

/// (seed, stream, word offset, first four words, hash of 4096 words) of the
/// raw ARS4x32-7 stream that every sampler reads (and `examples/raw_stream`
/// writes). Key (0, 0) at offset 0 starts with `ars4x32::<7>(0, 0)`, the
/// block the portable reference computes for the zero counter and key.
/// The first words of each key were checked against that reference function
/// for the key's first counter block.
const PINNED_WORDS: &[(u64, u64, u64, [u32; 4], u64)] = &[
    (0x0, 0, 0x0, [0xdacf61ff, 0xc45798f3, 0x113c7eeb, 0x101e27f3], 0x32f2dda8fe3df5e),
    (u64::MAX, 1, 0x0, [0x13c57bbb, 0xbfd61d53, 0x5a3c3984, 0xce3f3b16], 0x8643b81e0e5c881b),
    (0x7, 3, 1 << 40, [0xe197a53b, 0xf7a5c716, 0x596c9937, 0xf3cd7375], 0x658a2361e6d72fd7),
];

#[test]
fn raw_generator_words_have_not_changed() {
    let print = std::env::var_os("VARSCALE_PRINT_PINS").is_some();
    let keys = [(0, 0, 0), (u64::MAX, 1, 0), (7, 3, 1 << 40)];
    for (seed, stream, offset) in keys {
        let mut w = vec![0u32; 4096];
        fill_bits::<Ars4x32_7>(&mut w, Key::new(seed, stream), offset, &Options::default()).unwrap();
        let hash = fnv1a(w.iter().map(|&x| u64::from(x)), 4);
        if print {
            println!(
                "    ({seed:#x}, {stream}, {offset:#x}, [{:#010x}, {:#010x}, {:#010x}, {:#010x}], {hash:#x}),",
                w[0], w[1], w[2], w[3]
            );
            continue;
        }
        let pin = PINNED_WORDS.iter().find(|p| (p.0, p.1, p.2) == (seed, stream, offset)).expect("every key is pinned");
        assert_eq!(w[..4], pin.3, "key ({seed}, {stream}) offset {offset}: first words changed");
        assert_eq!(hash, pin.4, "key ({seed}, {stream}) offset {offset}: words changed");
    }
}
