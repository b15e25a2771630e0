//! The built-in detectors: what secrets and personal data look like, as regular expressions plus
//! validators (Luhn checksum, issuer prefixes, digit counts, address parsing) that turn cheap
//! candidates into confident matches.
//!
//! Patterns use ASCII classes (`[0-9]`, ASCII word boundaries) so the regex engine can run them as
//! one lazy DFA over every string.

use std::ops::Range;

/// A validator sees the whole text and the candidate range, and confirms the match.
pub(crate) type Validator = fn(&str, Range<usize>) -> bool;

/// What one cheap pass over a text found; gates decide from it which patterns can match at all,
/// so clean text costs one byte loop and one literal search instead of every regex.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features {
    /// An `@` followed (later) by a `.`.
    pub(crate) at_then_dot: bool,
    /// Most digits in one run, where a run may continue across up to two ` -.()` separators.
    pub(crate) digit_run: u32,
    /// A `+` directly followed by a digit.
    pub(crate) plus_digit: bool,
    /// Occurrences of digit `.` digit.
    pub(crate) digit_dot_digit: u32,
    /// Occurrences of a `:` between hex digits (or next to another `:`).
    pub(crate) hex_colon: u32,
}

impl Features {
    /// Cheap passes over the bytes: vectorized counts and `memchr` searches first; the
    /// byte-by-byte digit-run pass only for text with enough digits to matter.
    pub(crate) fn scan(text: &str) -> Features {
        let b = text.as_bytes();
        let mut f = Features::default();
        if let Some(at) = memchr::memchr(b'@', b) {
            f.at_then_dot = memchr::memchr(b'.', &b[at..]).is_some();
        }
        for i in memchr::memchr_iter(b':', b) {
            let before = i > 0 && (b[i - 1].is_ascii_hexdigit() || b[i - 1] == b':');
            let after = b
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_hexdigit() || *n == b':');
            if before && after {
                f.hex_colon += 1;
            }
        }
        let digits: u32 = b.iter().map(|c| u32::from(c.wrapping_sub(b'0') < 10)).sum();
        if digits == 0 {
            return f;
        }
        f.plus_digit =
            memchr::memchr_iter(b'+', b).any(|i| b.get(i + 1).is_some_and(u8::is_ascii_digit));
        if digits < 4 {
            f.digit_run = digits.min(3);
            return f;
        }
        let mut run = 0u32;
        let mut gap = 0u8; // separators since the last digit of the current run
        for (i, &c) in b.iter().enumerate() {
            if c.is_ascii_digit() {
                run += 1;
                gap = 0;
                f.digit_run = f.digit_run.max(run);
                continue;
            }
            if c == b'.'
                && i > 0
                && b[i - 1].is_ascii_digit()
                && b.get(i + 1).is_some_and(u8::is_ascii_digit)
            {
                f.digit_dot_digit += 1;
            }
            match c {
                // Up to two in a row: "(415) 555" has ") " between digit groups.
                b' ' | b'-' | b'.' | b'(' | b')' if run > 0 && gap < 2 => gap += 1,
                _ => {
                    run = 0;
                    gap = 0;
                }
            }
        }
        f
    }
}

/// When a pattern is worth running on a text.
#[derive(Clone, Copy)]
pub(crate) enum Gate {
    /// Always (user rules).
    Always,
    /// The text contains one of these literals (ASCII case-insensitive).
    Literals(&'static [&'static str]),
    /// The cheap features allow a match.
    Features(fn(&Features) -> bool),
}

/// One built-in pattern: the regex, an optional validator, and its gate.
pub(crate) struct BuiltinPattern {
    pub(crate) pattern: &'static str,
    pub(crate) validate: Option<Validator>,
    pub(crate) gate: Gate,
}

fn lit(
    pattern: &'static str,
    literals: &'static [&'static str],
    validate: Option<Validator>,
) -> BuiltinPattern {
    BuiltinPattern {
        pattern,
        validate,
        gate: Gate::Literals(literals),
    }
}

fn feat(
    pattern: &'static str,
    gate: fn(&Features) -> bool,
    validate: Option<Validator>,
) -> BuiltinPattern {
    BuiltinPattern {
        pattern,
        validate,
        gate: Gate::Features(gate),
    }
}

