//! The built-in detectors: what secrets and personal data look like, as regular expressions plus
//! validators (Luhn checksum, issuer prefixes, digit counts, address parsing) that turn cheap
//! candidates into confident matches.
//!
//! Patterns use ASCII classes (`[0-9]`, ASCII word boundaries) so the regex engine can run them as
//! one lazy DFA over every string.

use std::ops::Range;

/// A validator sees the whole text and the candidate range, and confirms the match.
pub(crate) type Validator = fn(&str, Range<usize>) -> bool;

/// One built-in detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// Provider API keys, tokens, JWTs, URL passwords, `password=` assignments.
    Secret,
    /// `Bearer` tokens and `Authorization: Basic` credentials.
    BearerToken,
    /// PEM private keys.
    PrivateKey,
    /// Email addresses.
    Email,
    /// Payment card numbers (issuer prefix + Luhn).
    Card,
    /// Phone numbers.
    Phone,
    /// IPv4 and IPv6 addresses.
    Ip,
    /// Values of fields named like credentials (matched on the key, not the text).
    CredentialField,
}

impl Builtin {
    /// Every built-in, in the order their matches win over each other on overlap.
    pub const ALL: [Builtin; 8] = [
        Builtin::PrivateKey,
        Builtin::Secret,
        Builtin::BearerToken,
        Builtin::CredentialField,
        Builtin::Email,
        Builtin::Card,
        Builtin::Phone,
        Builtin::Ip,
    ];

    /// The rule name used in configuration, counters and masks.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Secret => "secret",
            Builtin::BearerToken => "bearer_token",
            Builtin::PrivateKey => "private_key",
            Builtin::Email => "email",
            Builtin::Card => "card",
            Builtin::Phone => "phone",
            Builtin::Ip => "ip",
            Builtin::CredentialField => "credential_field",
        }
    }

    /// The text patterns of the detector (empty for the key-based credential detector). A pattern
    /// with a group named `redact` replaces only that group.
    pub(crate) fn patterns(self) -> Vec<(&'static str, Option<Validator>)> {
        match self {
            Builtin::Secret => vec![
                // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-api03-), DeepSeek, ...
                (r"\bsk-[A-Za-z0-9_-]{20,}", None),
                // AWS access key ids.
                (r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", None),
                // AWS secret access keys, when named.
                (
                    r"(?i)\baws_?secret_?access_?key\b[\x22']?[ \t]*[:=][ \t]*[\x22']?(?P<redact>[A-Za-z0-9/+=]{40})",
                    None,
                ),
                // GitHub tokens.
                (r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b", None),
                (r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", None),
                // GitLab personal access tokens.
                (r"\bglpat-[A-Za-z0-9_-]{20,}", None),
                // Google API keys.
                (r"\bAIza[0-9A-Za-z_-]{35}", None),
                // Slack tokens and webhooks.
                (r"\bxox[abposr]-[A-Za-z0-9-]{10,}", None),
                (
                    r"https://hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+",
                    None,
                ),
                // Stripe secret and restricted keys.
                (r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}", None),
                // Hugging Face, Groq, xAI, Perplexity, Replicate, npm.
                (r"\bhf_[A-Za-z0-9]{30,}", None),
                (r"\b(?:gsk_|xai-|pplx-|r8_)[A-Za-z0-9]{30,}", None),
                (r"\bnpm_[A-Za-z0-9]{36}\b", None),
                // SendGrid.
                (r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b", None),
                // JSON Web Tokens.
                (
                    r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}",
                    None,
                ),
                // Passwords in URLs: scheme://user:password@host.
                (
                    r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@\x22'\\]+:(?P<redact>[^/\s@\x22'\\]+)@",
                    None,
                ),
                // password=..., api_key: ... in free text.
                (
                    r"(?i)\b(?:api[_-]?key|apikey|secret|password|passwd|pwd|access[_-]?token|auth[_-]?token|client[_-]?secret)\b[\x22']?[ \t]*[:=][ \t]*[\x22']?(?P<redact>[^\s\x22'&,;\[\\][^\s\x22'&,;\\]{5,})",
                    None,
                ),
            ],
            Builtin::BearerToken => vec![
                (
                    r"(?i)\bbearer[ \t]+(?P<redact>[A-Za-z0-9._~+/-]{16,}=*)",
                    Some(token_like),
                ),
                (
                    r"(?i)\bauthorization\b[\x22']?[ \t]*[:=][ \t]*[\x22']?basic[ \t]+(?P<redact>[A-Za-z0-9+/]{4,}={0,2})",
                    None,
                ),
            ],
            Builtin::PrivateKey => vec![(
                r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?s:.)*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
                None,
            )],
            Builtin::Email => vec![(
                r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}\b",
                None,
            )],
            Builtin::Card => vec![(r"\b[0-9](?:[ -]?[0-9]){11,18}\b", Some(card_number))],
            Builtin::Phone => vec![
                (
                    r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,6}\b",
                    Some(phone_digits),
                ),
                (
                    r"(?:\([2-9][0-9]{2}\)[ ]?|\b[2-9][0-9]{2}[.-])[2-9][0-9]{2}[.-][0-9]{4}\b",
                    None,
                ),
            ],
            Builtin::Ip => vec![
                (
                    r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\b",
                    Some(ipv4_standalone),
                ),
                (
                    r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3})?",
                    Some(ipv6),
                ),
            ],
            Builtin::CredentialField => Vec::new(),
        }
    }
}

