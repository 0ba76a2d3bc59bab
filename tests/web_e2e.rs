//! The verification page (`GET /` of `qoltanba serve`) in headless Chromium, driven over WebDriver
//! (chromedriver), against the real binary on the bundled demo PKI on a loopback port.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test-all installs them). Another
//! browser or driver can be named with `QOLTANBA_CHROMIUM` and `QOLTANBA_CHROMEDRIVER`.
//! Screenshots of every state go to `target/web-screenshots/`; with
//! `QOLTANBA_UPDATE_DOCS_SCREENSHOT=1` the valid verdict is also copied to `docs/web-verify.png`
//! and the time-stamped one to `docs/web-timestamped.png`.

mod tsa_support;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);
const WIDE: (u32, u32) = (1280, 1000);

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sample(name: &str) -> String {
    manifest_dir()
        .join("fixtures/samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn screenshot_dir() -> PathBuf {
    manifest_dir().join("target/web-screenshots")
}

/// The page's own texts, so that the test checks what a reader sees in each language.
fn texts() -> &'static Value {
    static TEXTS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        serde_json::from_str(include_str!("../web/i18n.json")).expect("web/i18n.json is JSON")
    })
}

fn tr(lang: &str, key: &str) -> String {
    texts()[lang][key]
        .as_str()
        .unwrap_or_else(|| panic!("no text {lang}.{key}"))
        .to_owned()
}

/// A child process killed when the test ends, however it ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_program(env_var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env_var) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.push(PathBuf::from("/usr/lib/chromium"));
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

fn browser_programs() -> (PathBuf, PathBuf) {
    let chromium = find_program(
        "QOLTANBA_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let driver = find_program("QOLTANBA_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => (c, d),
        (c, d) => panic!(
            "the web page tests need headless Chromium and chromedriver (found chromium: {}, \
             chromedriver: {}). Run scripts/test-all, which installs them (Debian packages \
             `chromium` and `chromium-driver`), or set QOLTANBA_CHROMIUM / QOLTANBA_CHROMEDRIVER.",
            c.is_some(),
            d.is_some()
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `qoltanba serve` on the demo configuration, on a free loopback port.
fn start_server() -> (Reaped, SocketAddr) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qoltanba"));
    command.arg("serve");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("QOLTANBA_") {
            command.env_remove(key);
        }
    }
    let archive =
        std::env::temp_dir().join(format!("qoltanba_web_e2e_{}.sqlite", std::process::id()));
    let mut child = command
        .env("QOLTANBA_LISTEN", "127.0.0.1:0")
        .env(
            "QOLTANBA_ARCHIVE__URL",
            format!("sqlite://{}", archive.display()),
        )
        .env("RUST_LOG", "warn")
        // OCSP first, then the CRLs: the page shows OCSP evidence that comes with a signature;
        // with no responder configured every other case is still decided by the CRLs.
        .env("QOLTANBA_OCSP__POLICY", "ocsp_then_crl")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qoltanba serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let server = Reaped(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        }
    });
    let addr = rx
        .recv_timeout(WAIT)
        .expect("qoltanba serve says where it listens")
        .parse()
        .expect("an address");
    (server, addr)
}

fn start_driver(driver: &Path) -> (Reaped, u16) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("target/web-screenshots");
    let log = std::fs::File::create(dir.join("chromedriver.log")).expect("driver log");
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < WAIT, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Reaped(child), port)
}

async fn connect(chromium: &Path, port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=kk-KZ",
                format!("--window-size={},{}", WIDE.0, WIDE.1),
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {"intl.accept_languages": "kk-KZ,kk,ru"},
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session in headless Chromium")
}

struct Page {
    client: Client,
    base: String,
    shots: Vec<PathBuf>,
}

