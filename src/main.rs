//! The `totalplace` binary: a thin layer over the library. See `totalplace --help`.

fn main() {
    std::process::exit(totalplace::cli::main());
}
