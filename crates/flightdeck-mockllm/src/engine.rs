//! Deterministic decisions shared by both APIs: the per-request random stream, faults, output
//! length, generated text, delays, token estimates and the prompt cache.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::{Behavior, MockLlmConfig};

/// Most prompt prefixes remembered; the cache is cleared when full (bounded memory).
const CACHE_CAPACITY: usize = 4096;

const WORDS: [&str; 64] = [
    "the",
    "model",
    "answers",
    "with",
    "a",
    "short",
    "and",
    "plausible",
    "sentence",
    "about",
    "latency",
    "tokens",
    "agents",
    "tools",
    "retrieval",
    "context",
    "window",
    "stream",
    "chunk",
    "first",
    "time",
    "cost",
    "trace",
    "span",
    "request",
    "provider",
    "cache",
    "reasoning",
    "output",
    "input",
    "result",
    "value",
    "because",
    "therefore",
    "however",
    "each",
    "every",
    "small",
    "large",
    "fast",
    "slow",
    "error",
    "retry",
    "budget",
    "prompt",
    "answer",
    "question",
    "document",
    "score",
    "relevant",
    "summary",
    "plan",
    "step",
    "call",
    "weather",
    "Paris",
    "today",
    "is",
    "of",
    "to",
    "in",
    "for",
    "on",
    "it",
];

/// A failure chosen for a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fault {
    /// HTTP 429 with `Retry-After`.
    RateLimited(Duration),
    /// Hang, then HTTP 504.
    Timeout(Duration),
    /// HTTP 500.
    ServerError,
}

/// Everything decided for one request.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) behavior: Behavior,
    pub(crate) rng: StdRng,
    pub(crate) fault: Option<Fault>,
    /// Whether a streamed answer fails midway.
    pub(crate) stream_error: bool,
}

impl Plan {
    /// Output length (tokens) before the request's cap.
    pub(crate) fn output_tokens(&mut self) -> u32 {
        let b = &self.behavior;
        self.rng
            .random_range(b.min_output_tokens.max(1)..=b.max_output_tokens.max(1))
    }

    /// `n` generated words; each word is one output token.
    pub(crate) fn words(&mut self, n: u32) -> Vec<&'static str> {
        (0..n)
            .map(|_| WORDS[self.rng.random_range(0..WORDS.len())])
            .collect()
    }

    /// A hex id from the random stream.
    pub(crate) fn id(&mut self) -> String {
        format!(
            "{:016x}{:08x}",
            self.rng.random::<u64>(),
            self.rng.random::<u32>()
        )
    }

    /// A random integer in `lo..=hi`.
    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    fn jittered(&mut self, d: Duration) -> Duration {
        let j = self.behavior.jitter;
        if j <= 0.0 || d.is_zero() {
            return d;
        }
        let factor = 1.0 + j * (2.0 * self.rng.random::<f64>() - 1.0);
        d.mul_f64(factor.max(0.0))
    }

    /// Delay before the first token (or the whole answer's start).
    pub(crate) fn first_token_delay(&mut self) -> Duration {
        let d = self.behavior.base_latency + self.behavior.time_to_first_token;
        self.jittered(d)
    }

    /// Delay before the embedding answer.
    pub(crate) fn base_delay(&mut self) -> Duration {
        let d = self.behavior.base_latency;
        self.jittered(d)
    }

    /// Delay between two output tokens.
    pub(crate) fn token_interval(&mut self) -> Duration {
        let tps = self.behavior.tokens_per_second;
        if tps <= 0.0 {
            return Duration::ZERO;
        }
        let d = Duration::from_secs_f64(1.0 / tps);
        self.jittered(d)
    }

    /// Delay of a non-streamed answer of `tokens` tokens.
    pub(crate) fn whole_answer_delay(&mut self, tokens: u32) -> Duration {
        let mut d = self.first_token_delay();
        for _ in 1..tokens {
            d += self.token_interval();
        }
        d
    }

    /// A deterministic embedding of `text`: unit length, `dims` dimensions.
    pub(crate) fn embedding(seed: u64, text: &str, dims: u32) -> Vec<f32> {
        let mut rng = StdRng::seed_from_u64(mix(seed, fnv1a(text.as_bytes())));
        let v: Vec<f32> = (0..dims).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.into_iter().map(|x| x / norm).collect()
        } else {
            v
        }
    }
}

