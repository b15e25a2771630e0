//! The metric instruments of the conventions, registered once when [`crate::GenAi`] is built.

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};

use crate::keys::{self, metric};
use crate::usage::{ModalityTokens, Usage};

/// Duration buckets (seconds) advised for client operation histograms.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/// Token-count buckets advised for token histograms.
pub const TOKEN_BUCKETS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];
/// Buckets (seconds) advised for `gen_ai.invoke_agent.duration`.
pub const AGENT_DURATION_BUCKETS: [f64; 13] = [
    0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
];
/// Buckets (seconds) advised for `gen_ai.invoke_workflow.duration`.
pub const WORKFLOW_DURATION_BUCKETS: [f64; 11] = [
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0,
];

/// Legacy instruments, present only when the opt-in is set.
#[derive(Debug)]
pub(crate) struct Legacy {
    token_usage: Histogram<u64>,
    time_to_first_chunk: Histogram<f64>,
    time_per_output_chunk: Histogram<f64>,
}

/// All instruments.
#[derive(Debug)]
pub(crate) struct Instruments {
    inference_duration: Histogram<f64>,
    time_to_first_chunk: Histogram<f64>,
    time_per_output_chunk: Histogram<f64>,
    usage_input: Counter<u64>,
    usage_output: Counter<u64>,
    usage_cache_read: Counter<u64>,
    usage_cache_write: Counter<u64>,
    usage_reasoning: Counter<u64>,
    operation_input: Histogram<u64>,
    operation_output: Histogram<u64>,
    client_operation_duration: Histogram<f64>,
    agent_duration: Histogram<f64>,
    tool_duration: Histogram<f64>,
    workflow_duration: Histogram<f64>,
    legacy: Option<Legacy>,
}

fn seconds(
    meter: &Meter,
    name: &'static str,
    description: &'static str,
    b: &[f64],
) -> Histogram<f64> {
    meter
        .f64_histogram(name)
        .with_unit("s")
        .with_description(description)
        .with_boundaries(b.to_vec())
        .build()
}

fn tokens_counter(meter: &Meter, name: &'static str, description: &'static str) -> Counter<u64> {
    meter
        .u64_counter(name)
        .with_unit("{token}")
        .with_description(description)
        .build()
}

fn tokens_histogram(
    meter: &Meter,
    name: &'static str,
    description: &'static str,
) -> Histogram<u64> {
    meter
        .u64_histogram(name)
        .with_unit("{token}")
        .with_description(description)
        .with_boundaries(TOKEN_BUCKETS.to_vec())
        .build()
}

impl Instruments {
    pub(crate) fn new(meter: &Meter, legacy: bool) -> Instruments {
        let d = &DURATION_BUCKETS;
        Instruments {
            inference_duration: seconds(
                meter,
                metric::INFERENCE_DURATION,
                "Duration of GenAI inference operations",
                d,
            ),
            time_to_first_chunk: seconds(
                meter,
                metric::INFERENCE_TIME_TO_FIRST_CHUNK,
                "Time from issuing a streaming request to receiving the first chunk",
                d,
            ),
            time_per_output_chunk: seconds(
                meter,
                metric::INFERENCE_TIME_PER_OUTPUT_CHUNK,
                "Time between consecutive chunks of a streamed response, after the first",
                d,
            ),
            usage_input: tokens_counter(
                meter,
                metric::INFERENCE_USAGE_INPUT_TOKENS,
                "Input tokens, including cached tokens",
            ),
            usage_output: tokens_counter(
                meter,
                metric::INFERENCE_USAGE_OUTPUT_TOKENS,
                "Output tokens, including reasoning tokens",
            ),
            usage_cache_read: tokens_counter(
                meter,
                metric::INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
                "Input tokens read from a provider cache",
            ),
            usage_cache_write: tokens_counter(
                meter,
                metric::INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
                "Input tokens written to a provider cache",
            ),
            usage_reasoning: tokens_counter(
                meter,
                metric::INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
                "Reasoning output tokens",
            ),
            operation_input: tokens_histogram(
                meter,
                metric::INFERENCE_OPERATION_INPUT_TOKENS,
                "Input tokens per inference operation",
            ),
            operation_output: tokens_histogram(
                meter,
                metric::INFERENCE_OPERATION_OUTPUT_TOKENS,
                "Output tokens per inference operation",
            ),
            client_operation_duration: seconds(
                meter,
                metric::CLIENT_OPERATION_DURATION,
                "Duration of GenAI client operations other than inference",
                d,
            ),
            agent_duration: seconds(
                meter,
                metric::INVOKE_AGENT_DURATION,
                "Duration of in-process agent invocations",
                &AGENT_DURATION_BUCKETS,
            ),
            tool_duration: seconds(
                meter,
                metric::EXECUTE_TOOL_DURATION,
                "Duration of tool executions",
                d,
            ),
            workflow_duration: seconds(
                meter,
                metric::INVOKE_WORKFLOW_DURATION,
                "Duration of workflow invocations",
                &WORKFLOW_DURATION_BUCKETS,
            ),
            legacy: legacy.then(|| Legacy {
                token_usage: tokens_histogram(
                    meter,
                    metric::LEGACY_TOKEN_USAGE,
                    "Tokens used per operation (legacy name)",
                ),
                time_to_first_chunk: seconds(
                    meter,
                    metric::LEGACY_TIME_TO_FIRST_CHUNK,
                    "Time to first chunk (legacy name)",
                    d,
                ),
                time_per_output_chunk: seconds(
                    meter,
                    metric::LEGACY_TIME_PER_OUTPUT_CHUNK,
                    "Time per output chunk (legacy name)",
                    d,
                ),
            }),
        }
    }

