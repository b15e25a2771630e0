//! Indexed attributes: the attribute keys the configuration names
//! ([`super::StoreConfig::indexed_attributes`]) each get a typed column in `spans` and a
//! dimension in the GenAI rollup, so grouping and filtering by them reads that column instead of
//! every span's attribute JSON.
//!
//! A column holds the span's attribute, else its resource's, as text (strings as they are,
//! other values as JSON). There are [`SLOTS`] columns, `attr_0` to `attr_7`; the table
//! `indexed_attributes` records which key each holds. When the configuration changes, [`sync`]
//! clears the columns of keys no longer named, fills the columns of new keys from the stored
//! spans, and rebuilds the rollup.

use std::sync::Arc;

use duckdb::{Connection, params};

use super::rollup;
use super::sql::json_path;
use crate::StoreError;

/// How many attributes can be indexed.
pub const SLOTS: usize = 8;

/// The column of a slot, in `spans` and in `genai_rollup`.
pub(crate) fn column(slot: usize) -> String {
    format!("attr_{slot}")
}

/// The columns of every slot, comma-separated.
pub(crate) fn all_columns(prefix: &str) -> String {
    (0..SLOTS)
        .map(|slot| format!("{prefix}{}", column(slot)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The migration that adds the slots (see `schema.rs`).
pub(crate) fn migration() -> String {
    let mut sql = String::new();
    for table in ["spans", "genai_rollup"] {
        for slot in 0..SLOTS {
            sql.push_str(&format!(
                "ALTER TABLE {table} ADD COLUMN {} VARCHAR; ",
                column(slot)
            ));
        }
    }
    sql.push_str("CREATE TABLE indexed_attributes (slot UTINYINT NOT NULL, key VARCHAR NOT NULL);");
    sql
}

/// Which key each slot holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Indexed {
    /// `(key, slot)`, in the configured order.
    slots: Vec<(String, usize)>,
    /// The keys of `slots`, shared with the row builders.
    keys: Arc<[String]>,
}

impl Indexed {
    /// The slots as the database records them.
    pub(crate) fn load(conn: &Connection) -> Result<Indexed, StoreError> {
        let mut stmt = conn.prepare("SELECT key, slot FROM indexed_attributes ORDER BY slot")?;
        let slots = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get::<_, u8>(1)? as usize)))?
            .collect::<Result<_, _>>()?;
        Ok(Indexed::new(slots))
    }

    fn new(slots: Vec<(String, usize)>) -> Indexed {
        let keys = slots.iter().map(|(k, _)| k.clone()).collect();
        Indexed { slots, keys }
    }

    /// The slots of `keys` (those that have one), in that order.
    fn in_order(&self, keys: &[String]) -> Indexed {
        Indexed::new(
            keys.iter()
                .filter_map(|k| self.slot(k).map(|s| (k.clone(), s)))
                .collect(),
        )
    }

    /// The column holding `key`, when it is indexed.
    pub(crate) fn column(&self, key: &str) -> Option<String> {
        self.slot(key).map(column)
    }

    fn slot(&self, key: &str) -> Option<usize> {
        self.slots.iter().find(|(k, _)| k == key).map(|&(_, s)| s)
    }

    /// The indexed keys.
    pub(crate) fn keys(&self) -> &Arc<[String]> {
        &self.keys
    }

    /// For each of `keys` (a batch's [`crate::WriteBatch::indexed_keys`]), its slot.
    pub(crate) fn slots_of(&self, keys: &[String]) -> Vec<Option<usize>> {
        keys.iter().map(|key| self.slot(key)).collect()
    }

    /// Places a row's indexed values (in the order of `slots`, from [`Indexed::slots_of`]) into
    /// their slots.
    pub(crate) fn place<'a>(
        slots: &[Option<usize>],
        values: &'a [Option<String>],
    ) -> [Option<&'a str>; SLOTS] {
        let mut out = [None; SLOTS];
        for (slot, value) in slots.iter().zip(values) {
            if let Some(slot) = slot {
                out[*slot] = value.as_deref();
            }
        }
        out
    }
}

/// Checks the configured keys: at most [`SLOTS`], none empty, no repeats.
pub(crate) fn check(keys: &[String]) -> Result<(), StoreError> {
    if keys.len() > SLOTS {
        return Err(StoreError::Config(format!(
            "store.indexed_attributes names {} attributes; at most {SLOTS} can be indexed",
            keys.len()
        )));
    }
    for (i, key) in keys.iter().enumerate() {
        if key.trim().is_empty() {
            return Err(StoreError::Config(
                "store.indexed_attributes has an empty key".into(),
            ));
        }
        if keys[..i].contains(key) {
            return Err(StoreError::Config(format!(
                "store.indexed_attributes names {key:?} twice"
            )));
        }
    }
    Ok(())
}

