//! Conversations: the traces sharing a `gen_ai.conversation.id`, in order, with totals.
//!
//! Token usage and cost are summed over model calls and custom operations only: agent,
//! workflow, tool and planning spans may repeat the usage of the calls beneath them, and
//! counting both would double it.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use serde::Serialize;

use flightdeck_model::{Span, TraceId};

use crate::classify;

/// Totals of one trace (one turn of a conversation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceTotals {
    /// The trace.
    pub trace_id: TraceId,
    /// Name of its earliest top-level span.
    pub root_name: String,
    /// Earliest span start, ns since the epoch.
    pub start_ns: u64,
    /// Latest span end.
    pub end_ns: u64,
    /// `end_ns - start_ns`.
    pub duration_ns: u64,
    /// Number of spans.
    pub spans: u64,
    /// Failed spans (error status or `error.type`).
    pub errors: u64,
    /// Model calls (`chat`, `text_completion`, `generate_content`, `embeddings`).
    pub model_calls: u64,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cost in US dollars of the calls that were priced.
    pub cost_usd: f64,
    /// Spans that reported token usage but no cost (model not in the price catalog).
    pub unpriced_calls: u64,
    /// Per model used, sorted by model name.
    pub models: Vec<ModelUse>,
}

/// Use of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelUse {
    /// The model (request model, else response model).
    pub model: String,
    /// Calls.
    pub calls: u64,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

impl ModelUse {
    fn add(&mut self, other: &ModelUse) {
        self.calls += other.calls;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cost_usd += other.cost_usd;
    }
}

/// Token counts, ignoring negative values (bad data) rather than subtracting them.
fn tokens(value: Option<i64>) -> u64 {
    value.map_or(0, |v| u64::try_from(v).unwrap_or(0))
}

impl TraceTotals {
    /// The totals of one trace's spans; `None` for no spans. Spans of other traces than the
    /// first span's are counted too (pass one trace).
    pub fn from_spans(spans: &[Span]) -> Option<TraceTotals> {
        TraceTotals::of(spans.iter())
    }

    fn of<'a>(spans: impl Iterator<Item = &'a Span> + Clone) -> Option<TraceTotals> {
        let first = spans.clone().next()?;
        let mut totals = TraceTotals {
            trace_id: first.trace_id,
            root_name: String::new(),
            start_ns: u64::MAX,
            end_ns: 0,
            duration_ns: 0,
            spans: 0,
            errors: 0,
            model_calls: 0,
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            unpriced_calls: 0,
            models: Vec::new(),
        };
        let mut models: BTreeMap<&str, ModelUse> = BTreeMap::new();
        let mut root: Option<&Span> = None;
        for span in spans {
            totals.spans += 1;
            totals.start_ns = totals.start_ns.min(span.start_time_unix_nano);
            totals.end_ns = totals.end_ns.max(span.end_time_unix_nano);
            totals.errors += u64::from(classify::is_failed(span));
            if span.parent_span_id.is_none()
                && root.is_none_or(|r| span.start_time_unix_nano < r.start_time_unix_nano)
            {
                root = Some(span);
            }
            let genai = &span.genai;
            let is_call = classify::operation(span).is_some_and(classify::is_model_call);
            totals.model_calls += u64::from(is_call);
            if !classify::counts_usage(span) {
                continue;
            }
            let (input, output) = (
                tokens(genai.usage.input_tokens),
                tokens(genai.usage.output_tokens),
            );
            let cost = genai.cost.as_ref().map_or(0.0, |c| c.total);
            totals.input_tokens += input;
            totals.output_tokens += output;
            totals.cost_usd += cost;
            totals.unpriced_calls += u64::from(!genai.usage.is_empty() && genai.cost.is_none());
            if let Some(model) = genai.model().filter(|_| is_call || !genai.usage.is_empty()) {
                models
                    .entry(model)
                    .or_insert_with(|| ModelUse {
                        model: model.to_owned(),
                        calls: 0,
                        input_tokens: 0,
                        output_tokens: 0,
                        cost_usd: 0.0,
                    })
                    .add(&ModelUse {
                        model: String::new(),
                        calls: 1,
                        input_tokens: input,
                        output_tokens: output,
                        cost_usd: cost,
                    });
            }
        }
        let root = root.unwrap_or(first);
        totals.root_name = root.name.clone();
        totals.end_ns = totals.end_ns.max(totals.start_ns);
        totals.duration_ns = totals.end_ns - totals.start_ns;
        totals.models = models.into_values().collect();
        Some(totals)
    }
}

