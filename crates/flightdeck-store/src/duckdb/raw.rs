//! DuckDB's C API, called directly for the loader: the database handle, one connection and its
//! appenders.
//!
//! The `duckdb` crate's `Appender::append_row` collects every value of a row into owned,
//! validated intermediates before it hands them to DuckDB. With 68 columns per span that cost
//! more than DuckDB's own append: under load it was a fifth of the server's CPU. Here each value
//! goes straight to the matching `duckdb_append_*` call.
//!
//! The database is opened here (not by the `duckdb` crate) because the crate does not expose a
//! connection's handle, and an appender must belong to the connection whose transaction it
//! writes in. The crate's connections are made from the same database with
//! [`RawDatabase::connection`].
// The unsafe code is the C API itself; each call's contract is stated where it is made.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char};
use std::marker::PhantomData;
use std::path::Path;
use std::ptr;
use std::sync::Arc;

use duckdb::ffi;

use crate::StoreError;

/// An open DuckDB database. Connections made from it keep the database instance alive; the
/// handle itself is needed to make more connections.
pub(crate) struct RawDatabase {
    db: ffi::duckdb_database,
}

// SAFETY: a `duckdb_database` may be used from any thread; DuckDB synchronises internally.
unsafe impl Send for RawDatabase {}
// SAFETY: as above; `connection` and `raw_connection` only read the handle.
unsafe impl Sync for RawDatabase {}

impl RawDatabase {
    /// Opens (or creates) the database file with the given settings.
    pub(crate) fn open(
        path: &Path,
        settings: &[(&str, String)],
    ) -> Result<RawDatabase, StoreError> {
        let c_path = c_string(&path.to_string_lossy())?;
        let mut config: ffi::duckdb_config = ptr::null_mut();
        // SAFETY: `config` is an out pointer; on success it must be destroyed, which happens
        // below on every path.
        if unsafe { ffi::duckdb_create_config(&mut config) } != ffi::DuckDBSuccess {
            return Err(StoreError::Database(
                "could not create a DuckDB config".into(),
            ));
        }
        let result = (|| {
            for (name, value) in settings {
                let (c_name, c_value) = (c_string(name)?, c_string(value)?);
                // SAFETY: `config` is valid; both strings are NUL-terminated and outlive the call.
                let state =
                    unsafe { ffi::duckdb_set_config(config, c_name.as_ptr(), c_value.as_ptr()) };
                if state != ffi::DuckDBSuccess {
                    return Err(StoreError::Database(format!(
                        "DuckDB refused the setting {name} = {value:?}"
                    )));
                }
            }
            let mut db: ffi::duckdb_database = ptr::null_mut();
            let mut error: *mut c_char = ptr::null_mut();
            // SAFETY: valid path and config; `db` and `error` are out pointers. On failure
            // `error` holds a message DuckDB allocated, freed here after copying.
            let state =
                unsafe { ffi::duckdb_open_ext(c_path.as_ptr(), &mut db, config, &mut error) };
            if state != ffi::DuckDBSuccess {
                let message = if error.is_null() {
                    "unknown error".to_owned()
                } else {
                    // SAFETY: DuckDB wrote a NUL-terminated message that we now own.
                    let text = unsafe { CStr::from_ptr(error) }
                        .to_string_lossy()
                        .into_owned();
                    unsafe { ffi::duckdb_free(error.cast()) };
                    text
                };
                return Err(StoreError::Database(format!(
                    "could not open {}: {message}",
                    path.display()
                )));
            }
            Ok(RawDatabase { db })
        })();
        // SAFETY: created above; DuckDB copied what it needed when opening.
        unsafe { ffi::duckdb_destroy_config(&mut config) };
        result
    }

    /// A connection of the `duckdb` crate to this database.
    pub(crate) fn connection(&self) -> Result<duckdb::Connection, StoreError> {
        // SAFETY: `self.db` is an open database; the crate does not close it (the handle stays
        // ours), and the connection keeps the database instance alive by itself.
        Ok(unsafe { duckdb::Connection::open_from_raw(self.db) }?)
    }