    /// Records an inference operation. `attrs` are the common attributes; `error` (the
    /// `error.type` of a failed operation) is added to the duration and per-operation token
    /// histograms only, as the conventions list it there and not on the usage counters.
    pub(crate) fn record_inference(
        &self,
        attrs: &mut Vec<KeyValue>,
        error: Option<KeyValue>,
        seconds: f64,
        usage: &Usage,
    ) {
        // Counters are recorded for every operation, failed ones included (0 tokens with
        // modality `unknown` when nothing is known).
        record_by_modality(
            &self.usage_input,
            attrs,
            usage.input_tokens,
            &usage.input_modalities,
        );
        record_by_modality(
            &self.usage_output,
            attrs,
            usage.output_tokens,
            &usage.output_modalities,
        );
        for (counter, n) in [
            (&self.usage_cache_read, usage.cache_read_input_tokens),
            (&self.usage_cache_write, usage.cache_write_input_tokens),
            (&self.usage_reasoning, usage.reasoning_output_tokens),
        ] {
            if let Some(n) = n {
                attrs.push(KeyValue::new(keys::TOKEN_MODALITY, "unknown"));
                counter.add(n, attrs);
                attrs.pop();
            }
        }
        if let Some(legacy) = &self.legacy {
            for (ty, n) in [
                ("input", usage.input_tokens),
                ("output", usage.output_tokens),
            ] {
                if let Some(n) = n {
                    attrs.push(KeyValue::new(keys::TOKEN_TYPE, ty));
                    legacy.token_usage.record(n, attrs);
                    attrs.pop();
                }
            }
        }
        let had_error = error.is_some();
        attrs.extend(error);
        self.inference_duration.record(seconds, attrs);
        if self.legacy.is_some() {
            self.client_operation_duration.record(seconds, attrs);
        }
        if let Some(n) = usage.input_tokens {
            self.operation_input.record(n, attrs);
        }
        if let Some(n) = usage.output_tokens {
            self.operation_output.record(n, attrs);
        }
        if had_error {
            attrs.pop();
        }
    }

    pub(crate) fn record_time_to_first_chunk(&self, attrs: &[KeyValue], seconds: f64) {
        self.time_to_first_chunk.record(seconds, attrs);
        if let Some(legacy) = &self.legacy {
            legacy.time_to_first_chunk.record(seconds, attrs);
        }
    }

    pub(crate) fn record_time_per_output_chunk(&self, attrs: &[KeyValue], seconds: f64) {
        self.time_per_output_chunk.record(seconds, attrs);
        if let Some(legacy) = &self.legacy {
            legacy.time_per_output_chunk.record(seconds, attrs);
        }
    }

    pub(crate) fn record_client_operation(
        &self,
        attrs: &mut Vec<KeyValue>,
        error: Option<KeyValue>,
        seconds: f64,
        input_tokens: Option<u64>,
    ) {
        if let (Some(legacy), Some(n)) = (&self.legacy, input_tokens) {
            attrs.push(KeyValue::new(keys::TOKEN_TYPE, "input"));
            legacy.token_usage.record(n, attrs);
            attrs.pop();
        }
        let had_error = error.is_some();
        attrs.extend(error);
        self.client_operation_duration.record(seconds, attrs);
        if had_error {
            attrs.pop();
        }
    }

    pub(crate) fn record_agent(&self, attrs: &[KeyValue], seconds: f64) {
        self.agent_duration.record(seconds, attrs);
    }

    pub(crate) fn record_tool(&self, attrs: &[KeyValue], seconds: f64) {
        self.tool_duration.record(seconds, attrs);
    }

    pub(crate) fn record_workflow(&self, attrs: &[KeyValue], seconds: f64) {
        self.workflow_duration.record(seconds, attrs);
    }
}

/// Adds `total` to `counter` split by modality: each known modality under its name, the rest
/// (or everything, when no breakdown is known, or 0 when no usage is known) as `unknown`, so
/// that the series sum to the total.
fn record_by_modality(
    counter: &Counter<u64>,
    attrs: &mut Vec<KeyValue>,
    total: Option<u64>,
    modalities: &ModalityTokens,
) {
    let total = total.unwrap_or(0);
    let mut known = 0u64;
    for (modality, n) in modalities.iter() {
        let n = n.min(total.saturating_sub(known));
        known = known.saturating_add(n);
        attrs.push(KeyValue::new(keys::TOKEN_MODALITY, modality));
        counter.add(n, attrs);
        attrs.pop();
    }
    let rest = total.saturating_sub(known);
    if rest > 0 || modalities.is_empty() {
        attrs.push(KeyValue::new(keys::TOKEN_MODALITY, "unknown"));
        counter.add(rest, attrs);
        attrs.pop();
    }
}