/// A conversation: its turns in order and their totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    /// `gen_ai.conversation.id`.
    pub conversation_id: String,
    /// Totals over all turns.
    pub totals: ConversationTotals,
    /// The turns (traces), by start time.
    pub turns: Vec<TraceTotals>,
}

/// Totals over the turns of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationTotals {
    /// Number of turns (traces).
    pub turns: u64,
    /// Turns with at least one failed span.
    pub failed_turns: u64,
    /// Spans.
    pub spans: u64,
    /// Failed spans.
    pub errors: u64,
    /// Model calls.
    pub model_calls: u64,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input plus output tokens.
    pub total_tokens: u64,
    /// Cost in US dollars of the priced calls.
    pub cost_usd: f64,
    /// Calls with usage but no price.
    pub unpriced_calls: u64,
    /// Start of the first turn, ns since the epoch (0 with no turns).
    pub start_ns: u64,
    /// End of the last-ending turn.
    pub end_ns: u64,
    /// `end_ns - start_ns`: how long the conversation lasted.
    pub wall_clock_ns: u64,
    /// Sum of the turns' durations: time spent answering.
    pub active_ns: u64,
    /// Models used, sorted by name, with their totals.
    pub models: Vec<ModelUse>,
}

/// Orders the turns of a conversation (by start, then trace id) and totals them.
///
/// ```
/// use flightdeck_analysis::conversation::conversation;
/// let c = conversation("thread-1", Vec::new());
/// assert_eq!(c.totals.turns, 0);
/// ```
pub fn conversation(conversation_id: &str, mut turns: Vec<TraceTotals>) -> Conversation {
    turns.sort_by_key(|t| (t.start_ns, t.trace_id));
    let mut totals = ConversationTotals {
        turns: turns.len() as u64,
        failed_turns: 0,
        spans: 0,
        errors: 0,
        model_calls: 0,
        input_tokens: 0,
        output_tokens: 0,
        total_tokens: 0,
        cost_usd: 0.0,
        unpriced_calls: 0,
        start_ns: turns.first().map_or(0, |t| t.start_ns),
        end_ns: 0,
        wall_clock_ns: 0,
        active_ns: 0,
        models: Vec::new(),
    };
    let mut models: BTreeMap<&str, ModelUse> = BTreeMap::new();
    for t in &turns {
        totals.failed_turns += u64::from(t.errors > 0);
        totals.spans += t.spans;
        totals.errors += t.errors;
        totals.model_calls += t.model_calls;
        totals.input_tokens += t.input_tokens;
        totals.output_tokens += t.output_tokens;
        totals.cost_usd += t.cost_usd;
        totals.unpriced_calls += t.unpriced_calls;
        totals.end_ns = totals.end_ns.max(t.end_ns);
        totals.active_ns += t.duration_ns;
        for m in &t.models {
            models
                .entry(&m.model)
                .or_insert_with(|| ModelUse {
                    model: m.model.clone(),
                    calls: 0,
                    input_tokens: 0,
                    output_tokens: 0,
                    cost_usd: 0.0,
                })
                .add(m);
        }
    }
    totals.total_tokens = totals.input_tokens + totals.output_tokens;
    totals.wall_clock_ns = totals.end_ns.saturating_sub(totals.start_ns);
    totals.models = models.into_values().collect();
    Conversation {
        conversation_id: conversation_id.to_owned(),
        totals,
        turns,
    }
}