impl Page {
    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    async fn text(&self, css: &str) -> String {
        let v = self
            .js(
                "const n = document.querySelector(arguments[0]); return n ? n.textContent : null;",
                vec![json!(css)],
            )
            .await;
        v.as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    async fn wait_until(&self, what: &str, script: &str, args: Vec<Value>) {
        let started = Instant::now();
        loop {
            if self.js(script, args.clone()).await == json!(true) {
                return;
            }
            assert!(started.elapsed() < WAIT, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn open(&self) {
        self.client.goto(&self.base).await.expect("the page loads");
        self.wait_until(
            "the page script",
            "return document.body.dataset.ready === 'true';",
            vec![],
        )
        .await;
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    async fn choose_file(&self, input: &str, path: &str) {
        self.client
            .find(Locator::Css(input))
            .await
            .expect("file input")
            .send_keys(path)
            .await
            .expect("a file is chosen");
        let name = Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let shown = input.replace("-file", "-name");
        self.wait_until(
            "the chosen file's name",
            "return document.querySelector(arguments[0]).textContent.startsWith(arguments[1]);",
            vec![json!(shown), json!(name)],
        )
        .await;
    }

    async fn set_lang(&self, lang: &str) {
        self.click(&format!("#langs button[data-lang='{lang}']"))
            .await;
        self.wait_until(
            "the language switch",
            "return document.documentElement.lang === arguments[0];",
            vec![json!(lang)],
        )
        .await;
    }

    async fn clear(&self) {
        self.click("#clear").await;
        self.wait_until(
            "a cleared form",
            "return document.getElementById('result').hidden;",
            vec![],
        )
        .await;
    }

    /// Submits and waits for the verdict; returns its status.
    async fn type_expected_id(&self, id: &str) {
        self.client
            .find(Locator::Css("#expected-id"))
            .await
            .expect("field")
            .send_keys(id)
            .await
            .expect("typing");
    }

    async fn verify(&self) -> String {
        self.js(
            "document.getElementById('verdict').dataset.status = '';",
            vec![],
        )
        .await;
        self.click("#verify").await;
        self.wait_until(
            "a verdict",
            "const r = document.getElementById('result'); \
             return !r.hidden && !document.getElementById('verify').disabled \
                 && Boolean(document.getElementById('verdict').dataset.status);",
            vec![],
        )
        .await;
        self.js(
            "return document.getElementById('verdict').dataset.status;",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned()
    }

    /// A PNG of the whole page (the window is stretched to the page's height for it).
    async fn shot(&mut self, name: &str, width: u32) {
        self.client
            .set_window_size(width, WIDE.1)
            .await
            .expect("resize");
        let sizes = self
            .js(
                "window.scrollTo(0, 0); \
                 return [Math.ceil(document.documentElement.scrollHeight), \
                         window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await;
        let height =
            sizes[0].as_u64().unwrap_or(u64::from(WIDE.1)) + sizes[1].as_u64().unwrap_or(0);
        let height = u32::try_from(height).unwrap_or(6000).clamp(400, 6000);
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize");
        let png = self.client.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        self.shots.push(path);
        self.client
            .set_window_size(WIDE.0, WIDE.1)
            .await
            .expect("resize");
    }

    /// Every visible text on the page has a contrast of at least 4.5:1 with its background.
    async fn assert_contrast(&self, state: &str) {
        let low = self
            .js(
                r#"
const parse = (c) => { const m = c.match(/[\d.]+/g) || []; return m.map(Number); };
const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const bg = (n) => { for (; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3); } return [255, 255, 255]; };
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const t = walker.currentNode; if (!t.textContent.trim()) continue;
  const e = t.parentElement; const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  if (!r.width || !r.height || s.visibility === 'hidden' || e.closest('[hidden], .vh, .skip')) continue;
  const fg = parse(s.color).slice(0, 3); const b = bg(e);
  const [hi, lo] = [lum(fg), lum(b)].sort((x, y) => y - x);
  const ratio = (hi + 0.05) / (lo + 0.05);
  if (ratio < 4.5) out.push(`${ratio.toFixed(2)} ${s.color} on ${b} : ${t.textContent.trim().slice(0, 40)}`);
}
return out;"#,
                vec![],
            )
            .await;
        assert_eq!(low, json!([]), "text below 4.5:1 contrast in {state}");
    }

    async fn assert_fits(&self, width: u32) {
        self.client
            .set_window_size(width, WIDE.1)
            .await
            .expect("resize");
        let fits = self
            .js(
                "const w = window.innerWidth; \
                 if (document.documentElement.scrollWidth <= w) return true; \
                 return [w, document.documentElement.scrollWidth, document.body.scrollWidth, ...[...document.querySelectorAll('body *')] \
                   .filter((n) => !n.closest('.vh') && (n.getBoundingClientRect().right > w + 0.5 || n.scrollWidth > n.clientWidth + 1)) \
                   .map((n) => n.tagName + '#' + n.id + '.' + n.className + ':' + n.getBoundingClientRect().right + '/' + n.scrollWidth + '/' + n.clientWidth).slice(0, 20)];",
                vec![],
            )
            .await;
        self.client
            .set_window_size(WIDE.0, WIDE.1)
            .await
            .expect("resize");
        assert_eq!(fits, json!(true), "the page is wider than {width} px");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_in_headless_chromium() {
    let (chromium, driver) = browser_programs();
    let started = Instant::now();
    let (_server, addr) = start_server();
    let (_driver, port) = start_driver(&driver);
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let client = connect(&chromium, port, profile.path()).await;
    let mut page = Page {
        client: client.clone(),
        base: format!("http://{addr}/"),
        shots: Vec::new(),
    };
    let outcome = std::panic::AssertUnwindSafe(run(&mut page))
        .catch_unwind()
        .await;
    let _ = client.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    eprintln!(
        "web page: {} screenshots in {} ({:.1} s)",
        page.shots.len(),
        screenshot_dir().display(),
        started.elapsed().as_secs_f64()
    );
}

async fn run(page: &mut Page) {
    served_with_security_headers(page).await;
    page.open().await;
    follows_the_browser_language(page).await;
    id_checker_flags_a_bad_control_digit(page).await;
    language_switch_changes_the_texts(page).await;
    valid_signature(page).await;
    gost_signature(page).await;
    revoked_signature(page).await;
    timestamped_signature(page).await;
    ocsp_evidence(page).await;
    signers_on_their_own_basis(page).await;
    tampered_signature(page).await;
    indeterminate_signature(page).await;
    detached_signature_with_its_data(page).await;
    garbage_file(page).await;
    dropped_file(page).await;
    pasted_base64(page).await;
    keyboard_reaches_every_control(page).await;
    api_page(page).await;
}

/// `/docs`: Swagger UI from the binary shows every operation of `/openapi.json`, under the
/// service's CSP, with nothing fetched from another origin.
async fn api_page(page: &mut Page) {
    page.client
        .goto(&format!("{}docs", page.base))
        .await
        .expect("the API page loads");
    page.wait_until(
        "Swagger UI's operations",
        "return document.querySelectorAll('.opblock').length > 0;",
        vec![],
    )
    .await;
    let seen = page
        .js(
            r#"
const doc = await (await fetch('/openapi.json')).json();
const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
const shown = [...document.querySelectorAll('.opblock-summary-path')].map((n) => n.textContent.replace(/\u200b/g, ''));
const foreign = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => !u.startsWith(location.origin) && !u.startsWith('data:'));
return {operations, shown, foreign, title: (document.querySelector('.title') || {}).textContent || ''};"#,
            vec![],
        )
        .await;
    let shown = seen["shown"].as_array().map_or(0, Vec::len);
    assert_eq!(json!(shown), seen["operations"], "{seen}");
    assert!(
        seen["shown"]
            .as_array()
            .is_some_and(|paths| paths.iter().any(|p| p == "/v1/verify")),
        "{seen}"
    );
    assert_eq!(seen["foreign"], json!([]), "{seen}");
    assert!(
        seen["title"]
            .as_str()
            .unwrap_or_default()
            .contains("qoltanba"),
        "{seen}"
    );
    page.shot("30-api-docs", WIDE.0).await;
    if std::env::var_os("QOLTANBA_UPDATE_DOCS_SCREENSHOT").is_some() {
        std::fs::copy(
            screenshot_dir().join("30-api-docs.png"),
            manifest_dir().join("docs/web-api.png"),
        )
        .expect("docs/web-api.png");
    }
}

/// The page and its assets come with their types, the CSP and cache headers (read through the
/// browser's own fetch, which also proves that the CSP lets the page talk to its origin).
async fn served_with_security_headers(page: &mut Page) {
    page.open().await;
    let heads = page
        .js(
            r#"
const read = async (u) => { const r = await fetch(u, {cache: 'no-store'}); return {
  status: r.status, type: r.headers.get('content-type'), csp: r.headers.get('content-security-policy'),
  cache: r.headers.get('cache-control'), etag: r.headers.get('etag') }; };
return Promise.all(['/', '/assets/app.js', '/assets/style.css', '/assets/i18n.json', '/assets/favicon.svg', '/assets/nope.js'].map(read));"#,
            vec![],
        )
        .await;
    let expect = [
        (200, "text/html; charset=utf-8"),
        (200, "text/javascript; charset=utf-8"),
        (200, "text/css; charset=utf-8"),
        (200, "application/json"),
        (200, "image/svg+xml"),
        (404, "text/plain; charset=utf-8"),
    ];
    for (i, (status, ty)) in expect.iter().enumerate() {
        let h = &heads[i];
        assert_eq!(h["status"], json!(status), "{h}");
        assert_eq!(h["type"], json!(ty), "{h}");
        let csp = h["csp"].as_str().unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{h}"
        );
        if *status == 200 {
            assert_eq!(h["cache"], json!("no-cache"), "{h}");
            assert!(h["etag"].is_string(), "{h}");
        }
    }
}

async fn follows_the_browser_language(page: &mut Page) {
    // The profile is new (nothing stored) and the browser asks for Kazakh.
    let langs = page.js("return navigator.languages;", vec![]).await;
    assert_eq!(
        langs[0].as_str().map(|l| l.starts_with("kk")),
        Some(true),
        "{langs}"
    );
    assert_eq!(page.text("h1").await, tr("kk", "title"));
    assert_eq!(page.text("#verify").await, tr("kk", "verify"));
    page.assert_contrast("the empty form").await;
    page.assert_fits(360).await;
    page.shot("01-form-kk", WIDE.0).await;
}

fn id_control_ok(id: &str) -> bool {
    qoltanba_core::IdNumber::parse(id).is_ok()
}

async fn id_checker_flags_a_bad_control_digit(page: &mut Page) {
    let input = page
        .client
        .find(Locator::Css("#expected-id"))
        .await
        .expect("the IIN/BIN field");
    input.send_keys("88041530012").await.expect("typing");
    assert_eq!(
        page.text("#id-state").await,
        tr("kk", "id_count").replace("{n}", "11")
    );
    input.send_keys("8").await.expect("typing");
    page.wait_until(
        "the control digit verdict",
        "return document.getElementById('id-state').dataset.state === 'bad';",
        vec![],
    )
    .await;
    assert_eq!(page.text("#id-state").await, tr("kk", "id_bad_check"));
    assert_eq!(
        page.js(
            "return document.getElementById('expected-id').getAttribute('aria-invalid');",
            vec![]
        )
        .await,
        json!("true")
    );
    page.shot("02-id-bad-control-digit-kk", WIDE.0).await;

    // A bad number is refused before anything is sent.
    page.choose_file("#sig-file", &sample("individual-attached.cms"))
        .await;
    page.click("#verify").await;
    assert_eq!(page.text("#form-error").await, tr("kk", "err_fix_id"));
    assert_eq!(
        page.js("return document.activeElement.id;", vec![]).await,
        json!("expected-id")
    );

    // The page's checker agrees with the verifier's on numbers of every kind, including those
    // that need the second set of weights.
    let mut ids = Vec::new();
    let mut seed: u64 = 0x5eed;
    let mut second_weights = 0;
    while ids.len() < 400 || second_weights < 8 {
        let base: String = (0..11)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b'0' + ((seed >> 33) % 10) as u8)
            })
            .collect();
        let first: u32 = base
            .bytes()
            .zip(1..)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        if first % 11 == 10 {
            second_weights += 1;
        } else if ids.len() >= 400 {
            continue;
        }
        for last in 0..10 {
            ids.push(format!("{base}{last}"));
        }
    }
    assert!(second_weights > 3, "too few numbers use the second weights");
    ids.extend([
        "88041530012".into(),
        "8804153001271".into(),
        "88041530012a".into(),
    ]);
    let states = page
        .js(
            "const input = document.getElementById('expected-id'); \
             return arguments[0].map((v) => { input.value = v; \
               input.dispatchEvent(new Event('input', {bubbles: true})); \
               return document.getElementById('id-state').dataset.state; });",
            vec![json!(ids)],
        )
        .await;
    for (id, state) in ids.iter().zip(states.as_array().expect("states")) {
        let expected = if id_control_ok(id) { "ok" } else { "bad" };
        let expected = if id.len() < 12 && id.bytes().all(|b| b.is_ascii_digit()) {
            "partial"
        } else {
            expected
        };
        assert_eq!(state, expected, "{id}");
    }
    page.clear().await;
    page.type_expected_id("880415300127").await;
    page.wait_until(
        "a correct control digit",
        "return document.getElementById('id-state').dataset.state === 'ok';",
        vec![],
    )
    .await;
    assert_eq!(page.text("#id-state").await, tr("kk", "id_ok"));
    page.clear().await;
}

async fn language_switch_changes_the_texts(page: &mut Page) {
    for lang in ["kk", "ru", "en"] {
        page.set_lang(lang).await;
        assert_eq!(page.text("h1").await, tr(lang, "title"), "{lang}");
        assert_eq!(page.text("#verify").await, tr(lang, "verify"), "{lang}");
        assert_eq!(
            page.text("#sig-prompt").await,
            tr(lang, "drop_prompt"),
            "{lang}"
        );
        assert_eq!(
            page.js("return document.title;", vec![]).await,
            json!(tr(lang, "page_title"))
        );
        let pressed = page
            .js(
                "return [...document.querySelectorAll('#langs button[aria-pressed=true]')].map((b) => b.dataset.lang);",
                vec![],
            )
            .await;
        assert_eq!(pressed, json!([lang]));
        if lang != "kk" {
            page.shot(&format!("03-form-{lang}"), WIDE.0).await;
        }
    }
    // The choice is kept over a reload.
    page.open().await;
    assert_eq!(page.text("h1").await, tr("en", "title"));
}

async fn valid_signature(page: &mut Page) {
    page.choose_file("#sig-file", &sample("individual-attached.cms"))
        .await;
    page.type_expected_id("880415300127").await;
    assert_eq!(page.verify().await, "valid");
    assert_eq!(page.text("#verdict-title").await, tr("en", "status_valid"));
    assert_eq!(
        page.text("#verdict-reason").await,
        tr("en", "verdict_valid")
    );
    let live = page
        .js(
            "return document.getElementById('verdict').getAttribute('aria-live');",
            vec![],
        )
        .await;
    assert_eq!(live, json!("polite"));
    let signer = page.text("#signer").await;
    for part in [
        "АХМЕТОВА АЙГЕРІМ",
        "880415300127",
        &tr("en", "role_individual"),
    ] {
        assert!(signer.contains(part), "{part} in {signer}");
    }
    let cert = page.text("#certificate").await;
    assert!(
        cert.contains("2025-01-01 00:00:00 UTC") && cert.contains("2028-01-01 00:00:00 UTC"),
        "{cert}"
    );
    assert!(cert.contains(&tr("en", "period_ok")), "{cert}");
    let revocation = page.text("#revocation-state").await;
    assert!(revocation.contains(&tr("en", "rev_pass")), "{revocation}");
    let crls = page
        .js(
            "return document.querySelectorAll('#crls tbody tr').length;",
            vec![],
        )
        .await;
    assert!(crls.as_u64().unwrap_or(0) >= 1, "the CRLs used are listed");
    let times = page.text("#times").await;
    assert!(times.contains(&tr("en", "f_signing_time")), "{times}");
    let rows = page
        .js(
            "return [...document.querySelectorAll('#checks-table tbody tr')].map((r) => r.cells[0].querySelector('code').textContent);",
            vec![],
        )
        .await;
    for check in [
        "message_digest",
        "signature",
        "chain",
        "validity",
        "revocation",
        "key_usage",
        "identity",
    ] {
        assert!(
            rows.as_array().unwrap().contains(&json!(check)),
            "{check} in {rows}"
        );
    }
    // The signed content is inside the signature: the page takes it out and shows it.
    assert_eq!(
        page.text("#content-source").await,
        tr("en", "content_from_cms")
    );
    let content = page.text("#content-text").await;
    assert!(
        content.contains("\"service\": \"Мәдени құндылықтарды"),
        "{content}"
    );
    let href = page
        .js(
            "return document.getElementById('content-download').href;",
            vec![],
        )
        .await;
    assert!(href.as_str().unwrap_or_default().starts_with("blob:"));
    page.assert_contrast("a valid verdict").await;
    page.assert_fits(360).await;
    page.shot("04-valid-en", WIDE.0).await;
    page.shot("05-valid-en-360px", 360).await;
    if std::env::var_os("QOLTANBA_UPDATE_DOCS_SCREENSHOT").is_some() {
        std::fs::copy(
            screenshot_dir().join("04-valid-en.png"),
            manifest_dir().join("docs/web-verify.png"),
        )
        .expect("docs/web-verify.png");
    }
    page.clear().await;
}

/// What the NCA issues today: a GOST 2015-512 signature of the GOST test PKI, which the demo
/// trusts next to the RSA/EC one.
async fn gost_signature(page: &mut Page) {
    let file = manifest_dir().join("fixtures/gost/samples/individual-attached.cms");
    page.choose_file("#sig-file", &file.to_string_lossy()).await;
    page.type_expected_id("880415300127").await;
    assert_eq!(page.verify().await, "valid");
    let signer = page.text("#signer").await;
    assert!(
        signer.contains("АХМЕТОВА АЙГЕРІМ") && signer.contains("880415300127"),
        "{signer}"
    );
    let algorithm = page
        .js(
            "return [...document.querySelectorAll('#checks-table tbody tr')].map((r) => r.textContent).join(' ');",
            vec![],
        )
        .await;
    assert!(
        algorithm
            .as_str()
            .unwrap_or_default()
            .contains("gost2015-512-streebog512"),
        "{algorithm}"
    );
    page.shot("04b-valid-gost-en", WIDE.0).await;
    page.clear().await;

    // The same signature with a flipped byte in its GOST signature value.
    let mut tampered = std::fs::read(&file).expect("the GOST sample");
    let message =
        qoltanba_core::SignedMessage::from_der(&tampered, Default::default()).expect("a CMS");
    let value = message.signers[0].signature.clone();
    let at = tampered
        .windows(value.len())
        .position(|w| w == value.as_slice())
        .expect("the signature value");
    tampered[at + 5] ^= 0x01;
    let path =
        std::env::temp_dir().join(format!("qoltanba_gost_tampered_{}.cms", std::process::id()));
    std::fs::write(&path, &tampered).expect("a temporary file");
    page.choose_file("#sig-file", &path.to_string_lossy()).await;
    assert_eq!(page.verify().await, "invalid");
    assert!(page
        .text("#verdict-code")
        .await
        .contains("signature_invalid"));
    let _ = std::fs::remove_file(&path);
    page.clear().await;
}

async fn invalid_case(page: &mut Page, file: &str, reason: &str, shot: &str) {
    page.choose_file("#sig-file", &sample(file)).await;
    assert_eq!(page.verify().await, "invalid", "{file}");
    assert_eq!(
        page.text("#verdict-title").await,
        tr("en", "status_invalid")
    );
    assert_eq!(
        page.text("#verdict-reason").await,
        tr("en", &format!("reason_{reason}"))
    );
    assert!(page.text("#verdict-code").await.contains(reason));
    page.assert_contrast(file).await;
    page.shot(shot, WIDE.0).await;
}

async fn revoked_signature(page: &mut Page) {
    invalid_case(page, "revoked.cms", "cert_revoked", "06-invalid-revoked-en").await;
    // On the Kazakh page the service's own message comes in Kazakh too (Accept-Language).
    page.set_lang("kk").await;
    assert_eq!(page.verify().await, "invalid");
    let message = page.text("#verdict-message").await;
    assert!(
        message.contains(&tr("kk", "reason_cert_revoked")),
        "{message}"
    );
    // Every check's detail in the page's language, Kazakh then Russian, with a screenshot of
    // each; the values inside (dates, serials, names) stay as they are.
    for (lang, validity, revoked) in [
        ("kk", "Сертификаттың қолданылу мерзімі", "кері қайтарылған"),
        ("ru", "Срок действия сертификата", "Отозван"),
    ] {
        if lang != "kk" {
            page.set_lang(lang).await;
            assert_eq!(page.verify().await, "invalid");
        }
        let details = page
            .js(
                "return [...document.querySelectorAll('#checks-table tbody tr td:nth-child(3)')] \
                     .map((n) => n.textContent);",
                vec![],
            )
            .await;
        let details: Vec<String> = details
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        assert!(details.len() >= 5, "{details:?}");
        for detail in &details {
            let english = [
                "revoked on",
                "not revoked",
                "valid before",
                "the signature",
                "signed by",
            ]
            .iter()
            .any(|w| detail.contains(w));
            assert!(
                !english,
                "{lang}: an English detail: {detail:?} in {details:?}"
            );
        }
        assert!(
            details.iter().any(|d| d.contains(validity)),
            "{lang}: {details:?}"
        );
        assert!(
            details.iter().any(|d| d.contains(revoked)),
            "{lang}: {details:?}"
        );
        page.shot(&format!("06-invalid-revoked-{lang}"), WIDE.0)
            .await;
    }
    page.set_lang("en").await;
    assert_eq!(page.verify().await, "invalid");
    let revocation = page.text("#revocation-state").await;
    assert!(
        revocation.contains(&tr("en", "rev_fail")) && revocation.contains("keyCompromise"),
        "{revocation}"
    );
    let failing = page
        .js(
            "return document.querySelectorAll('#checks-table tbody tr.fail').length;",
            vec![],
        )
        .await;
    assert_eq!(failing, json!(1));
    // No time-stamp: judged now.
    let stamp = page.text("#timestamp-state").await;
    assert_eq!(stamp, tr("en", "no_timestamp"));
    let basis = page.text("#time-basis").await;
    assert!(basis.contains(&tr("en", "basis_now")), "{basis}");
    // The Certificate panel speaks of the validity period only: revoked, yet within its period.
    let cert = page.text("#certificate").await;
    assert!(
        cert.contains(&tr("en", "f_period_state")) && cert.contains(&tr("en", "period_ok")),
        "{cert}"
    );

    // A time in another form than the one the hint gives is refused before anything is sent.
    page.js(
        "document.getElementById('at').value = '01/02/2026 12:00';",
        vec![],
    )
    .await;
    page.click("#verify").await;
    let error = page.text("#form-error").await;
    assert_eq!(error, tr("en", "err_bad_time"));

    // The same signature at a time before the revocation, typed as the hint says (UTC, whatever
    // the browser's locale), is valid.
    page.js(
        "document.getElementById('at').value = '2026-02-01 12:00:00';",
        vec![],
    )
    .await;
    assert_eq!(page.verify().await, "valid");
    let times = page.text("#times").await;
    assert!(times.contains("2026-02-01 12:00:00 UTC"), "{times}");
    page.clear().await;
}

/// A signature that carries OCSP answers (RFC 5940, id-ri-ocsp-response) about its signer and
/// the signer's CA, made by the CAs at 2026-06-01T11:00Z: verified at noon, the answers decide
/// revocation and the Revocation panel lists them.
async fn ocsp_evidence(page: &mut Page) {
    use test_pki::ocsp::{self as builder, Hash, ResponseSpec, Signer, Status};
    let fixture = |rel: &str| std::fs::read(manifest_dir().join("fixtures").join(rel)).unwrap();
    let produced = time::macros::datetime!(2026-06-01 11:00 UTC);
    let answer = |cert: &str, issuer: &str| {
        let signer = Signer::from_bytes(
            &fixture(&format!("pki/{issuer}.pem")),
            &fixture(&format!("pki/keys/{issuer}.key.pem")),
        )
        .unwrap();
        let spec = ResponseSpec::new(
            &fixture(&format!("pki/{cert}.der")),
            &signer.cert_der,
            Hash::Sha1,
            Status::Good,
            produced,
        )
        .unwrap();
        builder::sign_response(&spec, &signer).unwrap()
    };
    let with_answers = builder::embed_in_signed_data(
        &fixture("samples/individual-attached.cms"),
        &[
            answer("individual-sign", "nca-rsa"),
            answer("nca-rsa", "root"),
        ],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("individual-with-ocsp.cms");
    std::fs::write(&file, with_answers).unwrap();

    page.choose_file("#sig-file", &file.to_string_lossy()).await;
    page.js(
        "document.getElementById('at').value = '2026-06-01T12:00:00';",
        vec![],
    )
    .await;
    assert_eq!(page.verify().await, "valid");
    let rows = page
        .js(
            "return [...document.querySelectorAll('#ocsp tbody tr')].map((r) => r.cells[1].textContent);",
            vec![],
        )
        .await;
    assert_eq!(
        rows,
        json!([tr("en", "ocsp_good"), tr("en", "ocsp_good")]),
        "two OCSP answers listed"
    );
    let revocation = page.text("#revocation-state").await;
    assert!(revocation.contains("OCSP: good"), "{revocation}");
    page.assert_contrast("OCSP evidence").await;
    page.assert_fits(360).await;
    page.shot("06d-valid-ocsp-en", WIDE.0).await;
    if std::env::var_os("QOLTANBA_UPDATE_DOCS_SCREENSHOT").is_some() {
        std::fs::copy(
            screenshot_dir().join("06d-valid-ocsp-en.png"),
            manifest_dir().join("docs/web-ocsp.png"),
        )
        .expect("docs/web-ocsp.png");
    }
    page.set_lang("ru").await;
    let rows = page
        .js(
            "return [...document.querySelectorAll('#ocsp tbody tr')].map((r) => r.cells[1].textContent);",
            vec![],
        )
        .await;
    assert_eq!(rows, json!([tr("ru", "ocsp_good"), tr("ru", "ocsp_good")]));
    page.set_lang("en").await;
    page.clear().await;
}

/// `revoked.cms` with a time-stamp token of 2026-02-01, before the revocation: valid, judged at
/// the token's genTime, and the page shows the time-stamp; with a time given, that time decides
/// and the token is still shown.
async fn timestamped_signature(page: &mut Page) {
    let file = manifest_dir().join("fixtures/timestamped/revoked-stamped.cms");
    page.choose_file("#sig-file", &file.to_string_lossy()).await;
    assert_eq!(page.verify().await, "valid");
    let basis = page.text("#time-basis").await;
    assert!(
        basis.contains(&tr("en", "basis_timestamp")) && basis.contains("2026-02-01 10:00:00 UTC"),
        "{basis}"
    );
    let stamp = page.text("#timestamp-state").await;
    for part in [
        tr("en", "ts_verified"),
        "2026-02-01 10:00:00 UTC".to_owned(),
        "ТЕСТ УАҚЫТ БЕЛГІСІ ҚЫЗМЕТІ (TSA)".to_owned(),
        "1.3.6.1.4.1.55555.3161.1".to_owned(),
        "serial 0x01".to_owned(),
    ] {
        assert!(stamp.contains(&part), "{part} in {stamp}");
    }
    let rows = page
        .js(
            "return [...document.querySelectorAll('#checks-table tbody tr')].map((r) => r.cells[0].querySelector('code').textContent);",
            vec![],
        )
        .await;
    assert!(
        rows.as_array().unwrap().contains(&json!("timestamp")),
        "{rows}"
    );
    page.assert_contrast("a time-stamped verdict").await;
    page.assert_fits(360).await;
    page.shot("06b-valid-timestamped-en", WIDE.0).await;
    if std::env::var_os("QOLTANBA_UPDATE_DOCS_SCREENSHOT").is_some() {
        std::fs::copy(
            screenshot_dir().join("06b-valid-timestamped-en.png"),
            manifest_dir().join("docs/web-timestamped.png"),
        )
        .expect("docs/web-timestamped.png");
    }

    // In Kazakh too.
    page.set_lang("kk").await;
    let basis = page.text("#time-basis").await;
    assert!(basis.contains(&tr("kk", "basis_timestamp")), "{basis}");
    page.shot("06c-valid-timestamped-kk", WIDE.0).await;
    page.set_lang("en").await;

    // A time given by the reader decides; the token is still verified and shown.
    page.js(
        "document.getElementById('at').value = '2026-06-01T12:00:00';",
        vec![],
    )
    .await;
    assert_eq!(page.verify().await, "invalid");
    assert!(page.text("#verdict-code").await.contains("cert_revoked"));
    let basis = page.text("#time-basis").await;
    assert!(basis.contains(&tr("en", "basis_caller")), "{basis}");
    let stamp = page.text("#timestamp-state").await;
    assert!(stamp.contains(&tr("en", "ts_verified")), "{stamp}");
    page.clear().await;
}

/// Two signers, only the revoked one time-stamped (before its revocation): valid, and the
/// signers table gives each signer's basis and time-stamp.
async fn signers_on_their_own_basis(page: &mut Page) {
    let cms = std::fs::read(sample("two-signers-one-revoked.cms")).expect("the sample");
    let revoked = tsa_support::certificate("revoked-sign");
    let message = qoltanba_core::SignedMessage::from_der(&cms, Default::default()).expect("CMS");
    let index = message
        .signers
        .iter()
        .position(|s| s.id.matches(&revoked))
        .expect("the revoked signer");
    let token = tsa_support::TestTsa::load().token_for(
        &message.signers[index].signature,
        time::macros::datetime!(2026-02-01 10:00 UTC),
    );
    let stamped = qoltanba::timestamp::attach_token(&cms, index, &token).expect("attach");
    let path = std::env::temp_dir().join(format!(
        "qoltanba_two_signers_stamped_{}.cms",
        std::process::id()
    ));
    std::fs::write(&path, &stamped).expect("a temporary file");
    page.choose_file("#sig-file", &path.to_string_lossy()).await;
    assert_eq!(page.verify().await, "valid");
    let rows = page
        .js(
            "return [...document.querySelectorAll('#signers-table tbody tr')].map((r) => r.textContent);",
            vec![],
        )
        .await;
    let rows: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let stamped_row = rows
        .iter()
        .find(|r| r.contains("СЕРІКОВ"))
        .expect("revoked-sign");
    let plain_row = rows
        .iter()
        .find(|r| r.contains("АХМЕТОВА"))
        .expect("individual-sign");
    assert!(
        stamped_row.contains(&tr("en", "basis_timestamp"))
            && stamped_row.contains(&tr("en", "ts_verified")),
        "{stamped_row}"
    );
    assert!(
        plain_row.contains(&tr("en", "basis_now")) && plain_row.contains(&tr("en", "no_timestamp")),
        "{plain_row}"
    );
    page.shot("06d-two-signers-timestamped-en", WIDE.0).await;
    let _ = std::fs::remove_file(&path);
    page.clear().await;
}

async fn tampered_signature(page: &mut Page) {
    invalid_case(
        page,
        "individual-tampered.cms",
        "signature_invalid",
        "07-invalid-tampered-en",
    )
    .await;
    page.clear().await;
}

async fn indeterminate_signature(page: &mut Page) {
    page.choose_file("#sig-file", &sample("individual-sha1.cms"))
        .await;
    assert_eq!(page.verify().await, "indeterminate");
    assert_eq!(
        page.text("#verdict-reason").await,
        tr("en", "reason_unsupported_algorithm")
    );
    page.assert_contrast("an indeterminate verdict").await;
    page.shot("08-indeterminate-en", WIDE.0).await;
    page.clear().await;
}

async fn detached_signature_with_its_data(page: &mut Page) {
    // Without its data the service refuses the call, and the page says what is missing.
    page.choose_file("#sig-file", &sample("individual-detached.cms"))
        .await;
    assert_eq!(page.verify().await, "usage_error");
    assert_eq!(
        page.text("#verdict-reason").await,
        tr("en", "usage_missing_content")
    );
    page.assert_contrast("a usage error").await;
    page.shot("09-detached-without-data-en", WIDE.0).await;

    page.choose_file("#data-file", &sample("request.json"))
        .await;
    assert_eq!(page.verify().await, "valid");
    assert_eq!(
        page.text("#content-source").await,
        tr("en", "content_from_data")
    );
    let content = page.text("#content-text").await;
    assert!(content.contains("\"iin\": \"880415300127\""), "{content}");
    let name = page
        .js(
            "return document.getElementById('content-download').getAttribute('download');",
            vec![],
        )
        .await;
    assert_eq!(name, json!("request.json"));
    page.shot("10-detached-with-data-en", WIDE.0).await;
    page.clear().await;
}

async fn garbage_file(page: &mut Page) {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.p7s");
    std::fs::write(&empty, b"").expect("write");
    page.choose_file("#sig-file", &empty.to_string_lossy())
        .await;
    page.click("#verify").await;
    assert_eq!(
        page.text("#form-error").await,
        tr("en", "err_empty_file").replace("{name}", "empty.p7s")
    );

    let garbage = dir.path().join("garbage.sig");
    std::fs::write(
        &garbage,
        b"This is not a signature at all, just some words.\n\x00\x01\x02\xff",
    )
    .expect("write");
    page.choose_file("#sig-file", &garbage.to_string_lossy())
        .await;
    assert_eq!(page.verify().await, "invalid");
    assert_eq!(
        page.text("#form-error").await,
        "",
        "the local error is gone"
    );
    assert_eq!(
        page.text("#verdict-reason").await,
        tr("en", "reason_malformed_signature")
    );
    let content = page
        .js(
            "return document.getElementById('content') === null;",
            vec![],
        )
        .await;
    assert_eq!(content, json!(true), "no content for a malformed signature");
    page.shot("11-garbage-en", WIDE.0).await;
    // The verdict on screen follows a language switch.
    for lang in ["ru", "kk"] {
        page.set_lang(lang).await;
        assert_eq!(
            page.text("#verdict-title").await,
            tr(lang, "status_invalid")
        );
        assert_eq!(
            page.text("#verdict-reason").await,
            tr(lang, "reason_malformed_signature")
        );
        // The page asks the service again in the new language: the check's detail is no
        // longer the English one.
        page.wait_until(
            "the verdict asked again in the new language",
            "const d = document.querySelector('#checks-table tbody tr td:nth-child(3)'); \
             return !document.getElementById('verify').disabled && d !== null \
                 && /[\\u0400-\\u04FF]/.test(d.textContent) && !/signature input/.test(d.textContent);",
            vec![],
        )
        .await;
        page.shot(&format!("12-garbage-{lang}"), WIDE.0).await;
    }
    page.set_lang("en").await;
    page.clear().await;
}

async fn dropped_file(page: &mut Page) {
    let bytes = std::fs::read(sample("ec-attached.cms")).expect("fixture");
    page.js(
        "const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0)); \
         const dt = new DataTransfer(); \
         dt.items.add(new File([bytes], 'dropped.p7s')); \
         const zone = document.getElementById('sig-drop'); \
         zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true})); \
         zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));",
        vec![json!(base64_encode(&bytes))],
    )
    .await;
    page.wait_until(
        "the dropped file's name",
        "return document.getElementById('sig-name').textContent.startsWith('dropped.p7s');",
        vec![],
    )
    .await;
    assert_eq!(page.verify().await, "valid");
    page.clear().await;
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn pasted_base64(page: &mut Page) {
    let text = std::fs::read_to_string(sample("individual-attached.b64")).expect("fixture");
    page.click("#paste-box summary").await;
    page.js(
        "document.getElementById('sig-text').value = arguments[0];",
        vec![json!(text)],
    )
    .await;
    assert_eq!(page.verify().await, "valid");
    assert_eq!(
        page.text("#content-source").await,
        tr("en", "content_from_cms")
    );
    page.clear().await;
}

async fn keyboard_reaches_every_control(page: &mut Page) {
    page.open().await;
    let labelled = page
        .js(
            "return [...document.querySelectorAll('input, textarea, button')].filter((n) => { \
               const byId = n.id && document.querySelector(`label[for='${n.id}']`); \
               const wrapped = n.closest('label'); const named = n.getAttribute('aria-labelledby') || n.getAttribute('aria-label'); \
               return !(byId || wrapped || named || (n.tagName === 'BUTTON' && n.textContent.trim())); }).map((n) => n.id || n.outerHTML);",
            vec![],
        )
        .await;
    assert_eq!(labelled, json!([]), "controls without a label");
    page.js("document.activeElement.blur(); window.focus();", vec![])
        .await;
    let mut reached = Vec::new();
    for _ in 0..30 {
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '\u{E004}' })
            .then(KeyAction::Up { value: '\u{E004}' });
        page.client.perform_actions(tab).await.expect("Tab");
        let id = page
            .js(
                "const a = document.activeElement; return a.id || a.dataset.lang || a.tagName;",
                vec![],
            )
            .await;
        reached.push(id.as_str().unwrap_or_default().to_owned());
    }
    for id in [
        "kk",
        "ru",
        "en",
        "sig-file",
        "data-file",
        "expected-id",
        "at",
        "verify",
        "clear",
    ] {
        assert!(
            reached.iter().any(|r| r == id),
            "Tab never reaches {id}: {reached:?}"
        );
    }
}
