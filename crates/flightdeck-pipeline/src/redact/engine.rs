//! The redaction engine: finds matches in text, walks structured values (OTLP maps and arrays,
//! JSON held in strings) and applies each rule's mode.
//!
//! Structure matters in three ways. Values under credential-named keys are replaced whole, however
//! they look. Identifiers and binary payloads of GenAI message parts (`id`, `type`, `role`, blob
//! `content`, `data:` URLs) are left alone, so tool-call ids stay joinable and images are not
//! corrupted. JSON held in a string is parsed, redacted value by value and written back as valid
//! JSON, instead of regex-patching escaped text.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, MatchKind};
use flightdeck_model::{AttrValue, Attributes, KeyValue};
use hmac::{Hmac, KeyInit as _, Mac as _};
use regex::{Regex, RegexBuilder};
use rustc_hash::FxHashMap;
use sha2::Sha256;

use super::config::{Mode, RedactConfig};
use super::detectors::{Builtin, CREDENTIAL_WORDS, Features, Gate, Validator, ascii_boundaries};

/// Most rules (built-in and user) one redactor can have: rule hits of one item fit a bitmask.
pub(crate) const MAX_RULES: usize = 64;

/// Attribute-key prefix of the markers the redactor writes; such attributes are never scanned.
pub(crate) const MARKER_PREFIX: &str = "flightdeck.redaction.";

/// Why a redaction configuration is invalid.
#[derive(Debug, thiserror::Error)]
pub enum RedactConfigError {
    /// A user rule's pattern does not compile.
    #[error("pipeline.redact.rules[{index}] ({name}): invalid pattern: {source}")]
    Pattern {
        /// Position in `rules`.
        index: usize,
        /// The rule's name.
        name: String,
        /// What the regex compiler reported.
        source: Box<regex::Error>,
    },
    /// A rule name is empty, has characters other than letters, digits, `_` and `-`, or is used
    /// twice.
    #[error("pipeline.redact.rules[{index}]: invalid rule name {name:?}: {why}")]
    Name {
        /// Position in `rules`.
        index: usize,
        /// The name given.
        name: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Mode `hash` is used but no key is configured.
    #[error(
        "pipeline.redact: rule `{rule}` uses mode \"hash\" but neither hash_key nor hash_key_env is set"
    )]
    MissingHashKey {
        /// The first rule that needs the key.
        rule: String,
    },
    /// `hash_key_env` names a variable that is not set (or is empty).
    #[error("pipeline.redact.hash_key_env: environment variable {0} is not set")]
    HashKeyEnv(String),
    /// Both `hash_key` and `hash_key_env` are set.
    #[error("pipeline.redact: set hash_key or hash_key_env, not both")]
    HashKeyTwice,
    /// Too many rules.
    #[error("pipeline.redact: at most {max} rules (built-in and user) are supported, got {got}")]
    TooManyRules {
        /// The limit.
        max: usize,
        /// How many were configured.
        got: usize,
    },
    /// The mask text is empty.
    #[error("pipeline.redact.mask: must not be empty")]
    EmptyMask,
    /// A built-in pattern does not compile (a bug; the tests compile every built-in).
    #[error("pipeline.redact: built-in detector `{rule}` does not compile: {source}")]
    Builtin {
        /// The detector.
        rule: &'static str,
        /// What the regex compiler reported.
        source: Box<regex::Error>,
    },
    /// The literal prefilter could not be built (a bug; the literals are constants).
    #[error("pipeline.redact: the literal prefilter does not build: {0}")]
    Literals(String),
}

/// One rule: a name, a mode and its precomputed mask text.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) name: String,
    pub(crate) mode: Mode,
    mask: String,
}

struct Pattern {
    rule: usize,
    regex: Regex,
    group: Option<usize>,
    validate: Option<Validator>,
    gate: Gate,
}