    /// A connection for [`RawAppender`]s.
    pub(crate) fn raw_connection(self: &Arc<Self>) -> Result<RawConnection, StoreError> {
        let mut con: ffi::duckdb_connection = ptr::null_mut();
        // SAFETY: `self.db` is open; `con` is an out pointer, disconnected on drop.
        if unsafe { ffi::duckdb_connect(self.db, &mut con) } != ffi::DuckDBSuccess {
            return Err(StoreError::Database("could not connect to DuckDB".into()));
        }
        Ok(RawConnection {
            con,
            _db: Arc::clone(self),
        })
    }
}

impl Drop for RawDatabase {
    fn drop(&mut self) {
        // SAFETY: opened in `open`, closed once here. Connections still open keep the instance.
        unsafe { ffi::duckdb_close(&mut self.db) };
    }
}

/// A DuckDB connection used by one thread at a time.
pub(crate) struct RawConnection {
    con: ffi::duckdb_connection,
    _db: Arc<RawDatabase>,
}

// SAFETY: a connection may move between threads; it is used by one at a time (`&mut` or a lock).
unsafe impl Send for RawConnection {}

impl RawConnection {
    /// Runs SQL statements that return nothing of interest.
    pub(crate) fn execute(&self, sql: &str) -> Result<(), StoreError> {
        let c_sql = c_string(sql)?;
        // SAFETY: `duckdb_result` is a plain C struct; zeroed is its documented initial state.
        let mut result: ffi::duckdb_result = unsafe { std::mem::zeroed() };
        // SAFETY: valid connection and NUL-terminated SQL; the result is destroyed below.
        let state = unsafe { ffi::duckdb_query(self.con, c_sql.as_ptr(), &mut result) };
        let outcome = if state == ffi::DuckDBSuccess {
            Ok(())
        } else {
            // SAFETY: the result of a failed query holds its error message (or null).
            let error = unsafe { ffi::duckdb_result_error(&mut result) };
            Err(StoreError::Database(message(error, "query failed")))
        };
        // SAFETY: filled by `duckdb_query`, destroyed once.
        unsafe { ffi::duckdb_destroy_result(&mut result) };
        outcome
    }

    /// An appender to `table` (main schema) on this connection.
    pub(crate) fn appender(&self, table: &str) -> Result<RawAppender<'_>, StoreError> {
        let c_table = c_string(table)?;
        let mut app: ffi::duckdb_appender = ptr::null_mut();
        // SAFETY: valid connection, NUL-terminated name; `app` is an out pointer destroyed on
        // drop (DuckDB allocates it even when creation fails, to carry the error).
        let state = unsafe {
            ffi::duckdb_appender_create(self.con, ptr::null(), c_table.as_ptr(), &mut app)
        };
        let appender = RawAppender {
            app,
            _conn: PhantomData,
        };
        if state != ffi::DuckDBSuccess {
            return Err(appender.error(&format!("could not append to {table}")));
        }
        Ok(appender)
    }
}

impl Drop for RawConnection {
    fn drop(&mut self) {
        // SAFETY: connected in `raw_connection`, disconnected once here; appenders borrow the
        // connection, so none outlives it.
        unsafe { ffi::duckdb_disconnect(&mut self.con) };
    }
}

/// A DuckDB appender: values are appended column by column, then [`RawAppender::end_row`].
/// Dropping it flushes what it holds into its connection's transaction.
pub(crate) struct RawAppender<'c> {
    app: ffi::duckdb_appender,
    _conn: PhantomData<&'c RawConnection>,
}

impl RawAppender<'_> {
    /// Appends one row.
    pub(crate) fn row(&mut self, values: &[&dyn Append]) -> Result<(), StoreError> {
        for value in values {
            value.append(self)?;
        }
        // SAFETY: valid appender.
        self.check(unsafe { ffi::duckdb_appender_end_row(self.app) })
    }

    /// Moves the buffered rows into the transaction; constraint violations show here.
    pub(crate) fn flush(&mut self) -> Result<(), StoreError> {
        // SAFETY: valid appender.
        self.check(unsafe { ffi::duckdb_appender_flush(self.app) })
    }

    fn check(&self, state: ffi::duckdb_state) -> Result<(), StoreError> {
        if state == ffi::DuckDBSuccess {
            Ok(())
        } else {
            Err(self.error("append failed"))
        }
    }

    fn error(&self, fallback: &str) -> StoreError {
        // SAFETY: valid (possibly failed) appender; the message is owned by it.
        StoreError::Database(message(
            unsafe { ffi::duckdb_appender_error(self.app) },
            fallback,
        ))
    }
}

