//! The binary encoding of [`WriteBatch`]es inside a log record.
//!
//! Fixed-width little-endian integers and floats, LEB128 lengths and counts, `0`/`1` tags for
//! options, strings as length + UTF-8 bytes. Not self-describing: the field order below *is* the
//! format, so every struct is destructured exhaustively (a new field does not compile until it is
//! encoded) and any change to the order bumps the segment format version in `super`.

use std::sync::Arc;

use flightdeck_model::{Cost, GenAi, Retrieval, RetrievedDocument, Usage};

use crate::rows::{LogRow, ResourceRow, SpanRow, TracePart, WriteBatch};

/// A record payload that does not decode: the log is corrupt or from an incompatible build.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DecodeError(&'static str);

/// Appends one batch to `out`. A record payload is a sequence of encoded batches.
pub(crate) fn encode(batch: &WriteBatch, out: &mut Vec<u8>) {
    let WriteBatch {
        spans,
        logs,
        resources,
        trace_parts,
        indexed_keys,
    } = batch;
    let mut e = Enc(out);
    e.len(indexed_keys.len());
    for key in indexed_keys.iter() {
        e.str(key);
    }
    e.len(spans.len());
    for row in spans {
        e.span(row);
    }
    e.len(logs.len());
    for row in logs {
        e.log(row);
    }
    e.len(resources.len());
    for row in resources {
        e.resource(row);
    }
    e.len(trace_parts.len());
    for part in trace_parts {
        e.trace_part(part);
    }
}

/// Decodes a record payload: every batch [`encode`] appended to it, in order.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<WriteBatch>, DecodeError> {
    let mut d = Dec(bytes);
    let mut batches = Vec::new();
    while !d.0.is_empty() {
        let indexed_keys: Arc<[String]> = d.list(Dec::string)?.into();
        batches.push(WriteBatch {
            indexed_keys,
            spans: d.list(Dec::span)?,
            logs: d.list(Dec::log)?,
            resources: d.list(Dec::resource)?,
            trace_parts: d.list(Dec::trace_part)?,
        });
    }
    Ok(batches)
}

struct Enc<'a>(&'a mut Vec<u8>);