impl Pattern {
    fn new(rule: usize, regex: Regex, validate: Option<Validator>, gate: Gate) -> Pattern {
        let group = regex.capture_names().position(|n| n == Some("redact"));
        Pattern {
            rule,
            regex,
            group,
            validate,
            gate,
        }
    }
}

thread_local! {
    /// Scratch space for the lowercased text searched for gate literals.
    static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// How attribute keys are treated, per engine: keys repeat in every span, so each is
    /// classified once per thread.
    static KEY_CLASSES: std::cell::RefCell<(u64, FxHashMap<Box<str>, KeyClass>)> =
        std::cell::RefCell::new((0, FxHashMap::default()));
}

/// Unique ids of engines (for the per-thread key cache).
static NEXT_ENGINE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Most keys cached per thread; past it the cache starts over (keys are low-cardinality in
/// practice; a flood of unique keys costs a little speed, never memory).
const KEY_CACHE_MAX: usize = 4096;

/// How an attribute key is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyClass {
    /// A redaction marker: left alone.
    Marker,
    /// On the deny list.
    Deny,
    /// On the allow list: never scanned.
    Allow,
    /// Named like a credential: the whole value is replaced.
    Credential,
    /// Scanned.
    Scan,
}

/// Most patterns (built-in and user) one engine can have: candidates fit a `u128`.
const MAX_PATTERNS: usize = 128;

/// Attribute keys given as exact names or `prefix*`.
#[derive(Debug, Default)]
struct KeyList {
    exact: HashSet<String>,
    prefixes: Vec<String>,
}

impl KeyList {
    fn new(keys: &[String]) -> KeyList {
        let mut list = KeyList::default();
        for key in keys {
            match key.strip_suffix('*') {
                Some(prefix) => list.prefixes.push(prefix.to_owned()),
                None => {
                    list.exact.insert(key.clone());
                }
            }
        }
        list
    }

    fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }

    fn contains(&self, key: &str) -> bool {
        self.exact.contains(key) || self.prefixes.iter().any(|p| key.starts_with(p.as_str()))
    }
}

/// What redacting one item (a span, a log record, a resource) found, and the running per-rule
/// tally of the batch.
pub(crate) struct Scan<'a> {
    /// Matches per rule, for the whole batch.
    pub(crate) tally: &'a mut [u64],
    /// Matches in this item.
    pub(crate) count: u32,
    /// Rules that matched in this item (bit = rule index).
    pub(crate) rules: u64,
    /// Set when a `drop` rule matched inside the attribute being scanned.
    drop: bool,
    /// Attributes removed from this item.
    pub(crate) removed: u32,
}

impl<'a> Scan<'a> {
    /// A fresh scan of one item, counting into `tally`.
    pub(crate) fn new(tally: &'a mut [u64]) -> Scan<'a> {
        Scan {
            tally,
            count: 0,
            rules: 0,
            drop: false,
            removed: 0,
        }
    }

    fn record(&mut self, rule: usize) {
        self.tally[rule] += 1;
        self.count += 1;
        self.rules |= 1u64 << rule;
    }
}

/// Keys of GenAI message parts (and similar JSON) that hold identifiers or enum values, not
/// content.
const SKIP_FIELDS: &[&str] = &[
    "id",
    "type",
    "role",
    "finish_reason",
    "mime_type",
    "modality",
    "file_id",
    "tool_call_id",
    "call_id",
];

/// Last key segments that name a credential.
const CREDENTIAL_NAMES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secret_key",
    "secretkey",
    "secret-key",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "accesskey",
    "access_key",
    "access-key",
    "privatekey",
    "private_key",
    "private-key",
    "authorization",
    "cookie",
    "set-cookie",
    "credential",
    "credentials",
    "session_id",
    "sessionid",
];

