//! The instruction-set vocabulary: which SIMD builds exist ([`Isa`]), which
//! this CPU can run (detected at run time), and the compile-time tag
//! ([`Backend`]) that each build of a kernel is instantiated with.
//!
//! This module is the bottom of the crate: it imports nothing of it. The
//! generator (`rng`) picks its AES instructions from a [`Backend`], and the
//! dispatch layer (`dispatch`) enters a build only for an [`Isa`] whose
//! [`Isa::is_supported`] returned true.

use std::sync::OnceLock;

/// An instruction-set build of the fill loop. Every build gives the same bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// The baseline target (SSE2 on x86-64; whatever the target has elsewhere),
    /// with the AES round from the `aes` crate.
    Portable,
    /// x86-64 AVX2 + FMA transforms, AES-NI on one block per instruction.
    Avx2,
    /// x86-64 AVX2 transforms, VAES on two blocks per instruction.
    Avx2Vaes,
    /// x86-64 AVX-512 (F/BW/DQ/VL) transforms, VAES on four blocks.
    Avx512,
}

impl Isa {
    /// Every build, narrowest first.
    pub const ALL: [Isa; 4] = [Isa::Portable, Isa::Avx2, Isa::Avx2Vaes, Isa::Avx512];

    /// The build's name, as the Python `isa=` argument spells it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx2Vaes => "avx2-vaes",
            Isa::Avx512 => "avx512",
        }
    }

    /// The build called `name` (see [`Isa::name`]).
    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL.into_iter().find(|i| i.name() == name)
    }

    /// Whether this CPU can run the build (detected once, then cached by std).
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let avx2 = has!("avx2") && has!("fma") && has!("aes");
            match self {
                Isa::Portable => true,
                Isa::Avx2 => avx2,
                Isa::Avx2Vaes => avx2 && has!("vaes"),
                Isa::Avx512 => {
                    avx2 && has!("vaes") && has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl")
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Isa::Portable
        }
    }

    /// The build used by default: the widest one this CPU supports.
    pub fn best() -> Isa {
        static BEST: OnceLock<Isa> = OnceLock::new();
        *BEST.get_or_init(|| Isa::ALL.into_iter().rev().find(|i| i.is_supported()).unwrap_or(Isa::Portable))
    }

    /// All builds this CPU can run, narrowest first.
    pub fn supported() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_supported()).collect()
    }
}

/// Compile-time tag of the build a kernel instance is compiled for; lets the
/// generator pick its AES intrinsics inside each `#[target_feature]` copy.
///
/// Sealed, and its implementations are private to the crate: code outside
/// cannot name a SIMD backend, so it cannot run AVX-512 instructions on a
/// CPU without them; it reaches the builds only through [`Isa`]-checked
/// entry points.
pub trait Backend: sealed::Sealed {
    /// The build this tag stands for.
    const ISA: Isa;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! backend {
    ($name:ident, $isa:expr) => {
        pub(crate) struct $name;
        impl sealed::Sealed for $name {}
        impl Backend for $name {
            const ISA: Isa = $isa;
        }
    };
}
backend!(PortableBackend, Isa::Portable);
backend!(Avx2Backend, Isa::Avx2);
backend!(Avx2VaesBackend, Isa::Avx2Vaes);
backend!(Avx512Backend, Isa::Avx512);