impl Enc<'_> {
    fn len(&mut self, mut n: usize) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn bool(&mut self, v: bool) {
        self.0.push(u8::from(v));
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u128(&mut self, v: u128) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt<T>(&mut self, v: Option<T>, f: impl FnOnce(&mut Self, T)) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                f(self, v);
            }
        }
    }
    fn opt_str(&mut self, v: Option<&str>) {
        self.opt(v, |e, s| e.str(s));
    }
    fn opt_i64(&mut self, v: Option<i64>) {
        self.opt(v, Self::i64);
    }
    fn opt_f64(&mut self, v: Option<f64>) {
        self.opt(v, Self::f64);
    }

    fn span(&mut self, row: &SpanRow) {
        let SpanRow {
            trace_id,
            span_id,
            parent_span_id,
            start_ns,
            end_ns,
            name,
            kind,
            status_code,
            status_message,
            service_name,
            service_version,
            resource_id,
            scope_name,
            scope_version,
            scope_extra,
            trace_state,
            flags,
            attributes,
            events,
            links,
            dropped,
            genai,
            genai_json,
            indexed,
        } = row;
        self.u128(*trace_id);
        self.u64(*span_id);
        self.opt(*parent_span_id, Self::u64);
        self.i64(*start_ns);
        self.i64(*end_ns);
        self.str(name);
        self.u8(*kind);
        self.u8(*status_code);
        self.opt_str(status_message.as_deref());
        self.str(service_name);
        self.opt_str(service_version.as_deref());
        self.u64(*resource_id);
        self.str(scope_name);
        self.opt_str(scope_version.as_deref());
        self.opt_str(scope_extra.as_deref());
        self.opt_str(trace_state.as_deref());
        self.u32(*flags);
        self.str(attributes);
        self.opt_str(events.as_deref());
        self.opt_str(links.as_deref());
        for d in dropped {
            self.u32(*d);
        }
        self.genai(genai);
        self.opt_str(genai_json.as_deref());
        self.len(indexed.len());
        for value in indexed {
            self.opt_str(value.as_deref());
        }
    }

    fn genai(&mut self, genai: &GenAi) {
        let GenAi {
            operation,
            provider,
            request_model,
            response_model,
            usage,
            finish_reasons,
            response_id,
            conversation_id,
            agent_name,
            agent_id,
            tool_name,
            tool_type,
            tool_call_id,
            error_type,
            time_to_first_chunk,
            streaming,
            model_family,
            user_id,
            output_tokens_per_second,
            max_chunk_gap,
            usage_missing,
            retrieval,
            cost,
            context_window_use,
            context_length_exceeded,
        } = genai;
        // Most spans carry no GenAI view: one byte.
        if *genai == GenAi::default() {
            self.u8(0);
            return;
        }
        self.u8(1);
        self.opt_str(operation.as_deref());
        self.opt_str(provider.as_deref());
        self.opt_str(request_model.as_deref());
        self.opt_str(response_model.as_deref());
        let Usage {
            input_tokens,
            output_tokens,
            cache_read_input_tokens,
            cache_write_input_tokens,
            reasoning_output_tokens,
        } = usage;
        self.opt_i64(*input_tokens);
        self.opt_i64(*output_tokens);
        self.opt_i64(*cache_read_input_tokens);
        self.opt_i64(*cache_write_input_tokens);
        self.opt_i64(*reasoning_output_tokens);
        self.len(finish_reasons.len());
        for reason in finish_reasons {
            self.str(reason);
        }
        self.opt_str(response_id.as_deref());
        self.opt_str(conversation_id.as_deref());
        self.opt_str(agent_name.as_deref());
        self.opt_str(agent_id.as_deref());
        self.opt_str(tool_name.as_deref());
        self.opt_str(tool_type.as_deref());
        self.opt_str(tool_call_id.as_deref());
        self.opt_str(error_type.as_deref());
        self.opt_f64(*time_to_first_chunk);
        self.opt(*streaming, Self::bool);
        self.opt_str(model_family.as_deref());
        self.opt_str(user_id.as_deref());
        self.opt_f64(*output_tokens_per_second);
        self.opt_f64(*max_chunk_gap);
        self.bool(*usage_missing);
        self.opt(retrieval.as_ref(), Self::retrieval);
        self.opt(cost.as_ref(), Self::cost);
        self.opt_f64(*context_window_use);
        self.bool(*context_length_exceeded);
    }

    fn retrieval(&mut self, retrieval: &Retrieval) {
        let Retrieval {
            data_source,
            query,
            top_k,
            documents,
        } = retrieval;
        self.opt_str(data_source.as_deref());
        self.opt_str(query.as_deref());
        self.opt_i64(*top_k);
        self.len(documents.len());
        for RetrievedDocument { id, score, content } in documents {
            self.opt_str(id.as_deref());
            self.opt_f64(*score);
            self.opt_str(content.as_deref());
        }
    }

    fn cost(&mut self, cost: &Cost) {
        let Cost {
            total,
            input,
            cache_read,
            cache_write,
            output,
            reasoning,
            priced_as,
        } = cost;
        for v in [total, input, cache_read, cache_write, output, reasoning] {
            self.f64(*v);
        }
        self.str(priced_as);
    }

    fn log(&mut self, row: &LogRow) {
        let LogRow {
            time_ns,
            observed_ns,
            trace_id,
            span_id,
            severity_number,
            severity_text,
            event_name,
            body,
            attributes,
            service_name,
            resource_id,
            scope_name,
            scope_version,
            flags,
            dropped_attributes,
        } = row;
        self.i64(*time_ns);
        self.i64(*observed_ns);
        self.opt(*trace_id, Self::u128);
        self.opt(*span_id, Self::u64);
        self.i32(*severity_number);
        self.opt_str(severity_text.as_deref());
        self.opt_str(event_name.as_deref());
        self.str(body);
        self.str(attributes);
        self.str(service_name);
        self.u64(*resource_id);
        self.str(scope_name);
        self.opt_str(scope_version.as_deref());
        self.u32(*flags);
        self.u32(*dropped_attributes);
    }

    fn resource(&mut self, row: &ResourceRow) {
        let ResourceRow {
            resource_id,
            attributes,
            schema_url,
            dropped_attributes,
        } = row;
        self.u64(*resource_id);
        self.str(attributes);
        self.opt_str(schema_url.as_deref());
        self.u32(*dropped_attributes);
    }

    fn trace_part(&mut self, part: &TracePart) {
        let TracePart {
            trace_id,
            start_ns,
            end_ns,
            span_count,
            error_count,
            genai_count,
            input_tokens,
            output_tokens,
            cost_total,
            root_service,
            root_name,
            services,
        } = part;
        self.u128(*trace_id);
        self.i64(*start_ns);
        self.i64(*end_ns);
        self.u32(*span_count);
        self.u32(*error_count);
        self.u32(*genai_count);
        self.i64(*input_tokens);
        self.i64(*output_tokens);
        self.f64(*cost_total);
        self.opt_str(root_service.as_deref());
        self.opt_str(root_name.as_deref());
        self.len(services.len());
        for service in services {
            self.str(service);
        }
    }
}

