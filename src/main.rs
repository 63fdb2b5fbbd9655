fn main() -> std::process::ExitCode {
    passgate::cli::main()
}
