//! What a span's events say: streaming chunk times, the first exception, legacy content events,
//! retrieved documents (OpenLLMetry vector-store result events).

use flightdeck_model::{AttrValue, Event};

use crate::deprecated::{DeprecatedName, DeprecatedSet};
use crate::dialect::{Dialect, DialectSet};

/// The facts gathered from one pass over the events.
#[derive(Default)]
pub(crate) struct EventFacts<'a> {
    /// Time of the first streaming event (chunk or first-token marker).
    pub first_chunk_ns: Option<u64>,
    /// Number of per-chunk events.
    pub chunk_count: usize,
    /// Longest gap between consecutive per-chunk events, in nanoseconds.
    pub max_chunk_gap_ns: Option<u64>,
    /// `exception.type` of the first exception event.
    pub exception_type: Option<&'a str>,
    /// Documents from `db.query.result` / `db.search.result` events: (id, score, content).
    pub documents: Vec<(
        Option<&'a AttrValue>,
        Option<&'a AttrValue>,
        Option<&'a AttrValue>,
    )>,
    pub dialects: DialectSet,
    pub deprecated: DeprecatedSet,
    pub content: bool,
}

/// Event names that mark one streamed chunk each.
fn is_chunk_event(name: &str) -> bool {
    matches!(
        name,
        "gen_ai.content.completion.chunk"
            | "llm.content.completion.chunk"
            | "gen_ai.client.inference.chunk"
            | "gen_ai.choice.chunk"
    ) || name.ends_with(".chunk")
}

/// Event names that mark only the first chunk.
fn is_first_chunk_event(name: &str) -> bool {
    matches!(
        name,
        "First Token Stream Event" | "ai.stream.firstChunk" | "gen_ai.first_token" | "first_token"
    )
}

/// Gathers the facts. Chunk gaps use event times in the order of the times (events may arrive out
/// of order); at most the first 100 000 events are read.
pub(crate) fn gather(events: &[Event]) -> EventFacts<'_> {
    let mut facts = EventFacts::default();
    let mut previous_chunk: Option<u64> = None;
    let mut sorted = true;
    for event in events.iter().take(100_000) {
        let name = event.name.as_str();
        let t = event.time_unix_nano;
        if is_chunk_event(name) {
            facts.chunk_count += 1;
            facts.first_chunk_ns = Some(facts.first_chunk_ns.map_or(t, |f| f.min(t)));
            if name.starts_with("gen_ai.content.") || name.starts_with("llm.content.") {
                facts.dialects.insert(Dialect::Openllmetry);
            }
            if let Some(p) = previous_chunk {
                if t < p {
                    sorted = false;
                } else {
                    let gap = t - p;
                    facts.max_chunk_gap_ns =
                        Some(facts.max_chunk_gap_ns.map_or(gap, |g| g.max(gap)));
                }
            }
            previous_chunk = Some(t);
            continue;
        }
        if is_first_chunk_event(name) {
            facts.first_chunk_ns = Some(facts.first_chunk_ns.map_or(t, |f| f.min(t)));
            if name == "First Token Stream Event" {
                facts.dialects.insert(Dialect::Openinference);
            } else if name.starts_with("ai.") {
                facts.dialects.insert(Dialect::VercelAi);
            }
            continue;
        }
        match name {
            "exception" => {
                if facts.exception_type.is_none() {
                    facts.exception_type = event
                        .attributes
                        .get_str("exception.type")
                        .map(crate::names::clean_error_type);
                }
            }
            "db.query.result" => facts.documents.push((
                event.attributes.get("db.query.result.id"),
                event.attributes.get("db.query.result.score"),
                event.attributes.get("db.query.result.document"),
            )),
            "db.search.result" => facts.documents.push((
                event.attributes.get("db.search.result.id"),
                event.attributes.get("db.search.result.score"),
                None,
            )),
            _ => {
                if let Some(deprecated) = DeprecatedName::from_event_name(name) {
                    facts.deprecated.insert(deprecated);
                    facts.dialects.insert(Dialect::OtelLegacy);
                    facts.content = true;
                } else if name == "gen_ai.client.inference.operation.details" {
                    facts.dialects.insert(Dialect::OtelCurrent);
                    facts.content = true;
                }
            }
        }
    }
    if !sorted {
        facts.max_chunk_gap_ns = max_gap_sorted(events);
    }
    if !facts.documents.is_empty() {
        facts.dialects.insert(Dialect::Openllmetry);
    }
    facts
}

/// The longest gap between chunk events after sorting their times.
fn max_gap_sorted(events: &[Event]) -> Option<u64> {
    let mut times: Vec<u64> = events
        .iter()
        .take(100_000)
        .filter(|e| is_chunk_event(&e.name))
        .map(|e| e.time_unix_nano)
        .collect();
    times.sort_unstable();
    times.windows(2).map(|w| w[1] - w[0]).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, t: u64) -> Event {
        Event {
            time_unix_nano: t,
            name: name.into(),
            ..Event::default()
        }
    }

    /// Chunk events give the first chunk time, the count and the longest gap, also when the
    /// events arrive out of order.
    #[test]
    fn chunk_gaps() {
        let in_order = [
            event("gen_ai.content.completion.chunk", 100),
            event("gen_ai.content.completion.chunk", 130),
            event("gen_ai.content.completion.chunk", 190),
            event("gen_ai.content.completion.chunk", 200),
        ];
        let facts = gather(&in_order);
        assert_eq!(facts.first_chunk_ns, Some(100));
        assert_eq!(facts.chunk_count, 4);
        // gaps 30, 60, 10
        assert_eq!(facts.max_chunk_gap_ns, Some(60));

        let shuffled = [
            event("gen_ai.content.completion.chunk", 190),
            event("gen_ai.content.completion.chunk", 100),
            event("gen_ai.content.completion.chunk", 200),
            event("gen_ai.content.completion.chunk", 130),
        ];
        let facts = gather(&shuffled);
        assert_eq!(facts.first_chunk_ns, Some(100));
        assert_eq!(facts.max_chunk_gap_ns, Some(60));
    }

    /// A first-token marker gives a first chunk time but no gap; one chunk gives no gap either.
    #[test]
    fn single_markers() {
        let first = [event("First Token Stream Event", 42)];
        let facts = gather(&first);
        assert_eq!(facts.first_chunk_ns, Some(42));
        assert_eq!(facts.max_chunk_gap_ns, None);
        assert!(facts.dialects.contains(Dialect::Openinference));
        let one = [event("gen_ai.content.completion.chunk", 7)];
        let facts = gather(&one);
        assert_eq!(facts.max_chunk_gap_ns, None);
    }
}
