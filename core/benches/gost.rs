//! Raw GOST 2015-512 (GOST R 34.10-2012 on id-tc26-gost-3410-12-512-paramSetA with Streebog-512)
//! signature verification and signing of `qoltanba_core::gost`, next to OpenSSL's GOST engine
//! (Debian `libengine-gost-openssl`) doing the same in this process, in the same run, and full
//! Streebog-512 hashing of a 1 KiB message by both for reference.
//!
//! "Raw" means a parsed public or private key and a 64-byte digest in, a verdict or a signature
//! out: no certificate, CMS or key parsing. Criterion reports `thrpt` in elements (operations) per
//! second of one core; everything runs on the calling thread, so pin the run to one core:
//!
//! ```text
//! taskset -c 1 cargo bench -p qoltanba-core --bench gost
//! ```
//!
//! # What is timed
//!
//! By default the time is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not the
//! wall clock: on a machine whose cores are shared with builds and tests, wall-clock time also
//! counts the slices in which the thread waits for a core, which inflates both sides by whatever
//! else happens to run. On an idle, pinned core the two clocks agree. `GOST_BENCH_WALL_CLOCK=1`
//! switches to criterion's wall clock.
//!
//! # How the engine is reached
//!
//! The engine is a plugin of the system's libcrypto, so the bench loads `libcrypto.so.3` with
//! `dlopen` at run time and looks up the OpenSSL functions it calls with `dlsym` (through
//! `libc`, a dev-dependency already in the lock file). Nothing of OpenSSL is linked at build time:
//! the bench builds without OpenSSL's headers or `libssl-dev`, and no C compiler or build script
//! is involved. When libcrypto or the engine cannot be loaded, the OpenSSL half is skipped with a
//! message saying why and how to install it; the rest still runs.
//!
//! The engine side uses the calls its own `openssl pkeyutl` path makes: the engine is loaded by
//! `ENGINE_by_id("gost")` and made the default for its algorithms (what `default_algorithms = ALL`
//! in openssl.cnf does); a paramSetA key comes from `EVP_PKEY_keygen` with `paramset:A`; signing
//! and verifying are `EVP_PKEY_sign` / `EVP_PKEY_verify` on the prehashed 64-byte digest, with the
//! context initialised once outside the timed loop, as the module's key is parsed once here. The
//! engine reads the digest little-endian like the NCA and writes s‖r big-endian (RFC 4491): before
//! timing, its signature is checked to verify here once reversed into the NCA layout, so both sides
//! demonstrably compute the same thing.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput};
use qoltanba_core::gost::{self, Curve, Digest, PublicKey, SigningKey};

fn main() {
    if std::env::var_os("GOST_BENCH_WALL_CLOCK").is_some() {
        let mut criterion = Criterion::default().configure_from_args();
        bench(&mut criterion);
        criterion.final_summary();
    } else {
        let mut criterion = Criterion::default()
            .with_measurement(ThreadCpuTime)
            .configure_from_args();
        bench(&mut criterion);
        criterion.final_summary();
    }
}

/// The CPU time of the calling thread: what one core spends on the work, whoever else shares it.
struct ThreadCpuTime;

impl ThreadCpuTime {
    fn now() -> Duration {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid clock id and a timespec to fill.
        let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
        assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
    }
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        ThreadCpuTime::now()
    }

    fn end(&self, start: Duration) -> Duration {
        ThreadCpuTime::now().saturating_sub(start)
    }

    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, like the wall clock's: its formatter prints them.
        static WALL_TIME: WallTime = WallTime;
        WALL_TIME.formatter()
    }
}

/// The private key d of the module's side, little-endian (below q: its top byte is 0x3c).
fn private_key() -> [u8; 64] {
    let mut d = [0u8; 64];
    for (i, byte) in d.iter_mut().enumerate() {
        *byte = (i as u8).wrapping_mul(167).wrapping_add(0x5a);
    }
    d[63] = 0x3c;
    d
}

/// A 1 KiB message and its Streebog-512 digest, the input of every signature benchmark.
fn message() -> Vec<u8> {
    (0..1024u32).map(|i| (i * 31 + 7) as u8).collect()
}

