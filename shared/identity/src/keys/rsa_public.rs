//! The public half (modulus `n` and exponent `e`) of an RSA private key, read from
//! its PKCS#1 `RSAPrivateKey` DER (RFC 8017 A.1.2) as written, without building
//! the private key: aws-lc's build checks the key's arithmetic (`RSA_check_key`,
//! about 0.4 ms a 2048-bit key), which the JWKS and the verifier of a cold start
//! do not need. The check runs once, when the key first signs (`SigningKey::sign`).
//!
//! Only the two leading integers are read; what follows them is the private part,
//! left unread.

/// What is wrong with the encoding.
pub type DerError = &'static str;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;

/// The big-endian magnitudes of `n` and `e` in `der`, an `RSAPrivateKey`
/// (`SEQUENCE { version INTEGER (0), n INTEGER, e INTEGER, d INTEGER, ... }`).
pub fn public_components(der: &[u8]) -> Result<(&[u8], &[u8]), DerError> {
    let (key, after) = element(der, SEQUENCE)?;
    if !after.is_empty() {
        return Err("bytes after the key");
    }
    let (version, rest) = element(key, INTEGER)?;
    if version != [0] {
        return Err("not a two-prime RSA private key (version 0)");
    }
    let (n, rest) = element(rest, INTEGER)?;
    let (e, rest) = element(rest, INTEGER)?;
    if rest.is_empty() {
        return Err("no private exponent: a public key, not a private one");
    }
    Ok((positive(n)?, positive(e)?))
}

/// The content of the element at the start of `der`, which must have `tag`, and
/// what follows it. Definite lengths only, as DER requires.
fn element(der: &[u8], tag: u8) -> Result<(&[u8], &[u8]), DerError> {
    let (&found, rest) = der.split_first().ok_or("truncated")?;
    if found != tag {
        return Err("unexpected element");
    }
    let (&first, rest) = rest.split_first().ok_or("truncated")?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return Err("invalid length");
        }
        let (digits, rest) = rest.split_at(count);
        (digits.iter().fold(0, |length, &digit| length << 8 | usize::from(digit)), rest)
    };
    if rest.len() < length {
        return Err("truncated");
    }
    Ok(rest.split_at(length))
}

/// The magnitude of a positive DER integer: its leading zero (there when the
/// highest bit is set) dropped; zero, negative, empty or padded integers refused.
fn positive(integer: &[u8]) -> Result<&[u8], DerError> {
    match integer {
        [] => Err("empty integer"),
        [first, ..] if first & 0x80 != 0 => Err("negative integer"),
        [0] => Err("zero integer"),
        [0, second, ..] if second & 0x80 == 0 => Err("integer not in its shortest form"),
        [0, rest @ ..] => Ok(rest),
        whole => Ok(whole),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SEQUENCE { 0, n, e, d }`, DER-encoded.
    fn key(n: &[u8], e: &[u8], d: &[u8]) -> Vec<u8> {
        let mut body = vec![INTEGER, 1, 0];
        for integer in [n, e, d] {
            body.extend(tlv(INTEGER, integer));
        }
        tlv(SEQUENCE, &body)
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            short @ 0..0x80 => out.push(short as u8),
            long => {
                let digits = (long as u32).to_be_bytes();
                let digits: Vec<u8> = digits.into_iter().skip_while(|&d| d == 0).collect();
                out.push(0x80 | digits.len() as u8);
                out.extend(digits);
            }
        }
        out.extend_from_slice(content);
        out
    }

    #[test]
    fn reads_n_and_e_with_short_and_long_lengths_dropping_the_sign_byte() {
        let n: Vec<u8> = std::iter::once(0).chain(std::iter::repeat_n(0xc5, 256)).collect();
        let der = key(&n, &[1, 0, 1], &[7; 256]);
        assert_eq!(public_components(&der), Ok((&n[1..], &[1u8, 0, 1][..])));
        assert_eq!(public_components(&key(&[0x35], &[3], &[1])), Ok((&[0x35u8][..], &[3u8][..])));
    }

    #[test]
    fn refuses_what_is_not_an_rsa_private_key() {
        let good = key(&[0x35], &[3], &[1]);
        let cases: [(&str, Vec<u8>); 10] = [
            ("empty", vec![]),
            ("truncated", good[..good.len() - 1].to_vec()),
            ("trailing bytes", [good.clone(), vec![0]].concat()),
            ("not a sequence", [vec![INTEGER], good[1..].to_vec()].concat()),
            ("a public key", tlv(SEQUENCE, &[tlv(INTEGER, &[0x35]), tlv(INTEGER, &[3])].concat())),
            ("version 1", tlv(SEQUENCE, &[vec![INTEGER, 1, 1], tlv(INTEGER, &[0x35]), tlv(INTEGER, &[3])].concat())),
            ("negative modulus", key(&[0xb5], &[3], &[1])),
            ("zero exponent", key(&[0x35], &[0], &[1])),
            ("padded modulus", key(&[0, 0x35], &[3], &[1])),
            ("indefinite length", vec![SEQUENCE, 0x80, 0, 0]),
        ];
        for (case, der) in cases {
            assert!(public_components(&der).is_err(), "{case}: {der:02x?}");
        }
    }
}
