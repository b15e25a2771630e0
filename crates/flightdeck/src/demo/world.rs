//! What the workload's scenarios share: the instrumented services, the users and their
//! conversations, the queue between the agents, the requests waiting for the batch job, the
//! counters, and how failures are told apart and retried.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use flightdeck_sdk::openai::ClientError;
use opentelemetry::trace::SpanContext;
use rand::Rng as _;
use rand::rngs::StdRng;
use tokio::sync::mpsc;

use super::anthropic::AnthropicClient;
use super::knowledge::Index;
use super::telemetry::Service;

/// Chat model of the RAG service's stable version.
pub const STABLE_MODEL: &str = "gpt-4o-mini";
/// Chat model of the RAG service's canary version (the model rollout being compared).
pub const CANARY_MODEL: &str = "gpt-4.1-mini";
/// Embedding model of the RAG service and the batch job.
pub const EMBEDDING_MODEL: &str = "text-embedding-3-small";
/// Model of the planner and coder agents.
pub const AGENT_MODEL: &str = "gpt-4.1";
/// Service name of the RAG service.
pub const RAG_SERVICE: &str = "support-rag";
/// Version of the RAG service's stable deployment.
pub const STABLE_VERSION: &str = "1.4.0";
/// Version of the RAG service's canary deployment.
pub const CANARY_VERSION: &str = "1.5.0";
/// Service name of the agent workflow's front end (planner and coder).
pub const ORCHESTRATOR_SERVICE: &str = "agent-orchestrator";
/// Service name of the queue consumer running the reviewer agent.
pub const REVIEWER_SERVICE: &str = "review-worker";
/// Service name of the batch job.
pub const BATCH_SERVICE: &str = "feedback-batch";
/// Name of the in-process queue between the orchestrator and the review worker.
pub const REVIEW_QUEUE: &str = "code-review";
/// Retries of a model call answered with 429 (each attempt is its own span).
pub const MAX_RETRIES: u32 = 2;
/// Longest wait before a retry, whatever `Retry-After` says.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(2);
/// Most answered requests remembered for the batch job (older ones are not scored).
const MAX_PENDING_FOR_BATCH: usize = 64;
/// Turns of a conversation sent back to the model as history.
const HISTORY_TURNS: usize = 2;

/// The demo's users: (`user.id`, `tenant.id`).
pub const USERS: [(&str, &str); 9] = [
    ("user-1001", "acme"),
    ("user-1002", "acme"),
    ("user-1003", "acme"),
    ("user-2001", "globex"),
    ("user-2002", "globex"),
    ("user-2003", "globex"),
    ("user-3001", "initech"),
    ("user-3002", "initech"),
    ("user-4001", "umbrella"),
];

/// A message from the orchestrator to the review worker: W3C headers and a body.
#[derive(Debug, Clone)]
pub struct QueueMessage {
    /// `traceparent`, `tracestate`, `baggage`.
    pub headers: HashMap<String, String>,
    /// The patch to review.
    pub body: String,
    /// The task's conversation.
    pub conversation: String,
}

/// An answered RAG request, for the batch job.
#[derive(Debug, Clone)]
pub struct Answered {
    /// The request's root span.
    pub span: SpanContext,
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
}

/// Requests started and finished, by kind.
#[derive(Debug, Default)]
pub struct Counters {
    /// RAG questions started.
    pub rag: AtomicU64,
    /// Agent tasks started.
    pub agents: AtomicU64,
    /// Reviews done by the review worker.
    pub reviews: AtomicU64,
    /// Batch runs.
    pub batches: AtomicU64,
    /// Requests (of any kind) that ended in an error.
    pub failed: AtomicU64,
    /// Ticks skipped because too many requests were in flight.
    pub skipped: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads `counter`.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Why a request failed, as recorded on its root span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `error.type`.
    pub error_type: String,
    /// Status message.
    pub message: String,
    /// HTTP status the service answers with.
    pub http_status: u16,
}

impl Failure {
    /// A failure of the application itself (not of a model call).
    pub fn app(error_type: &str, message: impl Into<String>, http_status: u16) -> Failure {
        Failure {
            error_type: error_type.to_owned(),
            message: message.into(),
            http_status,
        }
    }
}

