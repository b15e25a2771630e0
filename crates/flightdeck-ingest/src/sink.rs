//! The hand-off from ingest to the pipeline.

use std::time::Duration;

use flightdeck_model::{LogRecord, Span};
use tokio::sync::oneshot;

/// Where decoded telemetry goes. The pipeline runner implements it; tests can implement it too.
///
/// `submit_*` must not block for long: it either accepts the batch into a bounded queue and returns
/// a [`Ticket`], or refuses at once with [`SubmitError::Busy`].
pub trait Sink: Send + Sync + 'static {
    /// Hands over decoded spans.
    fn submit_spans(&self, spans: Vec<Span>) -> Result<Ticket, SubmitError>;
    /// Hands over decoded log records.
    fn submit_logs(&self, logs: Vec<LogRecord>) -> Result<Ticket, SubmitError>;
}

/// Why a batch was not accepted, or did not become durable.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SubmitError {
    /// The bounded queue is full; the client should retry after the delay.
    #[error("ingest queue is full, retry after {}s", retry_after.as_secs())]
    Busy {
        /// Suggested wait before retrying.
        retry_after: Duration,
    },
    /// The batch could not be stored (or the server is shutting down); retryable.
    #[error("{0}")]
    Unavailable(String),
}

/// Resolves when a submitted batch is durable (or has failed).
#[derive(Debug)]
pub struct Ticket(TicketInner);

#[derive(Debug)]
enum TicketInner {
    Done,
    Pending(oneshot::Receiver<Result<(), String>>),
}

/// The writing side of a [`Ticket`]: completes it once.
#[derive(Debug)]
pub struct Completer(oneshot::Sender<Result<(), String>>);

impl Ticket {
    /// A ticket that is already complete (nothing needed storing).
    pub fn done() -> Ticket {
        Ticket(TicketInner::Done)
    }

    /// A pending ticket and the completer that resolves it.
    pub fn pending() -> (Completer, Ticket) {
        let (tx, rx) = oneshot::channel();
        (Completer(tx), Ticket(TicketInner::Pending(rx)))
    }

    /// Waits until the batch is durable.
    pub async fn wait(self) -> Result<(), SubmitError> {
        match self.0 {
            TicketInner::Done => Ok(()),
            TicketInner::Pending(rx) => match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(message)) => Err(SubmitError::Unavailable(message)),
                Err(_) => Err(SubmitError::Unavailable(
                    "the writer stopped before the batch was stored".into(),
                )),
            },
        }
    }
}

impl Completer {
    /// Completes the ticket with the outcome of the write.
    pub fn complete(self, outcome: Result<(), String>) {
        // The receiver is gone when the client disconnected; nothing to tell then.
        let _ = self.0.send(outcome);
    }
}
