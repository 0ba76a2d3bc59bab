//! The `qoltanba` command line: a thin caller of the library's `Verifier`.

mod cli;

/// The service allocates and frees many small buffers per request (JSON, base64, DER views, the
/// verdict); mimalloc's per-thread free lists make that cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