impl From<&ClientError> for Failure {
    fn from(e: &ClientError) -> Failure {
        let http_status = match e {
            ClientError::Api { status: 429, .. } => 429,
            ClientError::Api {
                code: Some(code), ..
            } if code == "context_length_exceeded" => 400,
            ClientError::Timeout => 504,
            _ => 502,
        };
        Failure {
            error_type: e.error_type().into_owned(),
            message: e.to_string(),
            http_status,
        }
    }
}

/// Runs `attempt` until it succeeds, fails with something other than a 429, or
/// [`MAX_RETRIES`] retries were made; waits `Retry-After` (at most 2 s) between attempts.
pub async fn with_retries<T, F, Fut>(mut attempt: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let mut retries = 0;
    loop {
        match attempt().await {
            Err(ClientError::Api {
                status: 429,
                retry_after,
                ..
            }) if retries < MAX_RETRIES => {
                retries += 1;
                let wait = retry_after
                    .unwrap_or(Duration::from_secs(1))
                    .min(MAX_RETRY_WAIT);
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// One turn of a user's conversation.
#[derive(Debug, Clone)]
pub struct Turn {
    /// `user.id`.
    pub user: &'static str,
    /// `tenant.id`.
    pub tenant: &'static str,
    /// `gen_ai.conversation.id`.
    pub conversation: String,
    /// Earlier (question, answer) pairs of the conversation, oldest first.
    pub history: Vec<(String, String)>,
    who: usize,
}

#[derive(Debug)]
struct Conversation {
    generation: u32,
    turns: u32,
    length: u32,
    history: VecDeque<(String, String)>,
}

/// The users and their ongoing conversations (a few turns each, then a new one starts).
#[derive(Debug)]
pub struct People {
    run: String,
    conversations: Mutex<Vec<Conversation>>,
}

impl People {
    /// Users with no conversation yet; `run` makes this run's conversation ids unique.
    pub fn new(run: String) -> People {
        let conversations = USERS
            .iter()
            .map(|_| Conversation {
                generation: 0,
                turns: 0,
                length: 0,
                history: VecDeque::new(),
            })
            .collect();
        People {
            run,
            conversations: Mutex::new(conversations),
        }
    }

    fn conversation_id(&self, who: usize, generation: u32) -> String {
        format!("conv-{}-{who}-{generation}", self.run)
    }

    /// A user chosen at random and the next turn of their conversation.
    pub fn next_turn(&self, rng: &mut StdRng) -> Turn {
        let who = rng.random_range(0..USERS.len());
        let (user, tenant) = USERS[who];
        let mut all = match self.conversations.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let c = &mut all[who];
        if c.turns >= c.length {
            c.generation += 1;
            c.turns = 0;
            c.length = rng.random_range(2..=5);
            c.history.clear();
        }
        c.turns += 1;
        Turn {
            user,
            tenant,
            conversation: self.conversation_id(who, c.generation),
            history: c.history.iter().cloned().collect(),
            who,
        }
    }

    /// Remembers an answered turn as history of its conversation (if it is still current).
    pub fn answered(&self, turn: &Turn, question: &str, answer: &str) {
        let mut all = match self.conversations.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let c = &mut all[turn.who];
        if self.conversation_id(turn.who, c.generation) != turn.conversation {
            return;
        }
        c.history
            .push_back((question.to_owned(), answer.chars().take(300).collect()));
        while c.history.len() > HISTORY_TURNS {
            c.history.pop_front();
        }
    }
}

/// Everything the scenarios share.
#[derive(Debug)]
pub struct World {
    /// The RAG service, stable version.
    pub rag_stable: Service,
    /// The RAG service, canary version.
    pub rag_canary: Service,
    /// The agent orchestrator (planner, coder, queue producer).
    pub orchestrator: Service,
    /// The review worker (queue consumer, reviewer agent).
    pub reviewer: Service,
    /// The reviewer's model client (Anthropic Messages API of the mock provider).
    pub anthropic: AnthropicClient,
    /// The batch job.
    pub batch: Service,
    /// The knowledge base index (built at start).
    pub index: Index,
    /// Users and conversations.
    pub people: People,
    /// The queue to the review worker.
    pub queue: mpsc::Sender<QueueMessage>,
    /// Answered RAG requests the batch job has not scored yet.
    pub pending_for_batch: Mutex<VecDeque<Answered>>,
    /// Unique to this run (part of conversation and task ids).
    pub run: String,
    /// Counters shown in the progress line.
    pub counters: Counters,
    /// A large log file some users paste into their question (overflows the context window).
    pub attachment: String,
}

impl World {
    /// Remembers an answered request for the next batch run (the oldest is forgotten when
    /// [`MAX_PENDING_FOR_BATCH`] are waiting).
    pub fn answered_request(&self, answered: Answered) {
        let mut pending = match self.pending_for_batch.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        if pending.len() >= MAX_PENDING_FOR_BATCH {
            pending.pop_front();
        }
        pending.push_back(answered);
    }

    /// Takes the answered requests waiting for the batch job.
    pub fn take_answered(&self) -> Vec<Answered> {
        let mut pending = match self.pending_for_batch.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        pending.drain(..).collect()
    }

    /// Every service, for shutdown.
    pub fn services(&self) -> [&Service; 5] {
        [
            &self.rag_stable,
            &self.rag_canary,
            &self.orchestrator,
            &self.reviewer,
            &self.batch,
        ]
    }
}

/// A log file of about `tokens` tokens (four characters each), as a user would paste it.
pub fn log_attachment(tokens: usize) -> String {
    const LINE: &str = "2026-03-14T09:26:53.589Z ERROR worker-7 upload failed: quota exceeded for bucket media-eu (used 10.0 GB of 10.0 GB), retrying in 30s\n";
    let lines = (tokens * 4).div_ceil(LINE.len());
    LINE.repeat(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    /// A conversation lasts 2 to 5 turns, keeps at most two turns of history, and the next
    /// conversation of the same user gets a new id.
    #[test]
    fn conversations_rotate_with_bounded_history() {
        let people = People::new("t".into());
        let mut rng = StdRng::seed_from_u64(1);
        let mut turns_of: HashMap<String, u32> = HashMap::new();
        for _ in 0..400 {
            let turn = people.next_turn(&mut rng);
            assert!(turn.history.len() <= HISTORY_TURNS);
            *turns_of.entry(turn.conversation.clone()).or_default() += 1;
            people.answered(&turn, "q", "a");
        }
        // 400 turns over 9 users in conversations of at most 5 turns: at least 80 ids.
        assert!(turns_of.len() >= 80, "{}", turns_of.len());
        assert!(turns_of.values().all(|n| (1..=5).contains(n)));
    }

    /// A 429 is retried twice, then returned; other errors are not retried.
    #[tokio::test]
    async fn retries_only_rate_limits() {
        let mut calls = 0;
        let result: Result<(), ClientError> = with_retries(|| {
            calls += 1;
            async {
                Err(ClientError::Api {
                    status: 429,
                    code: Some("rate_limit_exceeded".into()),
                    kind: None,
                    message: "slow down".into(),
                    retry_after: Some(Duration::ZERO),
                })
            }
        })
        .await;
        assert_eq!(calls, 3);
        assert_eq!(Failure::from(&result.unwrap_err()).http_status, 429);

        let mut calls = 0;
        let result: Result<(), ClientError> = with_retries(|| {
            calls += 1;
            async { Err(ClientError::Timeout) }
        })
        .await;
        assert_eq!(calls, 1);
        let failure = Failure::from(&result.unwrap_err());
        assert_eq!(
            (failure.error_type.as_str(), failure.http_status),
            ("timeout", 504)
        );
    }

    /// The attachment has about the asked number of tokens (one per four characters).
    #[test]
    fn attachment_size() {
        let text = log_attachment(1000);
        assert!(
            text.len() >= 4000 && text.len() < 4000 + 200,
            "{}",
            text.len()
        );
    }
}