/// Brings the slots of the database in line with `keys` (already [`check`]ed), in one
/// transaction: keys no longer configured free their slot (its column is cleared), new keys
/// take free slots (their columns are filled from the stored spans), and when anything changed
/// the rollup is rebuilt from the spans. Returns the new slots.
pub(crate) fn sync(conn: &Connection, keys: &[String]) -> Result<Indexed, StoreError> {
    let stored = Indexed::load(conn)?;
    let removed: Vec<usize> = stored
        .slots
        .iter()
        .filter(|(k, _)| !keys.contains(k))
        .map(|&(_, s)| s)
        .collect();
    let added: Vec<&String> = keys.iter().filter(|k| stored.slot(k).is_none()).collect();
    if removed.is_empty() && added.is_empty() {
        return Ok(stored.in_order(keys));
    }
    let started = std::time::Instant::now();
    conn.execute_batch("BEGIN TRANSACTION")?;
    let result = (|| {
        for &slot in &removed {
            let col = column(slot);
            conn.execute_batch(&format!(
                "UPDATE spans SET {col} = NULL WHERE {col} IS NOT NULL; \
                 DELETE FROM indexed_attributes WHERE slot = {slot};"
            ))?;
        }
        let mut free =
            (0..SLOTS).filter(|s| stored.slots.iter().all(|(_, t)| t != s) || removed.contains(s));
        for key in &added {
            let slot = free
                .next()
                .ok_or_else(|| StoreError::Config("no free indexed-attribute slot".into()))?;
            fill(conn, slot, key)?;
            conn.execute(
                "INSERT INTO indexed_attributes VALUES (?, ?)",
                params![slot as u8, key.as_str()],
            )?;
        }
        conn.execute_batch(&format!(
            "DELETE FROM genai_rollup; {}",
            rollup::backfill_sql()
        ))?;
        Ok::<_, StoreError>(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    tracing::info!(
        indexed = ?keys,
        added = added.len(),
        removed = removed.len(),
        elapsed = ?started.elapsed(),
        "indexed attributes updated for the stored spans"
    );
    Ok(Indexed::load(conn)?.in_order(keys))
}

/// Fills slot `slot` with `key` for every stored span: the span's attribute, else its
/// resource's. Only spans whose attribute JSON (or resource's) mentions the key are touched.
fn fill(conn: &Connection, slot: usize, key: &str) -> Result<(), StoreError> {
    let col = column(slot);
    let path = json_path(key);
    let needle = format!("{}:", serde_json::Value::String(key.to_owned()));
    conn.execute(
        &format!(
            "UPDATE spans SET {col} = coalesce(json_extract_string(spans.attributes, $1), r.value) \
             FROM (SELECT resource_id, any_value(json_extract_string(attributes, $1)) AS value \
                   FROM resources GROUP BY resource_id) r \
             WHERE r.resource_id = spans.resource_id \
               AND (contains(spans.attributes, $2) OR r.value IS NOT NULL)"
        ),
        params![path, needle],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use flightdeck_ingest::{Limits, decode};
    use flightdeck_loadgen::{Generator, TrafficConfig};
    use flightdeck_semconv::Normalizer;

    use super::*;
    use crate::query::*;
    use crate::{DuckDbStore, Store as _, StoreConfig, WriteBatch, Writer as _};

    fn open(dir: &std::path::Path, keys: &[&str]) -> Result<DuckDbStore, StoreError> {
        DuckDbStore::open(&StoreConfig {
            indexed_attributes: keys.iter().map(|k| k.to_string()).collect(),
            ..StoreConfig::new(dir)
        })
    }

    /// GenAI spans per value of attribute `key`, from the analytics API.
    fn requests_by(store: &DuckDbStore, key: &str) -> Vec<(serde_json::Value, u64)> {
        let rows = store
            .analytics(&AnalyticsQuery {
                range: TimeRange {
                    start_ns: 0,
                    end_ns: i64::MAX,
                },
                filter: SpanFilter::default(),
                group_by: vec![Dimension::Attribute(key.into())],
                step_ns: None,
                order_by: OrderBy::Requests,
                limit: 100,
            })
            .unwrap();
        let mut out: Vec<_> = rows
            .into_iter()
            .map(|r| (r.group[&format!("attr:{key}")].clone(), r.requests))
            .collect();
        out.sort_by_key(|(v, _)| v.to_string());
        out
    }

    /// GenAI spans per value of slot `slot`, summed from the rollup.
    fn rollup_by(store: &DuckDbStore, slot: usize) -> Vec<(serde_json::Value, u64)> {
        let col = column(slot);
        let mut out: Vec<(serde_json::Value, u64)> = store
            .with_reader(|conn| {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {col}, sum(requests)::BIGINT FROM genai_rollup GROUP BY 1"
                ))?;
                let rows = stmt.query_map([], |row| {
                    let value: Option<String> = row.get(0)?;
                    Ok((
                        value.map_or(serde_json::Value::Null, serde_json::Value::String),
                        row.get::<_, i64>(1)? as u64,
                    ))
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        out.sort_by_key(|(v, _)| v.to_string());
        out
    }

    /// Changing the configured keys re-indexes the stored spans and rebuilds the rollup: the
    /// answers equal those read from the attribute JSON, and a freed slot holds nothing of its
    /// old key.
    #[test]
    fn configuration_changes_reindex_stored_spans() {
        let dir = tempfile::tempdir().unwrap();
        let (tenants, hosts) = {
            let store = open(dir.path(), &[]).unwrap();
            let mut generator = Generator::new(TrafficConfig::default());
            for _ in 0..20 {
                let mut spans =
                    decode::convert_traces(generator.request(100), &Limits::default()).items;
                Normalizer::default().normalize_batch(&mut spans);
                store.write(&[WriteBatch::from_spans(&spans)]).unwrap();
            }
            store.close().unwrap();
            (
                requests_by(&store, "tenant.id"),
                requests_by(&store, "host.name"),
            )
        };
        assert!(tenants.len() >= 3, "{tenants:?}");
        assert!(hosts.len() >= 2, "{hosts:?}");

        let store = open(dir.path(), &["tenant.id"]).unwrap();
        assert_eq!(store.indexed.column("tenant.id").as_deref(), Some("attr_0"));
        assert_eq!(requests_by(&store, "tenant.id"), tenants);
        assert_eq!(rollup_by(&store, 0), tenants);
        drop(store);

        // tenant.id's slot is freed and taken by host.name (a resource attribute).
        let store = open(dir.path(), &["host.name"]).unwrap();
        assert_eq!(store.indexed.column("tenant.id"), None);
        assert_eq!(store.indexed.column("host.name").as_deref(), Some("attr_0"));
        assert_eq!(requests_by(&store, "host.name"), hosts);
        assert_eq!(rollup_by(&store, 0), hosts);
        let stale: i64 = store
            .with_reader(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM spans WHERE attr_0 LIKE 'tenant-%'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(stale, 0);
        // Unchanged configuration: nothing to redo, same slots.
        drop(store);
        let store = open(dir.path(), &["host.name"]).unwrap();
        assert_eq!(store.indexed.column("host.name").as_deref(), Some("attr_0"));
        assert_eq!(requests_by(&store, "host.name"), hosts);
    }

    /// Rows acknowledged under one configuration and replayed after a crash under another are
    /// indexed by the new one.
    #[test]
    fn replayed_rows_follow_the_new_configuration() {
        let spans: Vec<_> = (1..=3)
            .map(|seed| crate::test_util::spans(60, seed))
            .collect();
        let reference = tempfile::tempdir().unwrap();
        let expected = {
            let store = open(reference.path(), &[]).unwrap();
            for s in &spans {
                store.write(&[WriteBatch::from_spans(s)]).unwrap();
            }
            requests_by(&store, "host.name")
        };
        assert!(expected.len() >= 2, "{expected:?}");

        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), &["tenant.id"]).unwrap();
        let keys = store.indexed_attributes();
        store
            .write(&[WriteBatch::from_spans_indexing(&spans[0], &keys)])
            .unwrap();
        store.counts().unwrap(); // loaded
        store.behind.pause(true);
        for s in &spans[1..] {
            store
                .write(&[WriteBatch::from_spans_indexing(s, &keys)])
                .unwrap();
        }
        store.behind.abandon();
        drop(store);

        let store = open(dir.path(), &["host.name"]).unwrap();
        assert_eq!(requests_by(&store, "host.name"), expected);
        assert_eq!(rollup_by(&store, 0), expected);
    }

    #[test]
    fn bad_configurations_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let nine: Vec<String> = (0..9).map(|i| format!("k{i}")).collect();
        let nine: Vec<&str> = nine.iter().map(String::as_str).collect();
        let e = open(dir.path(), &nine).err().unwrap().to_string();
        assert!(e.contains("names 9 attributes; at most 8"), "{e}");
        let e = open(dir.path(), &["a", "a"]).err().unwrap().to_string();
        assert!(e.contains("\"a\" twice"), "{e}");
        let e = open(dir.path(), &[" "]).err().unwrap().to_string();
        assert!(e.contains("empty key"), "{e}");
    }
}
