//! Completion for `kubectl mesh-lint <TAB>`: kubectl (1.26+) runs `kubectl_complete-mesh_lint`
//! from PATH with the plugin's words and prints what it answers (Cobra's `__complete`
//! protocol). A binary rather than a shell script so that `cargo install` puts it beside the
//! plugin and it works on Windows too.

fn main() -> std::process::ExitCode {
    mesh_lint::cli::complete::main()
}