/// True when the last segment of `key` (after `.` or `/`) names a credential: `password`,
/// `client_secret`, `x-api-key`, `accessToken`, `http.request.header.authorization`, ...
pub(crate) fn is_credential_key(key: &str) -> bool {
    let last = key.rsplit(['.', '/']).next().unwrap_or(key);
    if last.len() > 64 {
        return false;
    }
    let bytes = last.as_bytes();
    CREDENTIAL_NAMES.iter().any(|name| {
        let n = name.len();
        if bytes.len() < n || !last[bytes.len() - n..].eq_ignore_ascii_case(name) {
            return false;
        }
        let start = bytes.len() - n;
        start == 0
            || matches!(bytes[start - 1], b'_' | b'-')
            || (bytes[start].is_ascii_uppercase() && bytes[start - 1].is_ascii_lowercase())
    })
}

fn looks_like_json(s: &str) -> bool {
    let t = s.trim_start();
    (t.starts_with('{') || t.starts_with('[')) && s.trim_end().ends_with(['}', ']'])
}

fn is_data_url(s: &str) -> bool {
    s.starts_with("data:") && s.get(..200).unwrap_or(s).contains(";base64,")
}

/// Compiled rules and lists.
pub(crate) struct Engine {
    pub(crate) rules: Vec<Rule>,
    patterns: Vec<Pattern>,
    /// One case-insensitive search for every gate literal (and the credential words).
    literals: AhoCorasick,
    /// Per literal: the patterns it opens (bitmask), and whether it is a credential word.
    literal_opens: Vec<(u128, bool)>,
    /// Patterns that always run (user rules).
    always: u128,
    /// Whether any pattern is gated by the features pass.
    uses_features: bool,
    credential_rule: Option<usize>,
    deny_rule: Option<usize>,
    deny_mode: Mode,
    allow: KeyList,
    deny: KeyList,
    hmac: Option<Hmac<Sha256>>,
    id: u64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules)
            .field("allow", &self.allow)
            .field("deny", &self.deny)
            .finish_non_exhaustive()
    }
}

fn valid_rule_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("must not be empty");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("use letters, digits, `_` and `-`");
    }
    Ok(())
}