/// Groups the spans of a conversation's traces by trace and totals them (see
/// [`conversation`]).
pub fn conversation_from_spans(conversation_id: &str, spans: &[Span]) -> Conversation {
    let mut by_trace: HashMap<TraceId, Vec<&Span>> = HashMap::new();
    for span in spans {
        by_trace.entry(span.trace_id).or_default().push(span);
    }
    let turns = by_trace
        .values()
        .filter_map(|spans| TraceTotals::of(spans.iter().copied()))
        .collect();
    conversation(conversation_id, turns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::*;
    use flightdeck_model::Cost;

    fn priced(mut s: Span, usd: f64) -> Span {
        s.genai.cost = Some(Cost {
            total: usd,
            ..Cost::default()
        });
        s
    }

    /// Two turns given out of order come back in start order; tokens and cost are counted from
    /// model calls only (the agent span repeating them is ignored); errors, models, wall clock
    /// and active time add up by hand.
    #[test]
    fn totals_over_turns() {
        let mut agent_with_usage = agent(2, 1, "a", 1_005, 1_095);
        agent_with_usage.genai.usage.input_tokens = Some(300);
        let turn1 = vec![
            in_trace(span(1, 0, "POST /chat", 1_000, 1_100), 5),
            in_trace(agent_with_usage, 5),
            in_trace(
                priced(chat(3, 2, "gpt-4o", 1_010, 1_050, (100, 20)), 0.01),
                5,
            ),
            in_trace(
                priced(chat(4, 2, "gpt-4o", 1_050, 1_090, (200, 30)), 0.02),
                5,
            ),
        ];
        let turn2 = vec![
            in_trace(span(5, 0, "POST /chat", 5_000, 5_500), 3),
            in_trace(failed(chat(6, 5, "claude-x", 5_100, 5_400, (50, 5))), 3),
            in_trace(tool(7, 5, "t", 5_400, 5_450), 3),
        ];
        let mut spans = turn2.clone();
        spans.extend(turn1.clone());
        let c = conversation_from_spans("thread-9", &spans);
        assert_eq!(c.conversation_id, "thread-9");
        assert_eq!(c.turns.len(), 2);
        assert_eq!(c.turns[0].trace_id, trace(5));
        assert_eq!(c.turns[0].root_name, "POST /chat");
        assert_eq!(c.turns[0].input_tokens, 300);
        assert_eq!(c.turns[0].duration_ns, 100);
        let t = &c.totals;
        assert_eq!((t.turns, t.failed_turns, t.spans, t.errors), (2, 1, 7, 1));
        assert_eq!(t.model_calls, 3);
        assert_eq!(
            (t.input_tokens, t.output_tokens, t.total_tokens),
            (350, 55, 405)
        );
        assert!((t.cost_usd - 0.03).abs() < 1e-12);
        assert_eq!(t.unpriced_calls, 1);
        assert_eq!(
            (t.start_ns, t.end_ns, t.wall_clock_ns),
            (1_000, 5_500, 4_500)
        );
        assert_eq!(t.active_ns, 100 + 500);
        let models: Vec<(&str, u64, u64)> = t
            .models
            .iter()
            .map(|m| (m.model.as_str(), m.calls, m.input_tokens))
            .collect();
        assert_eq!(models, vec![("claude-x", 1, 50), ("gpt-4o", 2, 300)]);
    }

    /// Negative token counts are ignored, inverted times give a zero duration, and a trace
    /// without a root span is named after its first span.
    #[test]
    fn bad_data() {
        let spans = vec![chat(1, 99, "m", 10, 5, (-5, 7))];
        let t = TraceTotals::from_spans(&spans).unwrap();
        assert_eq!((t.input_tokens, t.output_tokens), (0, 7));
        assert_eq!(t.duration_ns, 0);
        assert_eq!(t.root_name, "chat m");
        assert!(TraceTotals::from_spans(&[]).is_none());
    }
}