/// Words that make the free-text `password=...` rule worth running; the same words hint at a
/// credential-named key inside JSON.
pub(crate) const CREDENTIAL_WORDS: &[&str] = &[
    "passw",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "accesskey",
    "access-key",
    "private_key",
    "privatekey",
    "authorization",
    "cookie",
    "credential",
    "session_id",
    "sessionid",
];

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
    pub(crate) fn patterns(self) -> Vec<BuiltinPattern> {
        match self {
            Builtin::Secret => vec![
                // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-api03-), DeepSeek, ...
                lit(r"\bsk-[A-Za-z0-9_-]{20,}", &["sk-"], None),
                // AWS access key ids.
                lit(
                    r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",
                    &["akia", "asia", "abia", "acca"],
                    None,
                ),
                // AWS secret access keys, when named.
                lit(
                    r"(?i)\baws_?secret_?access_?key\b[\x22']?[ \t]*[:=][ \t]*[\x22']?(?P<redact>[A-Za-z0-9/+=]{40})",
                    &["secret"],
                    None,
                ),
                // GitHub tokens.
                lit(
                    r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b",
                    &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
                    None,
                ),
                lit(
                    r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b",
                    &["github_pat_"],
                    None,
                ),
                // GitLab personal access tokens.
                lit(r"\bglpat-[A-Za-z0-9_-]{20,}", &["glpat-"], None),
                // Google API keys.
                lit(r"\bAIza[0-9A-Za-z_-]{35}", &["aiza"], None),
                // Slack tokens and webhooks.
                lit(r"\bxox[abposr]-[A-Za-z0-9-]{10,}", &["xox"], None),
                lit(
                    r"https://hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+",
                    &["hooks.slack.com"],
                    None,
                ),
                // Stripe secret and restricted keys.
                lit(
                    r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}",
                    &["_live_", "_test_"],
                    None,
                ),
                // Hugging Face, Groq, xAI, Perplexity, Replicate, npm.
                lit(r"\bhf_[A-Za-z0-9]{30,}", &["hf_"], None),
                lit(
                    r"\b(?:gsk_|xai-|pplx-|r8_)[A-Za-z0-9]{30,}",
                    &["gsk_", "xai-", "pplx-", "r8_"],
                    None,
                ),
                lit(r"\bnpm_[A-Za-z0-9]{36}\b", &["npm_"], None),
                // SendGrid.
                lit(
                    r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
                    &["sg."],
                    None,
                ),
                // JSON Web Tokens.
                lit(
                    r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}",
                    &["eyj"],
                    None,
                ),
                // Passwords in URLs: scheme://user:password@host.
                lit(
                    r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@\x22'\\]+:(?P<redact>[^/\s@\x22'\\]+)@",
                    &["://"],
                    None,
                ),
                // password=..., api_key: ... in free text.
                lit(
                    r"(?i)\b(?:api[_-]?key|apikey|secret|password|passwd|pwd|access[_-]?token|auth[_-]?token|client[_-]?secret)\b[\x22']?[ \t]*[:=][ \t]*[\x22']?(?P<redact>[^\s\x22'&,;\[\\][^\s\x22'&,;\\]{5,})",
                    CREDENTIAL_WORDS,
                    None,
                ),
            ],
            Builtin::BearerToken => vec![
                lit(
                    r"(?i)\bbearer[ \t]+(?P<redact>[A-Za-z0-9._~+/-]{16,}=*)",
                    &["bearer"],
                    Some(token_like),
                ),
                lit(
                    r"(?i)\bauthorization\b[\x22']?[ \t]*[:=][ \t]*[\x22']?basic[ \t]+(?P<redact>[A-Za-z0-9+/]{4,}={0,2})",
                    &["authorization"],
                    None,
                ),
            ],
            Builtin::PrivateKey => vec![lit(
                r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?s:.)*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
                &["-----begin"],
                None,
            )],
            Builtin::Email => vec![feat(
                r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}\b",
                |f| f.at_then_dot,
                None,
            )],
            Builtin::Card => vec![feat(
                r"\b[0-9](?:[ -]?[0-9]){11,18}\b",
                |f| f.digit_run >= 12,
                Some(card_number),
            )],
            Builtin::Phone => vec![
                feat(
                    r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,6}\b",
                    |f| f.plus_digit,
                    Some(phone_digits),
                ),
                feat(
                    r"(?:\([2-9][0-9]{2}\)[ ]?|\b[2-9][0-9]{2}[.-])[2-9][0-9]{2}[.-][0-9]{4}\b",
                    |f| f.digit_run >= 10,
                    None,
                ),
            ],
            Builtin::Ip => vec![
                feat(
                    r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\b",
                    |f| f.digit_dot_digit >= 3,
                    Some(ipv4_standalone),
                ),
                feat(
                    r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3})?",
                    |f| f.hex_colon >= 2,
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

    /// The features pass sees what the gates need: digit runs across separators, `+digit`,
    /// dotted digits, hex colons, `@` before a dot.
    #[test]
    fn features_scan() {
        let f = Features::scan("call +44 (20) 7946-0958 or a@b.co at 10.1.2.3 on fe80::1");
        assert_eq!(f.digit_run, 12);
        assert!(f.plus_digit);
        assert!(f.at_then_dot);
        // 10.1, 1.2 and 2.3; none in "a@b.co".
        assert_eq!(f.digit_dot_digit, 3);
        // "0:" then ":1" in fe80::1.
        assert_eq!(f.hex_colon, 2);
        let plain = Features::scan("the model returns a summary, 12 tokens: ok");
        assert_eq!(plain.digit_run, 2);
        assert!(!plain.at_then_dot && !plain.plus_digit);
        assert_eq!(plain.hex_colon, 0);
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