impl Engine {
    /// Validates and compiles a configuration.
    pub(crate) fn build(config: &RedactConfig) -> Result<Engine, RedactConfigError> {
        if config.mask.is_empty() {
            return Err(RedactConfigError::EmptyMask);
        }
        let mut rules: Vec<Rule> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut credential_rule = None;
        let mask = |name: &str| config.mask.replace("{rule}", name);
        let d = &config.detectors;
        for builtin in Builtin::ALL {
            let setting = match builtin {
                Builtin::Secret => d.secret,
                Builtin::BearerToken => d.bearer_token,
                Builtin::PrivateKey => d.private_key,
                Builtin::Email => d.email,
                Builtin::Card => d.card,
                Builtin::Phone => d.phone,
                Builtin::Ip => d.ip,
                Builtin::CredentialField => d.credential_field,
            };
            let mode = match setting {
                None => config.mode,
                Some(setting) => match setting.mode() {
                    Some(mode) => mode,
                    None => continue,
                },
            };
            let index = rules.len();
            rules.push(Rule {
                name: builtin.name().to_owned(),
                mode,
                mask: mask(builtin.name()),
            });
            if builtin == Builtin::CredentialField {
                credential_rule = Some(index);
            }
            for p in builtin.patterns() {
                let regex = compile(&ascii_boundaries(p.pattern)).map_err(|source| {
                    RedactConfigError::Builtin {
                        rule: builtin.name(),
                        source: Box::new(source),
                    }
                })?;
                patterns.push(Pattern::new(index, regex, p.validate, p.gate));
            }
        }
        for (i, rule) in config.rules.iter().enumerate() {
            valid_rule_name(&rule.name).map_err(|why| RedactConfigError::Name {
                index: i,
                name: rule.name.clone(),
                why,
            })?;
            if rules.iter().any(|r| r.name == rule.name) || rule.name == "deny_list" {
                return Err(RedactConfigError::Name {
                    index: i,
                    name: rule.name.clone(),
                    why: "the name is already used",
                });
            }
            let regex = compile(&rule.pattern).map_err(|source| RedactConfigError::Pattern {
                index: i,
                name: rule.name.clone(),
                source: Box::new(source),
            })?;
            let index = rules.len();
            rules.push(Rule {
                name: rule.name.clone(),
                mode: rule.mode.unwrap_or(config.mode),
                mask: mask(&rule.name),
            });
            patterns.push(Pattern::new(index, regex, None, Gate::Always));
        }
        let deny = KeyList::new(&config.deny);
        let deny_rule = (!deny.is_empty()).then(|| {
            rules.push(Rule {
                name: "deny_list".to_owned(),
                mode: config.deny_mode,
                mask: mask("deny_list"),
            });
            rules.len() - 1
        });
        if rules.len() > MAX_RULES || patterns.len() > MAX_PATTERNS {
            return Err(RedactConfigError::TooManyRules {
                max: MAX_RULES,
                got: rules.len(),
            });
        }

        let hmac = match rules.iter().find(|r| r.mode == Mode::Hash) {
            None => None,
            Some(rule) => {
                let key = match (&config.hash_key, &config.hash_key_env) {
                    (Some(_), Some(_)) => return Err(RedactConfigError::HashKeyTwice),
                    (Some(key), None) => key.clone(),
                    (None, Some(var)) => std::env::var(var)
                        .ok()
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| RedactConfigError::HashKeyEnv(var.clone()))?,
                    (None, None) => {
                        return Err(RedactConfigError::MissingHashKey {
                            rule: rule.name.clone(),
                        });
                    }
                };
                // HMAC accepts keys of any length, so this never fails.
                Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()
            }
        };
        // One literal search opens the literal-gated patterns; the credential words also hint at
        // credential-named keys inside JSON.
        let mut literal_list: Vec<&str> = Vec::new();
        let mut literal_opens: Vec<(u128, bool)> = Vec::new();
        let mut add_literal = |text: &'static str, bit: u128, hint: bool| match literal_list
            .iter()
            .position(|l| l.eq_ignore_ascii_case(text))
        {
            Some(i) => {
                literal_opens[i].0 |= bit;
                literal_opens[i].1 |= hint;
            }
            None => {
                literal_list.push(text);
                literal_opens.push((bit, hint));
            }
        };
        let mut always = 0u128;
        let mut uses_features = false;
        for (i, p) in patterns.iter().enumerate() {
            match p.gate {
                Gate::Always => always |= 1 << i,
                Gate::Literals(list) => {
                    for l in list {
                        add_literal(l, 1 << i, false);
                    }
                }
                Gate::Features(_) => uses_features = true,
            }
        }
        if credential_rule.is_some() {
            for word in CREDENTIAL_WORDS {
                add_literal(word, 0, true);
            }
        }
        // Searched in a lowercased copy of the text: a case-sensitive automaton keeps its fast
        // prefilter, a case-insensitive one does not.
        let lowered: Vec<String> = literal_list
            .iter()
            .map(|l| l.to_ascii_lowercase())
            .collect();
        let literals = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&lowered)
            .map_err(|e| RedactConfigError::Literals(e.to_string()))?;
        Ok(Engine {
            rules,
            patterns,
            literals,
            literal_opens,
            always,
            uses_features,
            credential_rule,
            deny_rule,
            deny_mode: config.deny_mode,
            allow: KeyList::new(&config.allow),
            deny,
            hmac,
            id: NEXT_ENGINE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The replacement of matched `text` under `rule`.
    fn replacement(&self, rule: usize, text: &str) -> String {
        let r = &self.rules[rule];
        match (r.mode, &self.hmac) {
            (Mode::Hash, Some(mac)) => {
                let mut mac = mac.clone();
                mac.update(text.as_bytes());
                let digest = mac.finalize().into_bytes();
                let mut out = String::with_capacity(r.name.len() + 20);
                out.push('[');
                out.push_str(&r.name);
                out.push(':');
                for b in &digest[..8] {
                    out.push_str(&format!("{b:02x}"));
                }
                out.push(']');
                out
            }
            _ => r.mask.clone(),
        }
    }

    /// The patterns worth running on `text` (bitmask), and whether a credential word occurs.
    fn candidates(&self, text: &str) -> (u128, bool) {
        let mut open = self.always;
        let mut hint = false;
        if self.uses_features {
            let features = Features::scan(text);
            for (i, p) in self.patterns.iter().enumerate() {
                if let Gate::Features(gate) = p.gate
                    && gate(&features)
                {
                    open |= 1 << i;
                }
            }
        }
        if !self.literal_opens.is_empty() {
            LOWERED.with(|cell| {
                let mut lowered = cell.borrow_mut();
                lowered.clear();
                lowered.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
                // Leftmost, non-overlapping: a literal hidden inside an earlier one is not
                // reported, which no two gate literals do in practice.
                for m in self.literals.find_iter(lowered.as_slice()) {
                    let (bits, is_hint) = self.literal_opens[m.pattern().as_usize()];
                    open |= bits;
                    hint |= is_hint;
                }
                if lowered.capacity() > 1 << 20 {
                    *lowered = Vec::new();
                }
            });
        }
        (open, hint)
    }

    /// Redacts matches in plain text. `None` when nothing matched.
    pub(crate) fn redact_text(&self, text: &str, scan: &mut Scan<'_>) -> Option<String> {
        let (open, _) = self.candidates(text);
        self.redact_candidates(text, open, scan)
    }

    fn redact_candidates(&self, text: &str, open: u128, scan: &mut Scan<'_>) -> Option<String> {
        if open == 0 {
            return None;
        }
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for (index, p) in self.patterns.iter().enumerate() {
            if open & (1 << index) == 0 {
                continue;
            }
            let mut push = |start: usize, end: usize| {
                if start < end && p.validate.is_none_or(|v| v(text, start..end)) {
                    found.push((start, end, p.rule));
                }
            };
            match p.group {
                Some(group) => {
                    for caps in p.regex.captures_iter(text) {
                        if let Some(m) = caps.get(group) {
                            push(m.start(), m.end());
                        }
                    }
                }
                None => {
                    for m in p.regex.find_iter(text) {
                        push(m.start(), m.end());
                    }
                }
            }
        }
        if found.is_empty() {
            return None;
        }
        found.sort_unstable_by_key(|&(start, end, rule)| (start, rule, usize::MAX - end));
        let mut out = String::with_capacity(text.len());
        let mut cursor = 0;
        for (start, end, rule) in found {
            if start < cursor {
                continue; // overlaps a match already replaced
            }
            out.push_str(&text[cursor..start]);
            out.push_str(&self.replacement(rule, &text[start..end]));
            scan.record(rule);
            if self.rules[rule].mode == Mode::Drop {
                scan.drop = true;
            }
            cursor = end;
        }
        out.push_str(&text[cursor..]);
        Some(out)
    }

    /// Redacts a string that may hold JSON. `None` when nothing changed.
    fn redact_string(&self, s: &str, scan: &mut Scan<'_>, depth: usize) -> Option<String> {
        if is_data_url(s) {
            return None;
        }
        let (open, hint) = self.candidates(s);
        if open == 0 && !hint {
            return None;
        }
        if depth < 64
            && looks_like_json(s)
            && let Ok(mut json) = serde_json::from_str::<serde_json::Value>(s)
        {
            return self
                .redact_json(&mut json, scan, depth + 1)
                .then(|| json.to_string());
        }
        self.redact_candidates(s, open, scan)
    }

    /// Replaces a whole value under a credential-named key. Returns the replacement text, or
    /// `None` for values that carry nothing (empty, booleans, null).
    fn replace_whole(
        &self,
        rule: usize,
        text: Option<String>,
        scan: &mut Scan<'_>,
    ) -> Option<String> {
        let text = text.filter(|t| !t.is_empty())?;
        scan.record(rule);
        if self.rules[rule].mode == Mode::Drop {
            scan.drop = true;
        }
        Some(self.replacement(rule, &text))
    }

    fn redact_json(
        &self,
        value: &mut serde_json::Value,
        scan: &mut Scan<'_>,
        depth: usize,
    ) -> bool {
        use serde_json::Value;
        match value {
            Value::String(s) => match self.redact_string(s, scan, depth) {
                Some(new) => {
                    *s = new;
                    true
                }
                None => false,
            },
            Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
                self.redact_json(item, scan, depth + 1) | changed
            }),
            Value::Object(map) => {
                let blob = map.get("type").and_then(Value::as_str) == Some("blob");
                let mut changed = false;
                for (key, item) in map.iter_mut() {
                    if SKIP_FIELDS.contains(&key.as_str()) || (blob && key == "content") {
                        continue;
                    }
                    if let Some(rule) = self.credential_rule
                        && is_credential_key(key)
                    {
                        let text = match item {
                            Value::String(s) => Some(s.clone()),
                            Value::Number(n) => Some(n.to_string()),
                            Value::Array(_) | Value::Object(_) => Some(item.to_string()),
                            Value::Null | Value::Bool(_) => None,
                        };
                        if let Some(new) = self.replace_whole(rule, text, scan) {
                            *item = Value::String(new);
                            changed = true;
                        }
                        continue;
                    }
                    changed |= self.redact_json(item, scan, depth + 1);
                }
                changed
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => false,
        }
    }

    /// Redacts a structured OTLP value in place.
    pub(crate) fn redact_value(&self, value: &mut AttrValue, scan: &mut Scan<'_>, depth: usize) {
        match value {
            AttrValue::Str(s) => {
                if let Some(new) = self.redact_string(s, scan, depth) {
                    *s = new;
                }
            }
            AttrValue::Array(items) => {
                for item in items {
                    self.redact_value(item, scan, depth + 1);
                }
            }
            AttrValue::Map(entries) => self.redact_entries(entries, scan, depth + 1),
            AttrValue::Empty
            | AttrValue::Bool(_)
            | AttrValue::Int(_)
            | AttrValue::Double(_)
            | AttrValue::Bytes(_) => {}
        }
    }

    fn redact_entries(&self, entries: &mut [KeyValue], scan: &mut Scan<'_>, depth: usize) {
        let blob = entries
            .iter()
            .any(|kv| kv.key == "type" && kv.value.as_str() == Some("blob"));
        for kv in entries {
            if SKIP_FIELDS.contains(&kv.key.as_str()) || (blob && kv.key == "content") {
                continue;
            }
            if let Some(rule) = self.credential_rule
                && is_credential_key(&kv.key)
            {
                if let Some(new) = self.replace_whole(rule, whole_text(&kv.value), scan) {
                    kv.value = AttrValue::Str(new);
                }
                continue;
            }
            self.redact_value(&mut kv.value, scan, depth);
        }
    }

    fn classify_uncached(&self, key: &str) -> KeyClass {
        if key.starts_with(MARKER_PREFIX) {
            KeyClass::Marker
        } else if self.deny_rule.is_some() && self.deny.contains(key) {
            KeyClass::Deny
        } else if self.allow.contains(key) {
            KeyClass::Allow
        } else if self.credential_rule.is_some() && is_credential_key(key) {
            KeyClass::Credential
        } else {
            KeyClass::Scan
        }
    }

    fn classify(&self, key: &str) -> KeyClass {
        KEY_CLASSES.with(|cell| {
            let mut cache = cell.borrow_mut();
            if cache.0 != self.id || cache.1.len() >= KEY_CACHE_MAX {
                cache.0 = self.id;
                cache.1.clear();
            }
            if let Some(class) = cache.1.get(key) {
                return *class;
            }
            let class = self.classify_uncached(key);
            cache.1.insert(key.into(), class);
            class
        })
    }

    /// True when redacting `attributes` might change them (used to skip copying shared
    /// resources that are clean, the usual case).
    pub(crate) fn might_change(&self, attributes: &Attributes) -> bool {
        attributes.iter().any(|kv| match self.classify(&kv.key) {
            KeyClass::Marker | KeyClass::Allow => false,
            KeyClass::Deny => true,
            KeyClass::Credential => whole_text(&kv.value).is_some_and(|t| !t.is_empty()),
            KeyClass::Scan => match &kv.value {
                AttrValue::Str(s) => {
                    let (open, hint) = self.candidates(s);
                    open != 0 || hint
                }
                AttrValue::Array(_) | AttrValue::Map(_) => true,
                _ => false,
            },
        })
    }

    /// Redacts an attribute list: deny list, allow list, credential-named keys, then values.
    /// Attributes a `drop` rule matched in are removed.
    pub(crate) fn redact_attributes(&self, attributes: &mut Attributes, scan: &mut Scan<'_>) {
        attributes.0.retain_mut(|kv| {
            let class = self.classify(&kv.key);
            if matches!(class, KeyClass::Marker | KeyClass::Allow) {
                return true;
            }
            // Only scalar values of scanned keys can be skipped without a look.
            if class == KeyClass::Scan
                && matches!(
                    kv.value,
                    AttrValue::Empty
                        | AttrValue::Bool(_)
                        | AttrValue::Int(_)
                        | AttrValue::Double(_)
                )
            {
                return true;
            }
            scan.drop = false;
            if let (KeyClass::Deny, Some(rule)) = (class, self.deny_rule) {
                if self.deny_mode == Mode::Drop {
                    scan.record(rule);
                    scan.removed += 1;
                    return false;
                }
                if let Some(new) = self.replace_whole(rule, whole_text(&kv.value), scan) {
                    kv.value = AttrValue::Str(new);
                }
                return true;
            }
            if let (KeyClass::Credential, Some(rule)) = (class, self.credential_rule) {
                if let Some(new) = self.replace_whole(rule, whole_text(&kv.value), scan) {
                    kv.value = AttrValue::Str(new);
                }
            } else {
                self.redact_value(&mut kv.value, scan, 0);
            }
            if scan.drop {
                scan.drop = false;
                scan.removed += 1;
                return false;
            }
            true
        });
    }

    /// Redacts free text that cannot be removed (a span name, a status message): `drop` masks.
    pub(crate) fn redact_fixed_text(&self, text: &mut String, scan: &mut Scan<'_>) {
        if let Some(new) = self.redact_text(text, scan) {
            *text = new;
        }
        scan.drop = false;
    }

    /// Redacts a value that is not an attribute (a log body): `drop` empties it.
    pub(crate) fn redact_body(&self, body: &mut AttrValue, scan: &mut Scan<'_>) {
        scan.drop = false;
        self.redact_value(body, scan, 0);
        if scan.drop {
            scan.drop = false;
            *body = AttrValue::Empty;
        }
    }

    /// Redacts an optional text field (of the typed GenAI view): `drop` clears it.
    pub(crate) fn redact_field(&self, field: &mut Option<String>, scan: &mut Scan<'_>) {
        let Some(text) = field.as_mut() else {
            return;
        };
        scan.drop = false;
        if let Some(new) = self.redact_string(text, scan, 0) {
            *text = new;
        }
        if scan.drop {
            scan.drop = false;
            *field = None;
        }
    }
}

/// The text a whole-value replacement hashes: strings as they are, numbers and structures as
/// JSON; nothing for empty values and booleans.
fn whole_text(value: &AttrValue) -> Option<String> {
    match value {
        AttrValue::Empty | AttrValue::Bool(_) => None,
        AttrValue::Str(s) => Some(s.clone()),
        other => Some(other.to_json().to_string()),
    }
}

fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).size_limit(4 << 20).build()
}