struct Dec<'a>(&'a [u8]);

impl<'a> Dec<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let Some((head, rest)) = self.0.split_first_chunk::<N>() else {
            return Err(DecodeError("record payload ends early"));
        };
        self.0 = rest;
        Ok(*head)
    }
    fn len(&mut self) -> Result<usize, DecodeError> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let [byte] = self.take::<1>()?;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                // A length larger than what is left cannot be right (every item takes a byte).
                return usize::try_from(n)
                    .ok()
                    .filter(|&n| n <= self.0.len())
                    .ok_or(DecodeError("length larger than the record payload"));
            }
        }
        Err(DecodeError("length too long"))
    }
    fn list<T>(
        &mut self,
        item: fn(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take::<1>()?[0])
    }
    fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError("invalid boolean")),
        }
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.take()?))
    }
    fn u128(&mut self) -> Result<u128, DecodeError> {
        Ok(u128::from_le_bytes(self.take()?))
    }
    fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_le_bytes(self.take()?))
    }
    fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.len()?;
        let (bytes, rest) = self.0.split_at(n);
        self.0 = rest;
        std::str::from_utf8(bytes).map_err(|_| DecodeError("string is not UTF-8"))
    }
    fn string(&mut self) -> Result<String, DecodeError> {
        self.str().map(str::to_owned)
    }
    fn arc(&mut self) -> Result<Arc<str>, DecodeError> {
        self.str().map(Arc::from)
    }
    fn opt<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => f(self).map(Some),
            _ => Err(DecodeError("invalid option tag")),
        }
    }
    fn opt_string(&mut self) -> Result<Option<String>, DecodeError> {
        self.opt(Self::string)
    }
    fn opt_arc(&mut self) -> Result<Option<Arc<str>>, DecodeError> {
        self.opt(Self::arc)
    }
    fn opt_i64(&mut self) -> Result<Option<i64>, DecodeError> {
        self.opt(Self::i64)
    }
    fn opt_f64(&mut self) -> Result<Option<f64>, DecodeError> {
        self.opt(Self::f64)
    }

    fn span(&mut self) -> Result<SpanRow, DecodeError> {
        Ok(SpanRow {
            trace_id: self.u128()?,
            span_id: self.u64()?,
            parent_span_id: self.opt(Self::u64)?,
            start_ns: self.i64()?,
            end_ns: self.i64()?,
            name: self.string()?,
            kind: self.u8()?,
            status_code: self.u8()?,
            status_message: self.opt_string()?,
            service_name: self.arc()?,
            service_version: self.opt_arc()?,
            resource_id: self.u64()?,
            scope_name: self.arc()?,
            scope_version: self.opt_arc()?,
            scope_extra: self.opt_arc()?,
            trace_state: self.opt_string()?,
            flags: self.u32()?,
            attributes: self.string()?,
            events: self.opt_string()?,
            links: self.opt_string()?,
            dropped: [self.u32()?, self.u32()?, self.u32()?],
            genai: self.genai()?,
            genai_json: self.opt_string()?,
            indexed: self.list(Self::opt_string)?,
        })
    }

    fn genai(&mut self) -> Result<GenAi, DecodeError> {
        if !self.bool()? {
            return Ok(GenAi::default());
        }
        Ok(GenAi {
            operation: self.opt_string()?,
            provider: self.opt_string()?,
            request_model: self.opt_string()?,
            response_model: self.opt_string()?,
            usage: Usage {
                input_tokens: self.opt_i64()?,
                output_tokens: self.opt_i64()?,
                cache_read_input_tokens: self.opt_i64()?,
                cache_write_input_tokens: self.opt_i64()?,
                reasoning_output_tokens: self.opt_i64()?,
            },
            finish_reasons: self.list(Self::string)?,
            response_id: self.opt_string()?,
            conversation_id: self.opt_string()?,
            agent_name: self.opt_string()?,
            agent_id: self.opt_string()?,
            tool_name: self.opt_string()?,
            tool_type: self.opt_string()?,
            tool_call_id: self.opt_string()?,
            error_type: self.opt_string()?,
            time_to_first_chunk: self.opt_f64()?,
            streaming: self.opt(Self::bool)?,
            model_family: self.opt_string()?,
            user_id: self.opt_string()?,
            output_tokens_per_second: self.opt_f64()?,
            max_chunk_gap: self.opt_f64()?,
            usage_missing: self.bool()?,
            retrieval: self.opt(Self::retrieval)?,
            cost: self.opt(Self::cost)?,
            context_window_use: self.opt_f64()?,
            context_length_exceeded: self.bool()?,
        })
    }

    fn retrieval(&mut self) -> Result<Retrieval, DecodeError> {
        Ok(Retrieval {
            data_source: self.opt_string()?,
            query: self.opt_string()?,
            top_k: self.opt_i64()?,
            documents: self.list(|d| {
                Ok(RetrievedDocument {
                    id: d.opt_string()?,
                    score: d.opt_f64()?,
                    content: d.opt_string()?,
                })
            })?,
        })
    }

    fn cost(&mut self) -> Result<Cost, DecodeError> {
        Ok(Cost {
            total: self.f64()?,
            input: self.f64()?,
            cache_read: self.f64()?,
            cache_write: self.f64()?,
            output: self.f64()?,
            reasoning: self.f64()?,
            priced_as: self.string()?,
        })
    }

    fn log(&mut self) -> Result<LogRow, DecodeError> {
        Ok(LogRow {
            time_ns: self.i64()?,
            observed_ns: self.i64()?,
            trace_id: self.opt(Self::u128)?,
            span_id: self.opt(Self::u64)?,
            severity_number: self.i32()?,
            severity_text: self.opt_string()?,
            event_name: self.opt_string()?,
            body: self.string()?,
            attributes: self.string()?,
            service_name: self.arc()?,
            resource_id: self.u64()?,
            scope_name: self.arc()?,
            scope_version: self.opt_arc()?,
            flags: self.u32()?,
            dropped_attributes: self.u32()?,
        })
    }

    fn resource(&mut self) -> Result<ResourceRow, DecodeError> {
        Ok(ResourceRow {
            resource_id: self.u64()?,
            attributes: self.string()?,
            schema_url: self.opt_string()?,
            dropped_attributes: self.u32()?,
        })
    }

    fn trace_part(&mut self) -> Result<TracePart, DecodeError> {
        Ok(TracePart {
            trace_id: self.u128()?,
            start_ns: self.i64()?,
            end_ns: self.i64()?,
            span_count: self.u32()?,
            error_count: self.u32()?,
            genai_count: self.u32()?,
            input_tokens: self.i64()?,
            output_tokens: self.i64()?,
            cost_total: self.f64()?,
            root_service: self.opt_arc()?,
            root_name: self.opt_string()?,
            services: self.list(Self::arc)?,
        })
    }
}
