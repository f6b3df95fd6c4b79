//! The CPU kernels behind nlbench's CPU ceilings: a sum that streams a buffer and chains of
//! fused multiply-adds on the widest vectors the processor has. They live in a crate of their
//! own so they are compiled optimised in every profile (see the workspace's `Cargo.toml`): a
//! ceiling measured with unoptimised code would be no ceiling at all.

/// Independent FMA chains per call: enough to cover the FMA units' latency (4 cycles on two
/// pipes needs 8 vectors in flight).
pub const CHAINS: usize = 12;
/// FMA loop iterations per repetition.
pub const FMA_ITERATIONS: u64 = 1 << 16;

/// A sum with sixteen independent accumulators, which the compiler keeps in vector
/// registers: the loads, not the adds, set its pace.
pub fn sum(values: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let mut blocks = values.chunks_exact(16);
    for block in &mut blocks {
        for (a, v) in acc.iter_mut().zip(block) {
            *a += v;
        }
    }
    acc.iter().sum::<f32>() + blocks.remainder().iter().sum::<f32>()
}

/// The widest fused multiply-add the processor offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// 16 f32 lanes (AVX-512F).
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// 8 f32 lanes (AVX2 with FMA3).
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    /// Fused multiply-add the compiler emits for the target as built (NEON on aarch64).
    Baseline,
}

impl Isa {
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Isa::Avx2Fma;
            }
        }
        Isa::Baseline
    }

    pub fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => "AVX-512, 16 lanes",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => "AVX2 + FMA3, 8 lanes",
            Isa::Baseline if cfg!(target_arch = "aarch64") => "NEON, 4 lanes",
            Isa::Baseline => "multiply and add, 4 lanes",
        }
    }

    /// f32 lanes of one vector.
    pub fn lanes(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => 16,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => 8,
            Isa::Baseline => 4,
        }
    }

    /// Runs `repeats × FMA_ITERATIONS` rounds of [`CHAINS`] vector FMAs.
    pub fn fma_chains(self, repeats: u64, seed: f32) -> f32 {
        let iterations = repeats * FMA_ITERATIONS;
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` found AVX-512F on this processor.
            Isa::Avx512 => unsafe { x86::chains_avx512(iterations, seed) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` found AVX2 and FMA3 on this processor.
            Isa::Avx2Fma => unsafe { x86::chains_avx2(iterations, seed) },
            Isa::Baseline => chains::<4, { cfg!(target_arch = "aarch64") }>(iterations, seed),
        }
    }
}

/// [`CHAINS`] chains of `LANES`-wide `x ← x · a + b` for processors without the x86 kernels:
/// a fused multiply-add where `FUSED` (aarch64, where it is baseline), else a multiply and an
/// add (two FLOPs either way).
#[inline(always)]
fn chains<const LANES: usize, const FUSED: bool>(iterations: u64, seed: f32) -> f32 {
    let mut acc = [[seed; LANES]; CHAINS];
    for _ in 0..iterations {
        for chain in &mut acc {
            for x in chain.iter_mut() {
                *x = if FUSED { x.mul_add(A, B) } else { *x * A + B };
            }
        }
    }
    acc.iter().flatten().sum()
}

/// The multiply and the addend of every chain: each converges to b ÷ (1 − a) = 1 and stays
/// finite however long it runs.
const A: f32 = 0.999;
const B: f32 = 0.001;

/// The x86 kernels, written with the vector intrinsics themselves: the compiler does not
/// reliably turn arrays of lanes into full-width FMAs.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{A, B, CHAINS};

    #[target_feature(enable = "avx512f")]
    pub fn chains_avx512(iterations: u64, seed: f32) -> f32 {
        let (a, b) = (_mm512_set1_ps(A), _mm512_set1_ps(B));
        let mut acc = [_mm512_set1_ps(seed); CHAINS];
        for _ in 0..iterations {
            for v in &mut acc {
                *v = _mm512_fmadd_ps(*v, a, b);
            }
        }
        acc.iter().map(|&v| _mm512_reduce_add_ps(v)).sum()
    }

    #[target_feature(enable = "avx2,fma")]
    pub fn chains_avx2(iterations: u64, seed: f32) -> f32 {
        let (a, b) = (_mm256_set1_ps(A), _mm256_set1_ps(B));
        let mut acc = [_mm256_set1_ps(seed); CHAINS];
        for _ in 0..iterations {
            for v in &mut acc {
                *v = _mm256_fmadd_ps(*v, a, b);
            }
        }
        acc.iter()
            .map(|&v| {
                let half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
                let pairs = _mm_hadd_ps(half, half);
                _mm_cvtss_f32(_mm_hadd_ps(pairs, pairs))
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_compute_what_they_claim() {
        let values: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        assert_eq!(sum(&values), 499_500.0);
        // Every chain converges to 1: the sum is chains × lanes.
        let isa = Isa::detect();
        let total = isa.fma_chains(4, 0.0);
        let expected = (CHAINS * isa.lanes()) as f32;
        assert!(
            (total - expected).abs() < 1e-2 * expected,
            "{total} vs {expected}"
        );
    }
}
