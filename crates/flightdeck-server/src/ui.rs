//! The web UI: an app shell and its static files, embedded in the binary and served on the HTTP
//! port next to the API.
//!
//! Every file under `crates/flightdeck-server/ui/` is compiled in with `include_bytes!` (listed
//! once in `ASSETS`; a test fails when the list and the folder disagree), so the UI needs no
//! network access and no files next to the binary. There is no front-end build step: the UI is
//! plain ES modules, and its charts come from the vendored Apache ECharts
//! (`ui/vendor/README.md` says which version and how to update it).
//!
//! What is served:
//! - `/assets/<version>/<path>`: a file. `<version>` is a hash of all files, so browsers may keep
//!   them for a year (`immutable`) and a new binary changes every URL. Text is sent gzipped to
//!   clients that accept it (compressed once, in the background, on first request).
//! - any other `GET` outside `/api/` (`/`, `/traces`, `/traces/<id>`, ...): the app shell
//!   `index.html`, which routes on the client; `Cache-Control: no-cache` with an `ETag`, and a
//!   Content-Security-Policy that allows nothing but this server.
//! - unknown paths under `/api/`: the API's JSON 404.
//!
//! For work on the UI itself, set `FLIGHTDECK_UI_DIR` to the `ui/` folder of a checkout: the
//! listed files are then read from there on every request (uncompressed, `no-cache`), so an edit
//! shows on reload without rebuilding the binary.
//!
//! ```
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::body::Body;
//! use axum::http::Request;
//! use tower::ServiceExt as _;
//!
//! let app: axum::Router = flightdeck_server::ui::router();
//! let response = app.oneshot(Request::get("/traces").body(Body::empty())?).await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{LazyLock, Once, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::ApiError;

/// One embedded file, by its path under `ui/`.
struct Asset {
    path: &'static str,
    bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        &[$(Asset {
            path: $path,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/", $path)),
        }),*]
    };
}

/// Every file of the UI (Markdown notes under `ui/` excepted). A new file goes here.
const ASSETS: &[Asset] = assets![
    "index.html",
    "favicon.svg",
    "css/app.css",
    "js/analytics.js",
    "js/api.js",
    "js/app.js",
    "js/charts.js",
    "js/chat.js",
    "js/components.js",
    "js/dom.js",
    "js/format.js",
    "js/spanpanel.js",
    "js/state.js",
    "js/waterfall.js",
    "js/pages/agents.js",
    "js/pages/compare.js",
    "js/pages/conversation.js",
    "js/pages/conversations.js",
    "js/pages/diagnostics.js",
    "js/pages/models.js",
    "js/pages/notfound.js",
    "js/pages/overview.js",
    "js/pages/trace.js",
    "js/pages/traces.js",
    "vendor/echarts/echarts.esm.min.mjs",
    "vendor/echarts/LICENSE.txt",
    "vendor/echarts/NOTICE.txt",
    "vendor/echarts/LICENSE-d3.txt",
    "vendor/echarts/LICENSE-tslib.txt",
    "vendor/echarts/LICENSE-zrender.txt",
];

/// The app shell; its `__ASSETS__` placeholders become `/assets/<version>`.
const INDEX: &str = "index.html";
const ASSETS_PLACEHOLDER: &str = "__ASSETS__";

/// Versioned assets never change under their URL.
const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The shell (and assets asked for under another version) are revalidated on every load.
const CACHE_REVALIDATE: &str = "no-cache";
/// Only this server: no CDN, no external fonts, no inline scripts. ECharts sets inline styles.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// Files smaller than this are sent as they are.
const MIN_GZIP_BYTES: usize = 1024;

/// Gzipped copies of the compressible assets, filled once by a background thread (`None`: gzip
/// did not make it smaller).
static GZIPPED: [OnceLock<Option<Vec<u8>>>; ASSETS.len()] =
    [const { OnceLock::new() }; ASSETS.len()];
