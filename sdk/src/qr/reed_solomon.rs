//! Reed–Solomon error correction over GF(2^8) for QR codewords.

/// GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1: powers of the generator 2 (doubled so a
/// sum of two logarithms indexes it directly) and logarithms, built at compile time.
const GF: ([u8; 512], [u8; 256]) = {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u32 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        exp[i + 255] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    (exp, log)
};

pub(crate) fn gf_mul(x: u8, y: u8) -> u8 {
    if x == 0 || y == 0 { 0 } else { GF.0[usize::from(GF.1[usize::from(x)]) + usize::from(GF.1[usize::from(y)])] }
}

/// Reed–Solomon: the generator polynomial of `degree` (leading 1 omitted).
pub(crate) fn rs_divisor(degree: usize) -> Vec<u8> {
    let mut result = vec![0u8; degree];
    result[degree - 1] = 1;
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            result[j] = gf_mul(result[j], root);
            if j + 1 < degree {
                result[j] ^= result[j + 1];
            }
        }
        root = gf_mul(root, 2);
    }
    result
}

/// Appends the Reed–Solomon remainder of `data` by `divisor` to `out`.
pub(crate) fn rs_remainder(data: &[u8], divisor: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let n = divisor.len();
    out.resize(start + n, 0);
    let rem = &mut out[start..];
    for &b in data {
        let factor = b ^ rem[0];
        for j in 0..n - 1 {
            rem[j] = rem[j + 1] ^ gf_mul(divisor[j], factor);
        }
        rem[n - 1] = gf_mul(divisor[n - 1], factor);
    }
}
