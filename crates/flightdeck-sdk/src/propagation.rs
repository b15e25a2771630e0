//! W3C Trace Context (`traceparent`, `tracestate`) and Baggage (`baggage`) propagation into and
//! out of HTTP headers and message-queue headers (a plain string map), and span links for
//! consumers that process a batch of messages from many producers.
//!
//! These helpers always use the W3C propagators, whatever global propagator is installed, so
//! they work without setup.
//!
//! ```
//! use std::collections::HashMap;
//! use flightdeck_sdk::propagation::{extract_map, inject_map};
//! use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState};
//!
//! let sc = SpanContext::new(
//!     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
//!     SpanId::from_hex("00f067aa0ba902b7").unwrap(),
//!     TraceFlags::SAMPLED, false, TraceState::default());
//! let cx = opentelemetry::Context::new().with_remote_span_context(sc);
//! let mut headers = HashMap::new();
//! inject_map(&cx, &mut headers);
//! assert_eq!(headers["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
//! let received = extract_map(&headers);
//! assert_eq!(received.span().span_context().trace_id(), cx.span().span_context().trace_id());
//! ```

use std::collections::HashMap;
use std::sync::LazyLock;

use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::trace::{Link, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

/// Most links [`links_from_maps`] returns (the SDK's default per-span link limit).
pub const MAX_LINKS: usize = 128;

static PROPAGATOR: LazyLock<TextMapCompositePropagator> = LazyLock::new(|| {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
});

/// Writes `traceparent`, `tracestate` and `baggage` of `cx` into HTTP headers.
pub fn inject_http(cx: &Context, headers: &mut http::HeaderMap) {
    PROPAGATOR.inject_context(cx, &mut HeaderInjector(headers));
}

/// Reads a remote parent (and baggage) from HTTP headers. Invalid or missing headers give a
/// context without a remote span (the whole `traceparent` is ignored when any field is
/// invalid, as the W3C specification requires).
pub fn extract_http(headers: &http::HeaderMap) -> Context {
    PROPAGATOR.extract(&HeaderExtractor(headers))
}

/// [`extract_http`] on top of `parent` instead of an empty context.
pub fn extract_http_with_context(parent: &Context, headers: &http::HeaderMap) -> Context {
    PROPAGATOR.extract_with_context(parent, &HeaderExtractor(headers))
}

struct MapInjector<'a>(&'a mut HashMap<String, String>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

/// Case-insensitive view of a string map, since queue headers keep whatever case the producer
/// used.
struct MapExtractor<'a>(&'a HashMap<String, String>);

impl Extractor for MapExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).or_else(|| {
            self.0
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str())
        })
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

/// Writes `traceparent`, `tracestate` and `baggage` of `cx` into message headers.
pub fn inject_map(cx: &Context, headers: &mut HashMap<String, String>) {
    PROPAGATOR.inject_context(cx, &mut MapInjector(headers));
}

/// Reads a remote parent (and baggage) from message headers (keys matched case-insensitively).
pub fn extract_map(headers: &HashMap<String, String>) -> Context {
    PROPAGATOR.extract(&MapExtractor(headers))
}

/// A link to the producer of one message, or `None` when its headers carry no valid
/// `traceparent`.
pub fn link_from_map(headers: &HashMap<String, String>) -> Option<Link> {
    let cx = extract_map(headers);
    let sc = cx.span().span_context().clone();
    sc.is_valid()
        .then(|| Link::new(sc, Vec::<KeyValue>::new(), 0))
}

/// Links to the producers of a batch of messages, for a consumer span that processes them
/// together (pass to `with_links` of any span builder). Messages without a valid
/// `traceparent` are skipped; at most [`MAX_LINKS`] links are returned.
pub fn links_from_maps<'a, I>(batch: I) -> Vec<Link>
where
    I: IntoIterator<Item = &'a HashMap<String, String>>,
{
    batch
        .into_iter()
        .filter_map(link_from_map)
        .take(MAX_LINKS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::baggage::BaggageExt as _;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

    fn remote(trace: &str, span: &str) -> Context {
        let sc = SpanContext::new(
            TraceId::from_hex(trace).unwrap(),
            SpanId::from_hex(span).unwrap(),
            TraceFlags::SAMPLED,
            true,
            TraceState::from_key_value([("vendor", "v1")]).unwrap(),
        );
        Context::new().with_remote_span_context(sc)
    }

    /// HTTP round trip: traceparent, tracestate and baggage are written in W3C form and read
    /// back into the same ids, flags, state and baggage.
    #[test]
    fn http_round_trip_with_state_and_baggage() {
        let cx = remote("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
            .with_baggage([KeyValue::new("tenant", "acme")]);
        let mut headers = http::HeaderMap::new();
        inject_http(&cx, &mut headers);
        assert_eq!(
            headers["traceparent"],
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
        assert_eq!(headers["tracestate"], "vendor=v1");
        assert_eq!(headers["baggage"], "tenant=acme");
        let back = extract_http(&headers);
        let sc = back.span().span_context().clone();
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
        assert!(sc.is_remote());
        assert!(sc.is_sampled());
        assert_eq!(sc.trace_state().get("vendor"), Some("v1"));
        assert_eq!(
            back.baggage().get("tenant").map(|v| v.to_string()),
            Some("acme".to_owned())
        );
    }

    /// Queue headers written by another producer in mixed case are still read.
    #[test]
    fn map_extraction_is_case_insensitive() {
        let mut headers = HashMap::new();
        headers.insert(
            "TraceParent".to_owned(),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
        );
        let cx = extract_map(&headers);
        assert_eq!(
            cx.span().span_context().trace_id().to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );
    }

    /// An all-zero trace id invalidates the header: no remote parent, no link.
    #[test]
    fn invalid_traceparent_is_ignored() {
        let mut headers = HashMap::new();
        headers.insert(
            "traceparent".to_owned(),
            "00-00000000000000000000000000000000-b7ad6b7169203331-01".to_owned(),
        );
        assert!(!extract_map(&headers).span().span_context().is_valid());
        assert!(link_from_map(&headers).is_none());
    }

    /// A batch of three messages, one without context, gives two links in order.
    #[test]
    fn batch_links_skip_messages_without_context() {
        let mut batch = Vec::new();
        for (trace, span) in [
            ("11111111111111111111111111111111", "1111111111111111"),
            ("22222222222222222222222222222222", "2222222222222222"),
        ] {
            let mut h = HashMap::new();
            inject_map(&remote(trace, span), &mut h);
            batch.push(h);
        }
        batch.insert(1, HashMap::new());
        let links = links_from_maps(&batch);
        assert_eq!(links.len(), 2);
        assert_eq!(
            links[0].span_context.trace_id().to_string(),
            "11111111111111111111111111111111"
        );
        assert_eq!(
            links[1].span_context.span_id().to_string(),
            "2222222222222222"
        );
    }
}