static START_GZIP: Once = Once::new();

/// The folder named by `FLIGHTDECK_UI_DIR`, read once: files are served from there (UI work).
static DEV_DIR: LazyLock<Option<std::path::PathBuf>> = LazyLock::new(|| {
    let dir = std::env::var_os("FLIGHTDECK_UI_DIR").map(std::path::PathBuf::from)?;
    tracing::warn!(dir = %dir.display(), "serving the web UI from FLIGHTDECK_UI_DIR, not from the binary");
    Some(dir)
});

/// Asset `i` read from the development folder, when one is set and has the file.
fn dev_file(i: usize) -> Option<Vec<u8>> {
    let dir = DEV_DIR.as_ref()?;
    // Only listed paths are read, so a request cannot reach outside the folder.
    std::fs::read(dir.join(ASSETS[i].path)).ok()
}

/// What is derived from the embedded files once: the version, ETags and the rendered shell.
struct Catalog {
    version: String,
    by_path: HashMap<&'static str, usize>,
    etags: Vec<HeaderValue>,
    gzip_etags: Vec<HeaderValue>,
    index: Vec<u8>,
    index_etag: HeaderValue,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::build);

fn etag(hash: u64, suffix: &str) -> HeaderValue {
    // Hex digits and a fixed suffix are always a valid header value.
    HeaderValue::from_str(&format!("\"{hash:016x}{suffix}\""))
        .unwrap_or(HeaderValue::from_static("\"0\""))
}

impl Catalog {
    fn build() -> Catalog {
        let mut all = xxhash_rust::xxh3::Xxh3::new();
        let mut etags = Vec::with_capacity(ASSETS.len());
        let mut gzip_etags = Vec::with_capacity(ASSETS.len());
        let mut by_path = HashMap::with_capacity(ASSETS.len());
        for (i, asset) in ASSETS.iter().enumerate() {
            let hash = xxhash_rust::xxh3::xxh3_64(asset.bytes);
            all.update(asset.path.as_bytes());
            all.update(&hash.to_le_bytes());
            etags.push(etag(hash, ""));
            gzip_etags.push(etag(hash, "-gz"));
            by_path.insert(asset.path, i);
        }
        let version = format!("{:016x}", all.digest());
        let shell = by_path
            .get(INDEX)
            .map(|&i| String::from_utf8_lossy(ASSETS[i].bytes).into_owned())
            .unwrap_or_default();
        let index = shell
            .replace(ASSETS_PLACEHOLDER, &format!("/assets/{version}"))
            .into_bytes();
        let index_etag = etag(xxhash_rust::xxh3::xxh3_64(&index), "");
        Catalog {
            version,
            by_path,
            etags,
            gzip_etags,
            index,
            index_etag,
        }
    }
}

/// The version in asset URLs: a hash of every embedded file.
pub fn version() -> &'static str {
    &CATALOG.version
}

/// The UI routes: `/assets/<version>/<path>`, and a fallback serving the app shell for client
/// routes (and the API's JSON 404 under `/api/`). Merge it after the API routes.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/assets/{version}/{*path}", get(asset))
        .fallback(fallback)
}

/// The content type for a file name.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type == "image/svg+xml"
        || content_type == "application/json"
}

/// True when `Accept-Encoding` allows gzip (an explicit `gzip` entry wins over `*`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                .next()
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(q > 0.0);
            } else if coding == "*" {
                any = Some(q > 0.0);
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// True when `If-None-Match` names `etag` (weak or strong) or is `*`.
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::default(),
    );
    encoder.write_all(bytes).ok()?;
    let out = encoder.finish().ok()?;
    (out.len() < bytes.len()).then_some(out)
}

