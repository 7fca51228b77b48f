//! Just enough PEM, base64 and DER to tell whether a gateway Secret's certificate is one istiod
//! accepts: `pilot/pkg/xds/sds.go` ValidateCertificate decodes the first PEM block, parses the
//! certificates in it (`x509.ParseCertificates`) and rejects any outside its validity window.

/// Why a certificate is rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertProblem {
    /// No PEM block (`pem decode failed`).
    NotPem,
    /// A PEM block whose content is not DER certificates.
    NotCertificate,
    /// `notAfter` is in the past (as `YYYY-MM-DD`).
    Expired(String),
    /// `notBefore` is in the future.
    NotYetValid(String),
}

/// Checks PEM text against the time `now` (seconds since the Unix epoch).
pub fn validate(pem: &[u8], now: i64) -> Result<(), CertProblem> {
    let der = first_pem_block(pem).ok_or(CertProblem::NotPem)?;
    let mut rest = der.as_slice();
    if rest.is_empty() {
        return Err(CertProblem::NotCertificate);
    }
    while !rest.is_empty() {
        let (cert, after) = tlv(rest, 0x30).ok_or(CertProblem::NotCertificate)?;
        let (not_before, not_after) = validity(cert).ok_or(CertProblem::NotCertificate)?;
        if now > not_after {
            return Err(CertProblem::Expired(date(not_after)));
        }
        if now < not_before {
            return Err(CertProblem::NotYetValid(date(not_before)));
        }
        rest = after;
    }
    Ok(())
}

/// The decoded body of the first `-----BEGIN ...-----` block (Go's `pem.Decode`, without
/// headers support beyond skipping `Key: value` lines).
fn first_pem_block(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?;
    let begin = text.find("-----BEGIN ")?;
    let after_begin = &text[begin + "-----BEGIN ".len()..];
    let label_end = after_begin.find("-----")?;
    let body = &after_begin[label_end + 5..];
    let end = body.find("-----END ")?;
    let lines = body[..end].lines().filter(|l| !l.contains(':'));
    base64(&lines.collect::<String>())
}

/// Standard base64 with padding; whitespace ignored.
pub fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// One DER element with tag `tag` at the start of `data`: `(content, rest)`.
fn tlv(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = data.split_first()?;
    if t != tag {
        return None;
    }
    let (len, rest) = length(rest)?;
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// Any DER element: `(tag, content, rest)`.
fn any_tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&t, rest) = data.split_first()?;
    let (len, rest) = length(rest)?;
    (rest.len() >= len).then(|| {
        let (content, rest) = rest.split_at(len);
        (t, content, rest)
    })
}

fn length(data: &[u8]) -> Option<(usize, &[u8])> {
    let (&first, rest) = data.split_first()?;
    if first < 0x80 {
        return Some((usize::from(first), rest));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 || rest.len() < n {
        return None;
    }
    let len = rest[..n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some((len, &rest[n..]))
}

/// `tbsCertificate.validity` of a Certificate's content, as Unix seconds.
fn validity(cert: &[u8]) -> Option<(i64, i64)> {
    let (tbs, _) = tlv(cert, 0x30)?;
    let mut rest = tbs;
    // [0] EXPLICIT version, optional.
    if rest.first() == Some(&0xa0) {
        rest = any_tlv(rest)?.2;
    }
    let (_, _, rest) = any_tlv(rest)?; // serialNumber
    let (_, _, rest) = any_tlv(rest)?; // signature AlgorithmIdentifier
    let (_, _, rest) = any_tlv(rest)?; // issuer
    let (validity, _) = tlv(rest, 0x30)?;
    let (t1, v1, rest) = any_tlv(validity)?;
    let (t2, v2, _) = any_tlv(rest)?;
    Some((time(t1, v1)?, time(t2, v2)?))
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?.strip_suffix('Z')?;
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (year, rest) = match tag {
        0x17 => {
            let yy = num(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        0x18 => (num(0..4)?, 4),
        _ => return None,
    };
    let field = |i: usize| num(rest + 2 * i..rest + 2 * i + 2);
    let (month, day, hour, min) = (field(0)?, field(1)?, field(2)?, field(3)?);
    let sec = field(4).unwrap_or(0);
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of Unix seconds.
fn date(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Seconds since the Unix epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_dates() {
        assert_eq!(base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64("aGVs\nbG8h").as_deref(), Some(&b"hello!"[..]));
        assert_eq!(base64("a$"), None);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            date(days_from_civil(2023, 3, 14) * 86_400 + 5),
            "2023-03-14"
        );
        assert_eq!(date(days_from_civil(2122, 2, 18) * 86_400), "2122-02-18");
        assert_eq!(
            time(0x17, b"230314061541Z"),
            Some(days_from_civil(2023, 3, 14) * 86_400 + 6 * 3600 + 15 * 60 + 41)
        );
    }

    #[test]
    fn not_pem_and_garbage() {
        assert_eq!(validate(b"hush hush hush\n", 0), Err(CertProblem::NotPem));
        let garbage = b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        assert_eq!(validate(garbage, 0), Err(CertProblem::NotCertificate));
    }
}
