//! Seeded randomness, identical on every machine.
//!
//! Everything random in a corpus comes from ChaCha8 streams seeded from the
//! configured seed, and only integer draws are used: no floating-point
//! transcendental functions, whose last bits may differ between platforms'
//! math libraries, and no platform-sized integers. Separate streams feed
//! separate concerns (the organisation, routine traffic, attacks, archive
//! file names), so turning attacks on or off leaves the routine traffic of a
//! seed as it was.
//!
//! Values that must be recomputable from a few coordinates without keeping
//! them (the temporary key of a role's session, say) come from
//! [`Dice::derived`], a generator seeded from the seed and those
//! coordinates.

use rand::distr::{Alphanumeric, Distribution};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The independent random streams of a corpus.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// Accounts, their resources and principals.
    Organisation = 1,
    /// Routine API traffic.
    Routine = 2,
    /// Attack bursts.
    Attacks = 3,
    /// Archive file names.
    Archive = 4,
}

/// Characters of AWS access key ids after the four-letter prefix.
const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A seeded random generator with the draws the corpus needs.
pub(crate) struct Dice(ChaCha8Rng);

impl Dice {
    /// The generator of one stream of a seed.
    pub(crate) fn new(seed: u64, stream: Stream) -> Dice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream as u64);
        Dice(rng)
    }

    /// A generator determined by the seed and `coordinates` alone.
    pub(crate) fn derived(seed: u64, coordinates: &[u64]) -> Dice {
        let mixed = coordinates
            .iter()
            .fold(mix(seed), |state, &part| mix(state ^ mix(part)));
        Dice(ChaCha8Rng::seed_from_u64(mixed))
    }

    /// A number in `0..bound` (`bound` > 0).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0.random_range(0..bound)
    }

    /// A number in `low..=high`.
    pub(crate) fn between(&mut self, low: i64, high: i64) -> i64 {
        self.0.random_range(low..=high)
    }

    /// True with probability `per_mille` / 1000.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.0.random_range(0..1000u32) < per_mille
    }

    /// A uniformly chosen item of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A uniformly chosen index below `len` (`len` > 0).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        let len = u64::try_from(len).expect("slice length fits in u64");
        usize::try_from(self.below(len)).expect("index below a slice length")
    }

    /// A random version 4 UUID, lower case, as CloudTrail writes event ids.
    pub(crate) fn uuid(&mut self) -> String {
        let high: u64 = self.0.random();
        let low: u64 = self.0.random();
        let high = (high & !0xf000) | 0x4000;
        let low = (low & !(0xc << 60)) | (0x8 << 60);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        )
    }

    /// `len` lower-case hexadecimal digits.
    pub(crate) fn hex(&mut self, len: usize) -> String {
        self.symbols(b"0123456789abcdef", 4, len)
    }

    /// `len` characters of the base64 alphabet, as in S3's `x-amz-id-2`.
    pub(crate) fn base64(&mut self, len: usize) -> String {
        self.symbols(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            6,
            len,
        )
    }

    /// `len` symbols of an alphabet of `2^bits` symbols, taking `bits`
    /// random bits for each.
    fn symbols(&mut self, alphabet: &[u8], bits: u32, len: usize) -> String {
        let per_draw = 64 / bits;
        let mask = (1u64 << bits) - 1;
        let mut text = String::with_capacity(len);
        let mut pool = 0u64;
        for position in 0..len {
            if (position as u32).is_multiple_of(per_draw) {
                pool = self.0.next_u64();
            }
            let symbol = usize::try_from(pool & mask).unwrap_or(0);
            text.push(char::from(alphabet[symbol]));
            pool >>= bits;
        }
        text
    }

    /// `len` upper-case hexadecimal digits.
    pub(crate) fn upper_hex(&mut self, len: usize) -> String {
        self.hex(len).to_ascii_uppercase()
    }

    /// `len` decimal digits, the first not zero.
    pub(crate) fn digits(&mut self, len: usize) -> String {
        (0..len)
            .map(|position| {
                let low = if position == 0 { 1 } else { 0 };
                char::from(b'0' + u8::try_from(self.between(low, 9)).unwrap_or(0))
            })
            .collect()
    }

    /// `len` characters of `[A-Za-z0-9]`.
    pub(crate) fn alphanumeric(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(Alphanumeric.sample(&mut self.0)))
            .collect()
    }

    /// An AWS-style identifier: `prefix` and 16 characters of `[A-Z2-7]`,
    /// as in access key ids (`AKIA`, `ASIA`) and unique ids (`AIDA`, `AROA`).
    pub(crate) fn aws_id(&mut self, prefix: &str) -> String {
        let mut id = String::with_capacity(prefix.len() + 16);
        id.push_str(prefix);
        id.push_str(&self.symbols(KEY_ALPHABET, 5, 16));
        id
    }
}

/// A table to draw items from in proportion to integer weights.
pub(crate) struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T> Weighted<T> {
    /// A table of `(weight, item)` pairs; zero weights are never drawn.
    ///
    /// # Panics
    ///
    /// If the weights add up to zero: there would be nothing to draw.
    pub(crate) fn new(entries: impl IntoIterator<Item = (u32, T)>) -> Weighted<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for (weight, item) in entries {
            total += u64::from(weight);
            items.push(item);
            cumulative.push(total);
        }
        assert!(total > 0, "a weighted table needs a positive weight");
        Weighted { items, cumulative }
    }

    /// An item drawn in proportion to its weight.
    pub(crate) fn draw(&self, dice: &mut Dice) -> &T {
        let total = *self.cumulative.last().expect("a table is never empty");
        let ticket = dice.below(total);
        &self.items[self.cumulative.partition_point(|&end| end <= ticket)]
    }
}

/// SplitMix64's finaliser: spreads the bits of `value`.
fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_seeds_differ_and_repeat() {
        let draw = |seed, stream| {
            let mut dice = Dice::new(seed, stream);
            (0..4).map(|_| dice.below(1 << 40)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7, Stream::Routine), draw(7, Stream::Routine));
        assert_ne!(draw(7, Stream::Routine), draw(7, Stream::Attacks));
        assert_ne!(draw(7, Stream::Routine), draw(8, Stream::Routine));
    }

    #[test]
    fn derived_generators_depend_on_every_coordinate() {
        let key = |coordinates: &[u64]| Dice::derived(1, coordinates).aws_id("ASIA");
        assert_eq!(key(&[3, 4]), key(&[3, 4]));
        assert_ne!(key(&[3, 4]), key(&[4, 3]));
        assert_ne!(key(&[3, 4]), key(&[3, 5]));
    }

    #[test]
    fn ids_have_aws_shapes() {
        let mut dice = Dice::new(1, Stream::Routine);
        let uuid = dice.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        let key = dice.aws_id("AKIA");
        assert_eq!(key.len(), 20);
        assert!(key.bytes().all(|b| KEY_ALPHABET.contains(&b)));
        assert_eq!(dice.digits(12).len(), 12);
    }

    #[test]
    fn weighted_draws_follow_weights() {
        let table = Weighted::new([(1, 'a'), (0, 'z'), (3, 'b')]);
        let mut dice = Dice::new(5, Stream::Routine);
        let mut counts = [0u32; 2];
        for _ in 0..4000 {
            match table.draw(&mut dice) {
                'a' => counts[0] += 1,
                'b' => counts[1] += 1,
                other => panic!("drew zero-weight item {other}"),
            }
        }
        assert!((800..1200).contains(&counts[0]), "{counts:?}");
    }
}