fn bench<M: Measurement>(c: &mut Criterion<M>) {
    let message = message();
    let digest = Digest::Streebog512.digest(&message);
    let key = SigningKey::from_le_bytes(Curve::Tc26Gost512A, &private_key()).expect("key");
    let public = key.public_key();
    let signature = key.sign_nca(&digest).expect("signs");
    public.verify_nca(&digest, &signature).expect("verifies");
    let mut bad = signature.clone();
    bad[0] ^= 1;
    assert!(public.verify_nca(&digest, &bad).is_err());

    let engine = match engine::Engine::load() {
        Ok(engine) => Some(engine),
        Err(why) => {
            eprintln!(
                "\nSKIPPING the OpenSSL GOST engine benchmarks: {why}.\nInstall the engine \
                 (Debian/Ubuntu: `apt-get install -y libengine-gost-openssl`) to measure it \
                 beside this module.\n"
            );
            None
        }
    };
    let engine_key = engine.as_ref().map(|engine| {
        let key = engine.paramset_a_key().expect("engine key generation");
        let signature = key.sign(&digest).expect("engine signing");
        assert!(
            key.verify(&digest, &signature),
            "the engine verifies its own signature"
        );
        let mut bad = signature.clone();
        bad[100] ^= 1;
        assert!(
            !key.verify(&digest, &bad),
            "the engine rejects a damaged signature"
        );
        // The same operation on both sides: the engine's key and signature verify here too.
        let ours = PublicKey::from_spki_der(&key.spki_der().expect("engine SPKI")).expect("SPKI");
        assert_eq!(ours.curve(), Curve::Tc26Gost512A);
        ours.verify_nca(&digest, &gost::signature_rfc4491_to_nca(&signature))
            .expect("the engine's signature verifies with qoltanba");
        (key, signature)
    });

    let mut verify = c.benchmark_group("gost2015_512_verify");
    verify.throughput(Throughput::Elements(1));
    verify.bench_function("qoltanba", |b| {
        b.iter(|| public.verify_nca(black_box(&digest), black_box(&signature)))
    });
    if let Some((key, signature)) = &engine_key {
        verify.bench_function("openssl_gost_engine", |b| {
            b.iter(|| assert!(key.verify(black_box(&digest), black_box(signature))))
        });
    }
    verify.finish();

    let mut sign = c.benchmark_group("gost2015_512_sign");
    sign.throughput(Throughput::Elements(1));
    sign.bench_function("qoltanba", |b| {
        b.iter(|| key.sign_nca(black_box(&digest)).expect("signs"))
    });
    if let Some((key, _)) = &engine_key {
        sign.bench_function("openssl_gost_engine", |b| {
            b.iter(|| key.sign(black_box(&digest)).expect("signs"))
        });
    }
    sign.finish();

    let mut hash = c.benchmark_group("streebog512_1KiB");
    hash.throughput(Throughput::Bytes(message.len() as u64));
    hash.bench_function("qoltanba", |b| {
        b.iter(|| Digest::Streebog512.digest(black_box(&message)))
    });
    if let Some(engine) = &engine {
        assert_eq!(
            engine.streebog512(&message).expect("engine hash"),
            digest,
            "the engine's Streebog-512 agrees"
        );
        hash.bench_function("openssl_gost_engine", |b| {
            b.iter(|| engine.streebog512(black_box(&message)).expect("hash"))
        });
    }
    hash.finish();
}

/// OpenSSL's GOST engine, reached through the system's libcrypto loaded at run time.
mod engine {
    use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

    type Ptr = *mut c_void;

    /// Declares the OpenSSL functions used, as fields of `Api` filled by `dlsym`.
    macro_rules! api {
        ($($name:ident: fn($($arg:ty),*) -> $ret:ty;)*) => {
            #[allow(non_snake_case)]
            struct Api {
                $($name: unsafe extern "C" fn($($arg),*) -> $ret,)*
            }

            impl Api {
                /// Looks every function up in `library` (a `dlopen` handle).
                fn resolve(library: Ptr) -> Result<Api, String> {
                    Ok(Api {
                        $($name: {
                            let name = concat!(stringify!($name), "\0");
                            // SAFETY: a NUL-terminated name and a live handle.
                            let symbol = unsafe { libc::dlsym(library, name.as_ptr().cast()) };
                            if symbol.is_null() {
                                return Err(format!("libcrypto has no {}", stringify!($name)));
                            }
                            // SAFETY: the symbol is this OpenSSL 3 function, whose C signature
                            // the declaration above transcribes.
                            unsafe {
                                std::mem::transmute::<
                                    Ptr,
                                    unsafe extern "C" fn($($arg),*) -> $ret,
                                >(symbol)
                            }
                        },)*
                    })
                }
            }
        };
    }

