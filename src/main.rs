fn main() -> std::process::ExitCode {
    mesh_lint::cli::main()
}
