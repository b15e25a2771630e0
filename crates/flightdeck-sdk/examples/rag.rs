//! Retrieval-augmented generation: a workflow span around an embeddings call, a retrieval span
//! recording the documents found and their scores, and the chat call that uses them.
//!
//! ```sh
//! cargo run -p flightdeck-sdk --example rag
//! ```
#![allow(clippy::print_stdout)]

mod support;

use flightdeck_sdk::openai::{ChatRequest, EmbeddingVector, EmbeddingsRequest};
use flightdeck_sdk::opentelemetry::context::FutureExt as _;
use flightdeck_sdk::{Message, RetrievedDocument};

const DOCS: [(&str, &str); 4] = [
    ("refunds", "Refunds are issued within 14 days of a return."),
    ("shipping", "Orders ship within two business days."),
    ("warranty", "Electronics carry a two-year warranty."),
    ("support", "Support is available on weekdays from 9 to 17."),
];

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    f64::from(dot / (na * nb).max(f32::EPSILON))
}

fn floats(v: &EmbeddingVector) -> Vec<f32> {
    match v {
        EmbeddingVector::Float(f) => f.clone(),
        EmbeddingVector::Base64(_) => Vec::new(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = support::setup("rag-example").await?;
    let question = "How long do refunds take?";

    let mut workflow = setup
        .genai
        .invoke_workflow("answer-with-docs")
        .with_input_messages(vec![Message::user(question)])
        .start();
    // Everything awaited inside runs with the workflow as its parent.
    let answer = async {
        // Index the documents and the question (one embeddings call).
        let mut input: Vec<&str> = DOCS.iter().map(|(_, text)| *text).collect();
        input.push(question);
        let embedded = setup
            .client
            .embeddings(
                EmbeddingsRequest::new("text-embedding-3-small", input).with_dimensions(256),
            )
            .await?;
        let vectors: Vec<Vec<f32>> = embedded.data.iter().map(|e| floats(&e.embedding)).collect();
        let (query, docs) = vectors.split_last().ok_or("no embeddings")?;

        // Retrieval: score, keep the top 2, record them on the span.
        let mut retrieval = setup
            .genai
            .retrieval("faq-index")
            .with_model("text-embedding-3-small")
            .with_top_k(2)
            .with_query_text(question)
            .start();
        let mut scored: Vec<(usize, f64)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (i, cosine(query, d)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(2);
        retrieval.record_documents(
            &scored
                .iter()
                .map(|(i, score)| RetrievedDocument::new(DOCS[*i].0, *score))
                .collect::<Vec<_>>(),
        );
        retrieval.end();

        let context: Vec<&str> = scored.iter().map(|(i, _)| DOCS[*i].1).collect();
        let reply = setup
            .client
            .chat(
                ChatRequest::new("gpt-4o-mini")
                    .system(format!(
                        "Answer from these documents: {}",
                        context.join(" ")
                    ))
                    .user(question),
            )
            .await?;
        Ok::<_, Box<dyn std::error::Error>>(reply.text().unwrap_or_default().to_owned())
    }
    .with_context(workflow.context())
    .await?;
    workflow.set_output_messages(&[Message::assistant(answer.clone())]);
    workflow.end();
    println!("answer: {answer}");

    setup.finish()
}