    api! {
        ENGINE_by_id: fn(*const c_char) -> Ptr;
        ENGINE_init: fn(Ptr) -> c_int;
        ENGINE_set_default: fn(Ptr, c_uint) -> c_int;
        ENGINE_get_digest: fn(Ptr, c_int) -> Ptr;
        EVP_Digest: fn(*const c_void, usize, *mut u8, *mut c_uint, Ptr, Ptr) -> c_int;
        EVP_PKEY_CTX_new_id: fn(c_int, Ptr) -> Ptr;
        EVP_PKEY_CTX_new: fn(Ptr, Ptr) -> Ptr;
        EVP_PKEY_CTX_free: fn(Ptr) -> ();
        EVP_PKEY_CTX_ctrl_str: fn(Ptr, *const c_char, *const c_char) -> c_int;
        EVP_PKEY_keygen_init: fn(Ptr) -> c_int;
        EVP_PKEY_keygen: fn(Ptr, *mut Ptr) -> c_int;
        EVP_PKEY_free: fn(Ptr) -> ();
        EVP_PKEY_sign_init: fn(Ptr) -> c_int;
        EVP_PKEY_sign: fn(Ptr, *mut u8, *mut usize, *const u8, usize) -> c_int;
        EVP_PKEY_verify_init: fn(Ptr) -> c_int;
        EVP_PKEY_verify: fn(Ptr, *const u8, usize, *const u8, usize) -> c_int;
        i2d_PUBKEY: fn(Ptr, *mut *mut u8) -> c_int;
        ERR_get_error: fn() -> std::ffi::c_ulong;
        ERR_error_string_n: fn(std::ffi::c_ulong, *mut c_char, usize) -> ();
    }

    /// NID_id_GostR3410_2012_512 and NID_id_GostR3411_2012_512 (obj_mac.h).
    const NID_GOST2012_512_KEY: c_int = 980;
    const NID_STREEBOG512: c_int = 983;
    const ENGINE_METHOD_ALL: c_uint = 0xFFFF;

    /// The loaded engine. The handles live as long as the process: the bench never unloads them.
    pub struct Engine {
        api: Api,
        engine: Ptr,
        streebog512: Ptr,
    }

