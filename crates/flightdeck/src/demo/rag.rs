//! The RAG support service (`support-rag`): a user's question is embedded, the knowledge base
//! is searched (a retrieval span with the documents and their relevance scores), and the model
//! streams an answer grounded in the retrieved articles, with the conversation's last turns as
//! history. The stable version (1.4.0) answers with one model, the canary (1.5.0) with another.
//! Some users paste a large log file into the question, which overflows the context window.

use flightdeck_sdk::RetrievedDocument;
use flightdeck_sdk::openai::{ChatMessage, ChatRequest, EmbeddingVector, EmbeddingsRequest};
use futures::StreamExt as _;
use opentelemetry::KeyValue;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::SpanKind;
use rand::Rng as _;
use rand::rngs::StdRng;

use super::knowledge::{ARTICLES, Index, QUESTIONS};
use super::telemetry::{Service, identity};
use super::world::{
    Answered, CANARY_MODEL, EMBEDDING_MODEL, Failure, STABLE_MODEL, Turn, World, with_retries,
};

/// Dimensions of the embeddings the index uses.
pub const EMBEDDING_DIMENSIONS: u32 = 256;
/// Articles retrieved per question.
const TOP_K: usize = 4;
/// Share of questions answered by the canary version.
const CANARY_SHARE: f64 = 0.35;
/// Name of the knowledge base (`gen_ai.data_source.id`).
pub const DATA_SOURCE: &str = "support-kb";

fn floats(vector: &EmbeddingVector) -> Vec<f32> {
    match vector {
        EmbeddingVector::Float(v) => v.clone(),
        EmbeddingVector::Base64(_) => Vec::new(),
    }
}

/// Embeds the articles (one traced batch call at start, retried on 429). When the embedding
/// call keeps failing the index still works, on lexical overlap alone.
pub async fn build_index(service: &Service) -> Index {
    let root = service.span(
        "build-index support-kb",
        SpanKind::Internal,
        &opentelemetry::Context::new(),
        vec![KeyValue::new("kb.articles", ARTICLES.len() as i64)],
    );
    let texts: Vec<String> = ARTICLES
        .iter()
        .map(|a| format!("{}\n{}", a.title, a.text))
        .collect();
    let request =
        EmbeddingsRequest::new(EMBEDDING_MODEL, texts).with_dimensions(EMBEDDING_DIMENSIONS);
    let result = with_retries(|| service.client.embeddings(request.clone()))
        .with_context(root.context())
        .await;
    let vectors = match result {
        Ok(response) => {
            let mut data = response.data;
            data.sort_by_key(|e| e.index);
            data.iter().map(|e| floats(&e.embedding)).collect()
        }
        Err(e) => {
            let failure = Failure::from(&e);
            root.fail(&failure.error_type, &failure.message);
            tracing::warn!(
                "demo: embedding the knowledge base failed ({e}); retrieval uses lexical overlap only"
            );
            Vec::new()
        }
    };
    root.end();
    Index::new(vectors)
}

/// Handles one question; returns whether it failed.
pub async fn handle(world: &World, rng: &mut StdRng, long_context: bool) -> bool {
    let turn = world.people.next_turn(rng);
    let canary = rng.random_bool(CANARY_SHARE);
    let (service, model) = if canary {
        (&world.rag_canary, CANARY_MODEL)
    } else {
        (&world.rag_stable, STABLE_MODEL)
    };
    let question = QUESTIONS[rng.random_range(0..QUESTIONS.len())];
    let cx = identity(turn.user, turn.tenant, &turn.conversation);
    let root = service.span(
        "POST /v1/answer",
        SpanKind::Server,
        &cx,
        vec![
            KeyValue::new("http.request.method", "POST"),
            KeyValue::new("http.route", "/v1/answer"),
            KeyValue::new("url.path", "/v1/answer"),
            KeyValue::new("url.scheme", "http"),
        ],
    );
    let result = answer(world, service, model, &turn, question, long_context)
        .with_context(root.context())
        .await;
    let failed = match result {
        Ok(text) => {
            root.set_attribute(KeyValue::new("http.response.status_code", 200));
            world.people.answered(&turn, question, &text);
            world.answered_request(Answered {
                span: root.span_context(),
                question: question.to_owned(),
                answer: text,
            });
            false
        }
        Err(failure) => {
            root.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(failure.http_status),
            ));
            root.fail(&failure.error_type, &failure.message);
            true
        }
    };
    root.end();
    failed
}

/// Embeds, retrieves and streams the answer (runs inside the request's span).
async fn answer(
    world: &World,
    service: &Service,
    model: &str,
    turn: &Turn,
    question: &str,
    long_context: bool,
) -> Result<String, Failure> {
    let request = EmbeddingsRequest::new(EMBEDDING_MODEL, [question.to_owned()])
        .with_dimensions(EMBEDDING_DIMENSIONS);
    let embedded = with_retries(|| service.client.embeddings(request.clone()))
        .await
        .map_err(|e| Failure::from(&e))?;
    let query = embedded
        .data
        .first()
        .map(|e| floats(&e.embedding))
        .unwrap_or_default();

    let mut retrieval = service
        .genai
        .retrieval(DATA_SOURCE)
        .with_model(EMBEDDING_MODEL)
        .with_top_k(TOP_K as i64)
        .with_query_text(question)
        .start();
    let hits = world.index.search(question, &query, TOP_K);
    retrieval.record_documents(
        &hits
            .iter()
            .map(|h| RetrievedDocument::new(ARTICLES[h.article].id, round(h.score)))
            .collect::<Vec<_>>(),
    );
    retrieval.end();

    let context: Vec<String> = hits
        .iter()
        .map(|h| {
            let a = &ARTICLES[h.article];
            format!("[{}] {}: {}", a.id, a.title, a.text)
        })
        .collect();
    let mut request = ChatRequest::new(model)
        .system(format!(
            "You are the support assistant of Acme Cloud. Answer in two or three sentences, \
             only from these help-center articles, and cite their ids:\n{}",
            context.join("\n")
        ))
        .with_temperature(0.2)
        .with_max_tokens(300);
    for (q, a) in &turn.history {
        request = request
            .message(ChatMessage::user(q.clone()))
            .message(ChatMessage::assistant(a.clone()));
    }
    let user_message = if long_context {
        format!(
            "{question}\n\nHere is our worker log:\n{}",
            world.attachment
        )
    } else {
        question.to_owned()
    };
    let request = request.user(user_message);
    let mut stream = with_retries(|| service.client.chat_stream(request.clone()))
        .await
        .map_err(|e| Failure::from(&e))?;
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Failure::from(&e))?;
        for choice in &chunk.choices {
            if let Some(t) = &choice.delta.content {
                text.push_str(t);
            }
        }
    }
    Ok(text)
}

/// A score rounded to 4 decimals, as a vector store would report it.
fn round(score: f64) -> f64 {
    (score * 10_000.0).round() / 10_000.0
}
