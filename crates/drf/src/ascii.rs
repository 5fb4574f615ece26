//! Eight-bytes-at-a-time helpers for ASCII text (the parser only ever sees ASCII).

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The 0x20 bit of every ASCII lowercase letter in `x` (other bytes: 0).
#[inline(always)]
pub(crate) const fn lowercase_bits(x: u64) -> u64 {
    // High bit set in `ge_a` iff the byte is >= b'a', in `gt_z` iff it is > b'z'
    // (no carries between bytes, as every byte is below 0x80).
    let ge_a = x.wrapping_add(ONES * (0x80 - b'a' as u64));
    let gt_z = x.wrapping_add(ONES * (0x80 - b'z' as u64 - 1));
    (ge_a & !gt_z & HIGH) >> 2
}

/// Eight ASCII bytes uppercased.
#[inline(always)]
pub(crate) const fn upper_word(x: u64) -> u64 {
    x ^ lowercase_bits(x)
}

/// The little-endian word at `src[at..at + 8]` (0 if out of range).
#[inline(always)]
pub(crate) fn load_word(src: &[u8], at: usize) -> u64 {
    match src.get(at..at.saturating_add(8)) {
        Some(s) => {
            let mut w = [0u8; 8];
            w.copy_from_slice(s);
            u64::from_le_bytes(w)
        }
        None => 0,
    }
}