    impl Engine {
        /// Loads libcrypto and the `gost` engine, or says why it could not.
        pub fn load() -> Result<Engine, String> {
            let library = ["libcrypto.so.3", "libcrypto.so"]
                .iter()
                .map(|name| {
                    let name = std::ffi::CString::new(*name).expect("no NUL");
                    // SAFETY: a NUL-terminated file name.
                    unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) }
                })
                .find(|handle| !handle.is_null())
                .ok_or("libcrypto.so.3 (OpenSSL 3) could not be loaded")?;
            let api = Api::resolve(library)?;
            // SAFETY: OpenSSL calls with valid arguments; the engine reference is kept.
            unsafe {
                let engine = (api.ENGINE_by_id)(c"gost".as_ptr());
                if engine.is_null() {
                    return Err(format!(
                        "OpenSSL could not load its `gost` engine ({})",
                        errors(&api)
                    ));
                }
                if (api.ENGINE_init)(engine) != 1
                    || (api.ENGINE_set_default)(engine, ENGINE_METHOD_ALL) != 1
                {
                    return Err(format!("the gost engine did not start ({})", errors(&api)));
                }
                let streebog512 = (api.ENGINE_get_digest)(engine, NID_STREEBOG512);
                if streebog512.is_null() {
                    return Err("the gost engine has no Streebog-512".into());
                }
                Ok(Engine {
                    api,
                    engine,
                    streebog512,
                })
            }
        }

        /// A fresh GOST R 34.10-2012 512-bit key on paramSetA, made by the engine.
        pub fn paramset_a_key(&self) -> Result<EngineKey<'_>, String> {
            let api = &self.api;
            // SAFETY: OpenSSL calls with valid arguments; every object made is owned by the
            // returned key or freed here.
            unsafe {
                let ctx = (api.EVP_PKEY_CTX_new_id)(NID_GOST2012_512_KEY, self.engine);
                if ctx.is_null() {
                    return Err(format!("EVP_PKEY_CTX_new_id: {}", errors(api)));
                }
                let mut pkey: Ptr = std::ptr::null_mut();
                let made = (api.EVP_PKEY_keygen_init)(ctx) == 1
                    && (api.EVP_PKEY_CTX_ctrl_str)(ctx, c"paramset".as_ptr(), c"A".as_ptr()) > 0
                    && (api.EVP_PKEY_keygen)(ctx, &mut pkey) == 1;
                (api.EVP_PKEY_CTX_free)(ctx);
                if !made {
                    return Err(format!("EVP_PKEY_keygen: {}", errors(api)));
                }
                let sign_ctx = (api.EVP_PKEY_CTX_new)(pkey, self.engine);
                let verify_ctx = (api.EVP_PKEY_CTX_new)(pkey, self.engine);
                let key = EngineKey {
                    engine: self,
                    pkey,
                    sign_ctx,
                    verify_ctx,
                };
                if sign_ctx.is_null()
                    || verify_ctx.is_null()
                    || (api.EVP_PKEY_sign_init)(sign_ctx) != 1
                    || (api.EVP_PKEY_verify_init)(verify_ctx) != 1
                {
                    return Err(format!("EVP_PKEY_sign/verify_init: {}", errors(api)));
                }
                Ok(key)
            }
        }

        /// Streebog-512 of `data` by the engine.
        pub fn streebog512(&self, data: &[u8]) -> Result<Vec<u8>, String> {
            let mut out = vec![0u8; 64];
            let mut len: c_uint = 0;
            // SAFETY: `out` holds the 64 bytes of a Streebog-512 digest.
            let ok = unsafe {
                (self.api.EVP_Digest)(
                    data.as_ptr().cast(),
                    data.len(),
                    out.as_mut_ptr(),
                    &mut len,
                    self.streebog512,
                    self.engine,
                )
            };
            if ok != 1 || len != 64 {
                return Err(format!("EVP_Digest: {}", errors(&self.api)));
            }
            Ok(out)
        }
    }

    /// An engine key with its signing and verifying contexts, initialised once.
    pub struct EngineKey<'a> {
        engine: &'a Engine,
        pkey: Ptr,
        sign_ctx: Ptr,
        verify_ctx: Ptr,
    }

    impl EngineKey<'_> {
        /// The RFC 4491 signature s‖r (halves big-endian) of the 64-byte `digest`.
        pub fn sign(&self, digest: &[u8]) -> Result<Vec<u8>, String> {
            let api = &self.engine.api;
            let mut signature = vec![0u8; 128];
            let mut len = signature.len();
            // SAFETY: `signature` has `len` writable bytes; the context is initialised.
            let ok = unsafe {
                (api.EVP_PKEY_sign)(
                    self.sign_ctx,
                    signature.as_mut_ptr(),
                    &mut len,
                    digest.as_ptr(),
                    digest.len(),
                )
            };
            if ok != 1 || len != 128 {
                return Err(format!("EVP_PKEY_sign: {}", errors(api)));
            }
            Ok(signature)
        }

        /// Whether the RFC 4491 `signature` of the 64-byte `digest` verifies.
        pub fn verify(&self, digest: &[u8], signature: &[u8]) -> bool {
            let api = &self.engine.api;
            // SAFETY: slices with their lengths; the context is initialised.
            let ok = unsafe {
                (api.EVP_PKEY_verify)(
                    self.verify_ctx,
                    signature.as_ptr(),
                    signature.len(),
                    digest.as_ptr(),
                    digest.len(),
                )
            };
            if ok != 1 {
                // A rejection leaves an error on the thread's queue: drop it.
                errors(api);
            }
            ok == 1
        }

        /// The public key as a DER SubjectPublicKeyInfo.
        pub fn spki_der(&self) -> Result<Vec<u8>, String> {
            let api = &self.engine.api;
            // SAFETY: the first call sizes the encoding, the second writes into a buffer of
            // that size and advances the pointer past it.
            unsafe {
                let len = (api.i2d_PUBKEY)(self.pkey, std::ptr::null_mut());
                if len <= 0 {
                    return Err(format!("i2d_PUBKEY: {}", errors(api)));
                }
                let mut der = vec![0u8; len as usize];
                let mut cursor = der.as_mut_ptr();
                if (api.i2d_PUBKEY)(self.pkey, &mut cursor) != len {
                    return Err(format!("i2d_PUBKEY: {}", errors(api)));
                }
                Ok(der)
            }
        }
    }

    impl Drop for EngineKey<'_> {
        fn drop(&mut self) {
            let api = &self.engine.api;
            // SAFETY: objects this key owns, freed once (the free functions accept NULL).
            unsafe {
                (api.EVP_PKEY_CTX_free)(self.sign_ctx);
                (api.EVP_PKEY_CTX_free)(self.verify_ctx);
                (api.EVP_PKEY_free)(self.pkey);
            }
        }
    }

    /// OpenSSL's queued errors of this thread, as text (emptying the queue).
    fn errors(api: &Api) -> String {
        let mut all = Vec::new();
        loop {
            // SAFETY: ERR_get_error takes no argument; the buffer is 256 bytes as declared.
            let code = unsafe { (api.ERR_get_error)() };
            if code == 0 {
                break;
            }
            let mut buffer = [0 as c_char; 256];
            unsafe { (api.ERR_error_string_n)(code, buffer.as_mut_ptr(), buffer.len()) };
            // SAFETY: ERR_error_string_n NUL-terminates within the buffer.
            let text = unsafe { CStr::from_ptr(buffer.as_ptr()) };
            all.push(text.to_string_lossy().into_owned());
        }
        if all.is_empty() {
            "no OpenSSL error queued".into()
        } else {
            all.join("; ")
        }
    }
}
