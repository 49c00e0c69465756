//! Known-answer tests: the generators against the Random123 vectors in
//! `tests/data/random123_kat_vectors.txt`, and every SIMD build of every
//! generator against its scalar reference form.

use std::num::NonZeroUsize;

use varscale::rng::{ars4x32, philox4x32, threefry4x32};
use varscale::{fill_bits, Ars4x32, CounterRng, Isa, Key, Options, Philox4x32_10, Threefry4x32_20};

struct Kat {
    name: String,
    rounds: usize,
    words: Vec<u32>,
}

fn kat_vectors() -> Vec<Kat> {
    let text = include_str!("data/random123_kat_vectors.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut fields = l.split_whitespace();
            let name = fields.next()?.to_string();
            let rounds = fields.next()?.parse().ok()?;
            // 32-bit generators only: 64-bit words do not parse as u32.
            let words: Option<Vec<u32>> = fields.map(|f| u32::from_str_radix(f, 16).ok()).collect();
            Some(Kat { name, rounds, words: words? })
        })
        .collect()
}

fn split4(w: &[u32]) -> [u32; 4] {
    w.try_into().expect("4 words")
}

/// Checks `block` (the counter and key words of a vector -> the output
/// block) against every published vector of generator `name`, of which there
/// must be `count`; the expected words are the last four of each vector.
fn check_published(name: &str, count: usize, block: impl Fn(&Kat) -> [u32; 4]) {
    let mut checked = 0;
    for k in kat_vectors().iter().filter(|k| k.name == name) {
        let expected = split4(&k.words[k.words.len() - 4..]);
        assert_eq!(block(k), expected, "{name}-{} words {:08x?}", k.rounds, k.words);
        checked += 1;
    }
    assert_eq!(checked, count);
}

#[test]
fn ars4x32_matches_published_vectors() {
    check_published("ars4x32", 3, |k| {
        assert_eq!(k.rounds, 10, "only ARS-10 vectors are published");
        ars4x32::<10>(split4(&k.words[0..4]), split4(&k.words[4..8]))
    });
}

#[test]
fn philox4x32_matches_published_vectors() {
    check_published("philox4x32", 6, |k| {
        let (ctr, key) = (split4(&k.words[0..4]), [k.words[4], k.words[5]]);
        match k.rounds {
            7 => philox4x32::<7>(ctr, key),
            10 => philox4x32::<10>(ctr, key),
            r => panic!("unexpected rounds {r}"),
        }
    });
}

#[test]
fn threefry4x32_matches_published_vectors() {
    check_published("threefry4x32", 9, |k| {
        let (ctr, key) = (split4(&k.words[0..4]), split4(&k.words[4..8]));
        match k.rounds {
            13 => threefry4x32::<13>(ctr, key),
            20 => threefry4x32::<20>(ctr, key),
            72 => threefry4x32::<72>(ctr, key),
            r => panic!("unexpected rounds {r}"),
        }
    });
}

/// Word `t` of group `g` as documented for each generator.
fn reference_word(key: Key, index: u64, block: fn([u32; 4], Key) -> [u32; 4], ars_layout: bool) -> u32 {
    let (g, t) = (index / 64, index % 64);
    let (blk, word) = if ars_layout { (16 * g + t / 4, t % 4) } else { (16 * g + t % 16, t / 16) };
    let ctr = [blk as u32, (blk >> 32) as u32, key.stream as u32, (key.stream >> 32) as u32];
    block(ctr, key)[word as usize]
}

fn check_builds<R: CounterRng>(block: fn([u32; 4], Key) -> [u32; 4], ars_layout: bool) {
    // Offsets not aligned to a group, a counter near a 32-bit carry, and a
    // stream/seed with high bits set.
    let cases =
        [(Key::new(0, 0), 0u64), (Key::new(0xdead_beef_0123_4567, 42), 5), (Key::new(7, u64::MAX), (1 << 36) - 37)];
    for (key, offset) in cases {
        for isa in Isa::supported() {
            let mut out = vec![0u32; 300];
            let opts = Options { threads: NonZeroUsize::new(1), isa: Some(isa) };
            fill_bits::<R>(&mut out, key, offset, &opts).unwrap();
            for (i, &w) in out.iter().enumerate() {
                let want = reference_word(key, offset + i as u64, block, ars_layout);
                assert_eq!(w, want, "{} {:?} key {key:?} index {}", R::NAME, isa, offset + i as u64);
            }
        }
    }
}

#[test]
fn every_build_of_ars_matches_the_reference() {
    check_builds::<Ars4x32<7>>(|c, k| ars4x32::<7>(c, [k.seed as u32, (k.seed >> 32) as u32, 0, 0]), true);
    check_builds::<Ars4x32<10>>(|c, k| ars4x32::<10>(c, [k.seed as u32, (k.seed >> 32) as u32, 0, 0]), true);
}

#[test]
fn every_build_of_philox_and_threefry_matches_the_reference() {
    check_builds::<Philox4x32_10>(|c, k| philox4x32::<10>(c, [k.seed as u32, (k.seed >> 32) as u32]), false);
    check_builds::<Threefry4x32_20>(|c, k| threefry4x32::<20>(c, [k.seed as u32, (k.seed >> 32) as u32, 0, 0]), false);
}
