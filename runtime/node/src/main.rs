//! The `weft` command line.

fn main() -> std::process::ExitCode {
    weft_node::cli::main()
}
