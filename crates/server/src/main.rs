fn main() -> std::process::ExitCode {
    marketplace_server::cli::run()
}
