import ArgumentParser
import Foundation

/// `edc-agent`: the DRIMbox-side tool for the DRIM-M white list. No Vapor, no Fluent: it links
/// only the `Whitelist` library.
///
/// Exit codes: 0 valid, 1 invalid or untrusted list, 2 usage or I/O error.
@main
struct EDCAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edc-agent",
        abstract: "Verify the signed DRIM-M white list (ListeBlancheDRIM-M) before a DRIMbox uses it.",
        discussion: "Exit codes: 0 valid, 1 invalid or untrusted, 2 usage or I/O error.",
        subcommands: [VerifyCommand.self]
    )

    /// Argument parsing errors exit with 2 (not ArgumentParser's default 64), so that scripts can
    /// tell "bad list" (1) from "bad invocation" (2).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                self.exit(withError: error) // --help, --version
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(AgentExit.usageOrIO.rawValue)
        }
    }
}

enum AgentExit {
    static let valid = ExitCode(0)
    static let invalid = ExitCode(1)
    static let usageOrIO = ExitCode(2)
}
