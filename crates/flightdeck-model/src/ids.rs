//! Trace and span identifiers.
//!
//! Both are validated at construction: a trace id is 16 bytes, a span id 8 bytes, and neither may be
//! all zeros (the W3C and OTLP "invalid" value). They print and parse as lowercase hex.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a byte string or hex string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id has the wrong number of bytes.
    #[error("{what} must be {expected} bytes, got {got}")]
    Length {
        /// `trace_id` or `span_id`.
        what: &'static str,
        /// The required length in bytes.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// The id is all zeros, which OTLP and W3C trace context define as invalid.
    #[error("{what} must not be all zeros")]
    Zero {
        /// `trace_id` or `span_id`.
        what: &'static str,
    },
    /// A hex string had non-hex characters or the wrong length.
    #[error("{what} must be {expected} hex characters, got {got:?}")]
    Hex {
        /// `trace_id` or `span_id`.
        what: &'static str,
        /// The required number of hex characters.
        expected: usize,
        /// The text that was given (cut to 64 characters).
        got: String,
    },
}

macro_rules! id_type {
    ($name:ident, $len:expr, $int:ty, $what:expr, $doc:expr) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Length of the id in bytes.
            pub const LEN: usize = $len;

            /// Builds an id from raw bytes, rejecting a wrong length or the all-zero value.
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, IdError> {
                let array: [u8; $len] = bytes.try_into().map_err(|_| IdError::Length {
                    what: $what,
                    expected: $len,
                    got: bytes.len(),
                })?;
                Self::from_array(array)
            }

            /// Builds an id from a fixed-size array, rejecting the all-zero value.
            pub fn from_array(array: [u8; $len]) -> Result<Self, IdError> {
                if array.iter().all(|b| *b == 0) {
                    return Err(IdError::Zero { what: $what });
                }
                Ok(Self(array))
            }

            /// Parses lowercase or uppercase hex of exactly the right length.
            pub fn from_hex(text: &str) -> Result<Self, IdError> {
                let mut array = [0u8; $len];
                if text.len() != $len * 2 || const_hex::decode_to_slice(text, &mut array).is_err() {
                    return Err(IdError::Hex {
                        what: $what,
                        expected: $len * 2,
                        got: text.chars().take(64).collect(),
                    });
                }
                Self::from_array(array)
            }

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// The id as a big-endian unsigned integer (how the store keeps it).
            pub fn to_int(self) -> $int {
                <$int>::from_be_bytes(self.0)
            }

            /// Rebuilds an id from its integer form; `None` for zero.
            pub fn from_int(value: $int) -> Option<Self> {
                Self::from_array(value.to_be_bytes()).ok()
            }

            /// Lowercase hex.
            pub fn to_hex(&self) -> String {
                const_hex::encode(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_hex(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::from_hex(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    TraceId,
    16,
    u128,
    "trace_id",
    "A 16-byte trace id, never all zeros."
);
id_type!(
    SpanId,
    8,
    u64,
    "span_id",
    "An 8-byte span id, never all zeros."
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Hex, bytes and integer forms round-trip, and the error names the field and the length.
    #[test]
    fn ids_round_trip_and_reject_bad_input() {
        let t = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
        assert_eq!(t.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(TraceId::from_int(t.to_int()), Some(t));
        assert_eq!(
            TraceId::from_hex("4BF92F3577B34DA6A3CE929D0E0E4736").unwrap(),
            t
        );

        let err = TraceId::from_bytes(&[1; 12]).unwrap_err();
        assert_eq!(err.to_string(), "trace_id must be 16 bytes, got 12");
        assert_eq!(
            SpanId::from_bytes(&[0; 8]).unwrap_err().to_string(),
            "span_id must not be all zeros"
        );
        assert!(SpanId::from_hex("00f067aa0ba902b").is_err());
        assert!(SpanId::from_hex("zzf067aa0ba902b7").is_err());
        assert_eq!(SpanId::from_int(0), None);
    }
}