/// The shared state of a running mock.
#[derive(Debug)]
pub(crate) struct Engine {
    pub(crate) config: MockLlmConfig,
    counter: AtomicU64,
    cache: Mutex<HashSet<u64>>,
}

/// SplitMix64 finalizer, to derive independent streams from (seed, index).
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn mix(seed: u64, index: u64) -> u64 {
    splitmix(seed ^ splitmix(index))
}

/// FNV-1a: a stable hash (unlike `DefaultHasher`, fixed across Rust versions).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Estimated tokens of a text: one per four characters, rounded up.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

impl Engine {
    pub(crate) fn new(config: MockLlmConfig) -> Engine {
        Engine {
            config,
            counter: AtomicU64::new(0),
            cache: Mutex::new(HashSet::new()),
        }
    }

    /// Requests planned so far.
    pub(crate) fn requests(&self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }

    /// Decides the fate of the next request for `model`. The random draws are made in a fixed
    /// order so that the outcome depends only on the seed and the request's position.
    pub(crate) fn plan(&self, model: &str) -> Plan {
        let index = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut rng = StdRng::seed_from_u64(mix(self.config.seed, index));
        let behavior = self.config.behavior(model);
        let (r_limit, r_timeout, r_error, r_stream): (f64, f64, f64, f64) =
            (rng.random(), rng.random(), rng.random(), rng.random());
        let fault = if r_limit < behavior.rate_limit_rate {
            Some(Fault::RateLimited(behavior.retry_after))
        } else if r_timeout < behavior.timeout_rate {
            Some(Fault::Timeout(behavior.timeout_hang))
        } else if r_error < behavior.error_rate {
            Some(Fault::ServerError)
        } else {
            None
        };
        Plan {
            stream_error: r_stream < behavior.stream_error_rate,
            behavior,
            rng,
            fault,
        }
    }

    /// Looks a prompt prefix up in the cache: `true` if it was cached before; otherwise it is
    /// cached now and `false` is returned.
    pub(crate) fn cache_hit(&self, model: &str, prefix: &str) -> bool {
        let key = fnv1a(model.as_bytes()) ^ fnv1a(prefix.as_bytes()).rotate_left(1);
        let Ok(mut cache) = self.cache.lock() else {
            return false;
        };
        if cache.contains(&key) {
            return true;
        }
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(key);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same seed and request index give the same plan; another index gives another.
    #[test]
    fn plans_are_deterministic() {
        let a = Engine::new(MockLlmConfig {
            seed: 9,
            ..MockLlmConfig::default()
        });
        let b = Engine::new(MockLlmConfig {
            seed: 9,
            ..MockLlmConfig::default()
        });
        let first: Vec<_> = a.plan("m").words(20);
        assert_eq!(first, b.plan("m").words(20));
        let second: Vec<_> = a.plan("m").words(20);
        assert_eq!(second, b.plan("m").words(20));
        assert_ne!(first, second);
    }

    /// Rates of 1 always fail; the 429 takes precedence over the others.
    #[test]
    fn certain_faults() {
        let mut c = MockLlmConfig::default();
        c.defaults.rate_limit_rate = 1.0;
        c.defaults.error_rate = 1.0;
        let e = Engine::new(c);
        assert_eq!(
            e.plan("m").fault,
            Some(Fault::RateLimited(Duration::from_secs(1)))
        );
    }

    /// Token estimates round up per four characters.
    #[test]
    fn token_estimate() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("éééé"), 1);
    }

    /// The first use of a prefix writes the cache, the second reads it.
    #[test]
    fn cache_write_then_read() {
        let e = Engine::new(MockLlmConfig::default());
        assert!(!e.cache_hit("m", "prefix"));
        assert!(e.cache_hit("m", "prefix"));
        assert!(!e.cache_hit("other", "prefix"));
    }

    /// Embeddings are unit vectors and depend only on seed and text.
    #[test]
    fn embeddings_are_stable_unit_vectors() {
        let a = Plan::embedding(1, "hello", 8);
        assert_eq!(a, Plan::embedding(1, "hello", 8));
        assert_ne!(a, Plan::embedding(2, "hello", 8));
        let norm: f32 = a.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
    }
}