/// Rewrites `\b` to an ASCII word boundary: Unicode word boundaries keep the regex engine off its
/// fast DFA path.
pub(crate) fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// A bearer token has at least one character that prose words do not (a digit or `._~+/-=`).
fn token_like(text: &str, range: Range<usize>) -> bool {
    text[range]
        .bytes()
        .any(|b| b.is_ascii_digit() || b"._~+/-=".contains(&b))
}

/// Luhn checksum over ASCII digits.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Issuer prefixes and lengths of the major card networks.
fn known_issuer(digits: &[u8]) -> bool {
    let len = digits.len();
    let prefix = |n: usize| -> u32 {
        digits[..n.min(len)]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let p1 = prefix(1);
    let p2 = prefix(2);
    let p3 = prefix(3);
    let p4 = prefix(4);
    let p6 = prefix(6);
    match p1 {
        4 => matches!(len, 13 | 16 | 19),              // Visa
        5 if (51..=55).contains(&p2) => len == 16,     // Mastercard
        2 if (2221..=2720).contains(&p4) => len == 16, // Mastercard
        3 if p2 == 34 || p2 == 37 => len == 15,        // Amex
        3 if (3528..=3589).contains(&p4) => (16..=19).contains(&len), // JCB
        3 if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 => {
            (14..=19).contains(&len) // Diners
        }
        6 if p4 == 6011 || p2 == 65 || (644..=649).contains(&p3) => (16..=19).contains(&len), // Discover
        6 if p2 == 62 => (16..=19).contains(&len), // UnionPay
        5 | 6 if p2 == 50 || (56..=69).contains(&p2) => (12..=19).contains(&len), // Maestro
        _ => (622126..=622925).contains(&p6) && len >= 16,
    }
}

fn card_number(text: &str, range: Range<usize>) -> bool {
    let digits: Vec<u8> = text[range].bytes().filter(|b| b.is_ascii_digit()).collect();
    (12..=19).contains(&digits.len())
        && digits.iter().any(|d| *d != digits[0])
        && known_issuer(&digits)
        && luhn(&digits)
}

fn phone_digits(text: &str, range: Range<usize>) -> bool {
    let digits = text[range].bytes().filter(|b| b.is_ascii_digit()).count();
    (8..=15).contains(&digits)
}

/// Not part of a longer dotted number (a five-part version or an OID), and not a loopback or
/// unspecified address (those identify no one).
fn ipv4_standalone(text: &str, range: Range<usize>) -> bool {
    if let Ok(ip) = text[range.clone()].parse::<std::net::Ipv4Addr>()
        && (ip.is_loopback() || ip.is_unspecified())
    {
        return false;
    }
    let before = &text.as_bytes()[..range.start];
    let after = &text.as_bytes()[range.end..];
    let dotted_before = before.len() >= 2
        && before[before.len() - 1] == b'.'
        && before[before.len() - 2].is_ascii_digit();
    let dotted_after = after.len() >= 2 && after[0] == b'.' && after[1].is_ascii_digit();
    !dotted_before && !dotted_after
}

/// A real IPv6 address, not `std::io`-like text: it parses, and has either three colons or a `::`
/// with at least five hex digits.
fn ipv6(text: &str, range: Range<usize>) -> bool {
    let candidate = &text[range];
    match candidate.parse::<std::net::Ipv6Addr>() {
        Ok(ip) if !ip.is_loopback() && !ip.is_unspecified() => {}
        _ => return false,
    }
    let colons = candidate.bytes().filter(|b| *b == b':').count();
    let hex = candidate.bytes().filter(|b| b.is_ascii_hexdigit()).count();
    (colons >= 3 && hex >= 4) || hex >= 5
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Luhn checksum accepts the network test numbers and rejects a one-digit change.
    #[test]
    fn luhn_checksum() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"378282246310005"));
        assert!(!luhn(b"4111111111111112"));
    }

    /// Card candidates need a valid checksum and a known issuer; timestamps and repeated digits
    /// are not cards.
    #[test]
    fn card_validation() {
        let ok = |s: &str| card_number(s, 0..s.len());
        assert!(ok("4111 1111 1111 1111"));
        assert!(ok("5500-0000-0000-0004"));
        assert!(ok("378282246310005"));
        assert!(!ok("4111 1111 1111 1112"));
        assert!(!ok("0000000000000000"));
        // A 19-digit nanosecond timestamp that happens to pass Luhn has no issuer prefix.
        assert!(luhn(b"1795301215798752527"));
        assert!(!ok("1795301215798752527"));
    }

    /// IPv6 validation rejects Rust paths and short hex pairs but keeps real addresses.
    #[test]
    fn ipv6_validation() {
        let ok = |s: &str| ipv6(s, 0..s.len());
        assert!(ok("2001:db8::8a2e:370:7334"));
        assert!(ok("fe80::1ff"));
        assert!(!ok("d::"));
        assert!(!ok("ab::cd"));
        assert!(!ok("12:30:45"));
    }

    /// An IPv4-looking run inside a longer dotted number is not an address.
    #[test]
    fn ipv4_in_versions() {
        let text = "version 1.2.3.4.5 and host 10.0.0.7";
        assert!(!ipv4_standalone(text, 8..15));
        assert!(ipv4_standalone(text, 27..35));
        assert!(!ipv4_standalone("127.0.0.1", 0..9));
    }
}
