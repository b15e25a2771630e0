//! The batch job (`feedback-batch`): every few seconds it scores the answers the RAG service
//! gave since its last run. Its run is a trace of its own whose root span links to the request
//! of every answer it scored; inside, one embeddings call for all answers and one grader model
//! call.

use flightdeck_sdk::openai::{ChatRequest, EmbeddingsRequest};
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Link, SpanKind};
use opentelemetry::{Context, KeyValue};

use super::rag::EMBEDDING_DIMENSIONS;
use super::world::{Counters, EMBEDDING_MODEL, Failure, STABLE_MODEL, World, with_retries};

/// Runs the job once over the answers waiting; returns `None` when there were none, else
/// whether the run failed.
pub async fn run_once(world: &World) -> Option<bool> {
    let answered = world.take_answered();
    if answered.is_empty() {
        return None;
    }
    Counters::bump(&world.counters.batches);
    let service = &world.batch;
    let links: Vec<Link> = answered
        .iter()
        .map(|a| {
            Link::new(
                a.span.clone(),
                vec![KeyValue::new("link.reason", "scored_answer")],
                0,
            )
        })
        .collect();
    let root = service.span_with_links(
        "score-answers",
        SpanKind::Internal,
        &Context::new(),
        vec![KeyValue::new("batch.size", answered.len() as i64)],
        links,
    );
    let result = async {
        let texts: Vec<String> = answered.iter().map(|a| a.answer.clone()).collect();
        let request =
            EmbeddingsRequest::new(EMBEDDING_MODEL, texts).with_dimensions(EMBEDDING_DIMENSIONS);
        with_retries(|| service.client.embeddings(request.clone()))
            .await
            .map_err(|e| Failure::from(&e))?;
        let pairs: Vec<String> = answered
            .iter()
            .enumerate()
            .map(|(i, a)| format!("{}. Q: {}\n   A: {}", i + 1, a.question, a.answer))
            .collect();
        let request = ChatRequest::new(STABLE_MODEL)
            .system("Grade each answer from 1 (wrong) to 5 (complete and grounded). Reply with one line per answer.")
            .user(pairs.join("\n"))
            .with_temperature(0.0);
        with_retries(|| service.client.chat(request.clone()))
            .await
            .map_err(|e| Failure::from(&e))?;
        Ok::<_, Failure>(())
    }
    .with_context(root.context())
    .await;
    let failed = match result {
        Ok(()) => false,
        Err(f) => {
            root.fail(&f.error_type, &f.message);
            true
        }
    };
    root.end();
    Some(failed)
}
