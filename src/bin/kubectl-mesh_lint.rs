//! The kubectl plugin entry point: `kubectl mesh-lint ...` runs this binary.

fn main() -> std::process::ExitCode {
    mesh_lint::cli::main()
}