impl Drop for RawAppender<'_> {
    fn drop(&mut self) {
        // SAFETY: created in `RawConnection::appender`, destroyed once here.
        unsafe { ffi::duckdb_appender_destroy(&mut self.app) };
    }
}

/// A value that can be appended as the next column of a row.
pub(crate) trait Append {
    /// Appends `self`.
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError>;
}

macro_rules! append_with {
    ($($t:ty => $f:ident),* $(,)?) => {$(
        impl Append for $t {
            fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
                // SAFETY: valid appender; the value is passed by copy.
                app.check(unsafe { ffi::$f(app.app, *self) })
            }
        }
    )*};
}

append_with! {
    bool => duckdb_append_bool,
    u8 => duckdb_append_uint8,
    i16 => duckdb_append_int16,
    u32 => duckdb_append_uint32,
    i32 => duckdb_append_int32,
    i64 => duckdb_append_int64,
    u64 => duckdb_append_uint64,
    f64 => duckdb_append_double,
}

impl Append for u128 {
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
        let value = ffi::duckdb_uhugeint {
            lower: *self as u64,
            upper: (*self >> 64) as u64,
        };
        // SAFETY: valid appender; the value is passed by copy.
        app.check(unsafe { ffi::duckdb_append_uhugeint(app.app, value) })
    }
}

impl Append for str {
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
        // SAFETY: valid appender; DuckDB copies `len` bytes from the pointer during the call.
        app.check(unsafe {
            ffi::duckdb_append_varchar_length(app.app, self.as_ptr().cast(), self.len() as u64)
        })
    }
}

impl Append for String {
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
        self.as_str().append(app)
    }
}

impl Append for Arc<str> {
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
        (**self).append(app)
    }
}

impl<T: Append + ?Sized> Append for &T {
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
        (**self).append(app)
    }
}

impl<T: Append> Append for Option<T> {
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
        match self {
            Some(value) => value.append(app),
            // SAFETY: valid appender.
            None => app.check(unsafe { ffi::duckdb_append_null(app.app) }),
        }
    }
}

/// A list column (`VARCHAR[]`, `SMALLINT[]`, `UINTEGER[]`); empty appends NULL.
pub(crate) struct List<'a, T>(pub &'a [T]);

/// An element type of a [`List`].
pub(crate) trait Element {
    /// DuckDB's type of the element.
    const TYPE: ffi::duckdb_type;
    /// A new DuckDB value, destroyed by the caller.
    fn value(&self) -> ffi::duckdb_value;
}

impl Element for i16 {
    const TYPE: ffi::duckdb_type = ffi::DUCKDB_TYPE_DUCKDB_TYPE_SMALLINT;
    fn value(&self) -> ffi::duckdb_value {
        // SAFETY: creates a new value from a copy.
        unsafe { ffi::duckdb_create_int16(*self) }
    }
}

impl Element for u32 {
    const TYPE: ffi::duckdb_type = ffi::DUCKDB_TYPE_DUCKDB_TYPE_UINTEGER;
    fn value(&self) -> ffi::duckdb_value {
        // SAFETY: creates a new value from a copy.
        unsafe { ffi::duckdb_create_uint32(*self) }
    }
}

macro_rules! text_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            const TYPE: ffi::duckdb_type = ffi::DUCKDB_TYPE_DUCKDB_TYPE_VARCHAR;
            fn value(&self) -> ffi::duckdb_value {
                // SAFETY: DuckDB copies `len` bytes into the new value.
                unsafe { ffi::duckdb_create_varchar_length(self.as_ptr().cast(), self.len() as u64) }
            }
        }
    )*};
}

text_element!(String, Arc<str>);

impl<T: Element> Append for List<'_, T> {
    fn append(&self, app: &mut RawAppender<'_>) -> Result<(), StoreError> {
        if self.0.is_empty() {
            // SAFETY: valid appender.
            return app.check(unsafe { ffi::duckdb_append_null(app.app) });
        }
        let mut values: Vec<ffi::duckdb_value> = self.0.iter().map(Element::value).collect();
        // SAFETY: the logical type, the element values and the list are created here, used in
        // the calls below (DuckDB copies what it keeps) and destroyed once each.
        unsafe {
            let mut element = ffi::duckdb_create_logical_type(T::TYPE);
            let mut list =
                ffi::duckdb_create_list_value(element, values.as_mut_ptr(), values.len() as u64);
            let state = ffi::duckdb_append_value(app.app, list);
            ffi::duckdb_destroy_value(&mut list);
            for value in &mut values {
                ffi::duckdb_destroy_value(value);
            }
            ffi::duckdb_destroy_logical_type(&mut element);
            app.check(state)
        }
    }
}