/// The gzipped copy of asset `i` if it is ready; starts compressing everything on first use.
fn gzipped(i: usize) -> Option<&'static [u8]> {
    if let Some(ready) = GZIPPED[i].get() {
        return ready.as_deref();
    }
    START_GZIP.call_once(|| {
        // If the thread cannot start, assets are simply sent uncompressed.
        let _ = std::thread::Builder::new()
            .name("flightdeck-ui-gzip".into())
            .spawn(|| {
                for (k, asset) in ASSETS.iter().enumerate() {
                    if compressible(content_type(asset.path)) && asset.bytes.len() >= MIN_GZIP_BYTES
                    {
                        let _ = GZIPPED[k].set(gzip(asset.bytes));
                    }
                }
            });
    });
    None
}

fn base_headers(content_type: &'static str, cache_control: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers
}

fn respond(
    mut headers: HeaderMap,
    etag: &HeaderValue,
    request: &HeaderMap,
    body: Body,
) -> Response {
    headers.insert(header::ETAG, etag.clone());
    if not_modified(request, etag) {
        headers.remove(header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (StatusCode::OK, headers, body).into_response()
}

/// `GET /assets/{version}/{*path}`: one embedded file.
async fn asset(Path((version, path)): Path<(String, String)>, request: HeaderMap) -> Response {
    let catalog = &*CATALOG;
    let Some(&i) = catalog.by_path.get(path.as_str()).filter(|_| path != INDEX) else {
        return (StatusCode::NOT_FOUND, format!("no UI file {path:?}")).into_response();
    };
    let asset = &ASSETS[i];
    let content_type = content_type(asset.path);
    if let Some(bytes) = dev_file(i) {
        let headers = base_headers(content_type, CACHE_REVALIDATE);
        return (StatusCode::OK, headers, bytes).into_response();
    }
    // An old page may ask for an older version: send the current file, but do not let it stick.
    let cache = if version == catalog.version {
        CACHE_IMMUTABLE
    } else {
        CACHE_REVALIDATE
    };
    let mut headers = base_headers(content_type, cache);
    if !compressible(content_type) || asset.bytes.len() < MIN_GZIP_BYTES {
        return respond(
            headers,
            &catalog.etags[i],
            &request,
            Body::from(asset.bytes),
        );
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    match accepts_gzip(&request).then(|| gzipped(i)).flatten() {
        Some(compressed) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            respond(
                headers,
                &catalog.gzip_etags[i],
                &request,
                Body::from(compressed),
            )
        }
        None => respond(
            headers,
            &catalog.etags[i],
            &request,
            Body::from(asset.bytes),
        ),
    }
}

/// Everything no other route took: the API's 404 under `/api/`, else the app shell.
async fn fallback(method: Method, uri: Uri, request: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::NotFound(format!("no API endpoint {method} {path}")).into_response();
    }
    if path.starts_with("/assets/") {
        return (StatusCode::NOT_FOUND, format!("no UI file at {path}")).into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        let mut headers = HeaderMap::new();
        headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            headers,
            format!("{method} is not allowed on {path}: the UI only answers GET"),
        )
            .into_response();
    }
    let catalog = &*CATALOG;
    let mut headers = base_headers("text/html; charset=utf-8", CACHE_REVALIDATE);
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if let Some(shell) = catalog.by_path.get(INDEX).and_then(|&i| dev_file(i)) {
        let html = String::from_utf8_lossy(&shell)
            .replace(ASSETS_PLACEHOLDER, &format!("/assets/{}", catalog.version));
        return (StatusCode::OK, headers, html).into_response();
    }
    respond(
        headers,
        &catalog.index_etag,
        &request,
        Body::from(catalog.index.as_slice()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use http_body_util::BodyExt as _;
    use std::path::{Path as FsPath, PathBuf};
    use tower::ServiceExt as _;

    fn ui_dir() -> PathBuf {
        FsPath::new(env!("CARGO_MANIFEST_DIR")).join("ui")
    }

    fn files_under(dir: &FsPath, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, out);
            } else if path.extension().is_none_or(|e| e != "md") {
                let rel = path.strip_prefix(ui_dir()).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    async fn get(path: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::get(path);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = router::<()>()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body.to_vec())
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Read as _;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// The embedded list and the `ui/` folder agree: no file is forgotten, none is listed twice.
    #[test]
    fn every_ui_file_is_embedded_once() {
        let mut on_disk = Vec::new();
        files_under(&ui_dir(), &mut on_disk);
        on_disk.sort();
        let mut listed: Vec<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
        listed.sort();
        let before = listed.len();
        listed.dedup();
        assert_eq!(listed.len(), before, "a file is listed twice in ASSETS");
        assert_eq!(
            listed, on_disk,
            "ASSETS in ui.rs must list every file under ui/"
        );
    }

    /// Every relative module import and every `__ASSETS__/` reference names an embedded file,
    /// so no page can fail with a missing script, and nothing is loaded from elsewhere.
    #[test]
    fn every_reference_resolves_to_an_embedded_file() {
        let names: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
        let mut checked = 0;
        for asset in ASSETS {
            let text = match std::str::from_utf8(asset.bytes) {
                Ok(text) if asset.path.ends_with(".js") || asset.path.ends_with(".html") => text,
                _ => continue,
            };
            let dir = asset.path.rsplit_once('/').map_or("", |(d, _)| d);
            for quote in ['\'', '"'] {
                for (pos, _) in text
                    .match_indices(&format!("{quote}./"))
                    .chain(text.match_indices(&format!("{quote}../")))
                {
                    let rest = &text[pos + 1..];
                    let Some(end) = rest.find(quote) else {
                        continue;
                    };
                    let target = resolve(dir, &rest[..end]);
                    assert!(
                        names.contains(&target.as_str()),
                        "{} refers to {} ({target}), which is not embedded",
                        asset.path,
                        &rest[..end]
                    );
                    checked += 1;
                }
            }
            for (pos, _) in text.match_indices("__ASSETS__/") {
                let rest = &text[pos + "__ASSETS__/".len()..];
                let end = rest.find(['"', '\'']).unwrap();
                assert!(
                    names.contains(&&rest[..end]),
                    "{} refers to {}, which is not embedded",
                    asset.path,
                    &rest[..end]
                );
                checked += 1;
            }
            for external in ["http://", "https://", "//cdn", "fonts.googleapis"] {
                if asset.path.starts_with("js/") || asset.path.starts_with("css/") {
                    assert!(
                        !text.contains(&format!("from '{external}"))
                            && !text.contains(&format!("url({external}")),
                        "{} loads something from outside the binary",
                        asset.path
                    );
                }
            }
        }
        assert!(
            checked > 30,
            "only {checked} references found; is the scan broken?"
        );
    }

    fn resolve(dir: &str, relative: &str) -> String {
        let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        for segment in relative.split('/') {
            match segment {
                "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    }

    /// Content types by extension, including ES modules with the `.mjs` extension.
    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(
            content_type("vendor/echarts/echarts.esm.min.mjs"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("css/app.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    /// Accept-Encoding parsing: q-values, wildcards, and an explicit refusal beating `*`.
    #[test]
    fn gzip_negotiation() {
        let accepts = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip;q=0, *"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    /// The shell is served for `/` and client routes, with the asset version filled in.
    #[tokio::test]
    async fn client_routes_get_the_shell() {
        for path in [
            "/",
            "/traces",
            "/traces/0af7651916cd43dd8448eb211c80319c?span=1",
            "/no/such/page",
        ] {
            let (status, headers, body) = get(path, &[]).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(headers["content-type"], "text/html; charset=utf-8");
            assert_eq!(headers["cache-control"], "no-cache");
            assert!(
                headers["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("default-src 'self'")
            );
            let html = String::from_utf8(body).unwrap();
            assert!(
                !html.contains(ASSETS_PLACEHOLDER),
                "{path}: placeholder left in the shell"
            );
            assert!(html.contains(&format!("/assets/{}/js/app.js", version())));
        }
    }

    /// The shell's ETag makes a reload cheap: a matching If-None-Match gets 304 with no body.
    #[tokio::test]
    async fn shell_revalidates_with_etag() {
        let (_, headers, _) = get("/", &[]).await;
        let etag = headers["etag"].to_str().unwrap().to_owned();
        let (status, _, body) = get("/models", &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
        let (status, _, _) = get("/models", &[("if-none-match", "\"something-else\"")]).await;
        assert_eq!(status, StatusCode::OK);
    }

    /// Assets under the current version are immutable; gzip is used once ready and round-trips.
    #[tokio::test]
    async fn assets_are_cached_and_compressed() {
        let path = format!("/assets/{}/vendor/echarts/echarts.esm.min.mjs", version());
        let original = ASSETS
            .iter()
            .find(|a| a.path.ends_with(".mjs"))
            .unwrap()
            .bytes;
        let (status, headers, body) = get(&path, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["cache-control"], CACHE_IMMUTABLE);
        assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
        assert_eq!(headers["vary"], "accept-encoding");
        assert!(headers.get("content-encoding").is_none());
        assert_eq!(body, original);

        let mut compressed = None;
        for _ in 0..600 {
            let (status, headers, body) = get(&path, &[("accept-encoding", "gzip")]).await;
            assert_eq!(status, StatusCode::OK);
            if headers.get("content-encoding").is_some() {
                assert_eq!(headers["content-encoding"], "gzip");
                compressed = Some((headers, body));
                break;
            }
            assert_eq!(
                body, original,
                "until gzip is ready the file is sent as it is"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (headers, body) = compressed.expect("the gzipped copy was never ready");
        assert!(
            body.len() < original.len() / 2,
            "gzip gave {} of {}",
            body.len(),
            original.len()
        );
        assert_eq!(gunzip(&body), original);
        let gz_etag = headers["etag"].to_str().unwrap();
        let (_, plain, _) = get(&path, &[]).await;
        assert_ne!(
            plain["etag"].to_str().unwrap(),
            gz_etag,
            "each encoding has its own ETag"
        );
        let (status, _, _) = get(
            &path,
            &[("accept-encoding", "gzip"), ("if-none-match", gz_etag)],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
    }

    /// An asset asked for under another version is still served, but must be revalidated.
    #[tokio::test]
    async fn other_versions_are_not_cached_forever() {
        let (status, headers, body) = get("/assets/0123456789abcdef/css/app.css", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["cache-control"], "no-cache");
        assert_eq!(headers["content-type"], "text/css; charset=utf-8");
        assert!(String::from_utf8(body).unwrap().contains("--accent"));
    }

    /// Missing files are 404 (never the shell), the raw template is not served as an asset, and
    /// unknown API paths keep the API's JSON error shape.
    #[tokio::test]
    async fn missing_files_and_api_paths_are_404() {
        let v = version();
        for path in [
            format!("/assets/{v}/js/nope.js"),
            format!("/assets/{v}/index.html"),
            format!("/assets/{v}/../Cargo.toml"),
            "/assets/".to_owned(),
        ] {
            let (status, headers, _) = get(&path, &[]).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_ne!(
                headers.get("content-type").unwrap(),
                "text/html; charset=utf-8"
            );
        }
        let (status, headers, body) = get("/api/v1/nothing-here", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers["content-type"], "application/json");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "not_found");
        assert_eq!(
            json["error"]["message"],
            "no API endpoint GET /api/v1/nothing-here"
        );
    }

    /// HEAD works like GET without a body; other methods on UI paths are refused with Allow.
    #[tokio::test]
    async fn head_and_other_methods() {
        let response = router::<()>()
            .oneshot(Request::head("/traces").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(body.is_empty());
        let response = router::<()>()
            .oneshot(Request::post("/traces").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()["allow"], "GET, HEAD");
    }
}
