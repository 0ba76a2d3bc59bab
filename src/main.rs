//! The `qoltanba` command line: a thin caller of the library's `Verifier`.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