fn c_string(text: &str) -> Result<CString, StoreError> {
    CString::new(text).map_err(|_| StoreError::Database(format!("NUL byte in {text:?}")))
}

fn message(error: *const c_char, fallback: &str) -> String {
    if error.is_null() {
        fallback.to_owned()
    } else {
        // SAFETY: DuckDB's error strings are NUL-terminated and live as long as their owner.
        unsafe { CStr::from_ptr(error) }
            .to_string_lossy()
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn open(dir: &tempfile::TempDir) -> Arc<RawDatabase> {
        let settings = [("threads", "1".to_owned())];
        Arc::new(RawDatabase::open(&dir.path().join("t.duckdb"), &settings).unwrap())
    }

    /// Every value kind lands in its column as given, NULLs and empty lists as NULL, and the
    /// rows are visible to the `duckdb` crate's connections once committed.
    #[test]
    fn values_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(&dir);
        let reader = db.connection().unwrap();
        reader
            .execute_batch(
                "CREATE TABLE t (id UHUGEINT, b BOOLEAN, u UTINYINT, s SMALLINT, n UINTEGER, \
                 i INTEGER, l BIGINT, x UBIGINT, d DOUBLE, v VARCHAR, names VARCHAR[], \
                 bins SMALLINT[], counts UINTEGER[])",
            )
            .unwrap();
        let conn = db.raw_connection().unwrap();
        conn.execute("BEGIN TRANSACTION").unwrap();
        {
            let mut app = conn.appender("t").unwrap();
            let names = vec!["a".to_owned(), "b é".to_owned()];
            app.row(&[
                &(u128::MAX - 1),
                &true,
                &7u8,
                &-3i16,
                &u32::MAX,
                &-5i32,
                &i64::MIN,
                &u64::MAX,
                &0.25f64,
                &"text",
                &List(&names),
                &List(&[-2i16, 9]),
                &List(&[1u32, 4]),
            ])
            .unwrap();
            let none: Option<u64> = None;
            let empty: Vec<String> = Vec::new();
            app.row(&[
                &1u128,
                &Some(false),
                &none.map(|_| 0u8),
                &None::<i16>,
                &None::<u32>,
                &None::<i32>,
                &None::<i64>,
                &none,
                &None::<f64>,
                &None::<&str>,
                &List(&empty),
                &List::<i16>(&[]),
                &List::<u32>(&[]),
            ])
            .unwrap();
            app.flush().unwrap();
        }
        conn.execute("COMMIT").unwrap();
        let rows: Vec<String> = reader
            .prepare(
                "SELECT concat_ws('|', id, b, u, s, n, i, l, x, d, v, names::VARCHAR, \
                 bins::VARCHAR, counts::VARCHAR) FROM t ORDER BY id",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                "1|false".to_owned(),
                format!(
                    "{}|true|7|-3|{}|-5|{}|{}|0.25|text|[a, b é]|[-2, 9]|[1, 4]",
                    u128::MAX - 1,
                    u32::MAX,
                    i64::MIN,
                    u64::MAX
                ),
            ]
        );
    }

    /// DuckDB's errors come back with its message: a bad statement, a missing table, a NOT
    /// NULL violation found at flush, a database that cannot be created.
    #[test]
    fn errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(&dir);
        let conn = db.raw_connection().unwrap();
        let e = conn.execute("SELEC 1").unwrap_err().to_string();
        assert!(e.contains("syntax error"), "{e}");
        let e = conn.appender("missing").err().unwrap().to_string();
        assert!(e.contains("missing"), "{e}");
        conn.execute("CREATE TABLE t (v VARCHAR NOT NULL)").unwrap();
        let mut app = conn.appender("t").unwrap();
        app.row(&[&None::<&str>]).unwrap();
        let e = app.flush().unwrap_err().to_string();
        assert!(e.contains("NOT NULL"), "{e}");
        let bad = dir.path().join("no-such-dir").join("t.duckdb");
        let e = RawDatabase::open(&bad, &[]).err().unwrap().to_string();
        assert!(e.contains("no-such-dir"), "{e}");
    }
}
