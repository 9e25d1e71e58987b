import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `edc-agent`: the DRIMbox-side tool for the DRIM-M white list. No Vapor, no Fluent: it links
/// only the `Whitelist` library.
///
/// Exit codes: 0 valid (or current), 1 invalid, untrusted or refused list, 2 usage or I/O error,
/// 3 source unreachable (`sync`), 4 installed list stale (`sync`, `status`).
@main
struct EDCAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edc-agent",
        abstract: "Verify the signed DRIM-M white list (ListeBlancheDRIM-M) before a DRIMbox uses it.",
        discussion: "Exit codes: 0 valid or current, 1 invalid, untrusted or refused, 2 usage or I/O error, 3 source unreachable, 4 installed list stale.",
        subcommands: [VerifyCommand.self, SyncCommand.self, StatusCommand.self, CheckURLCommand.self, CheckPeerCommand.self, CsrCommand.self]
    )

    /// Argument parsing errors exit with 2 (not ArgumentParser's default 64), so that scripts can
    /// tell "bad list" (1) from "bad invocation" (2).
    static func main() async {
        tuneAllocator()
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

extension EDCAgent {
    /// The verification runs on a Swift concurrency worker thread, whose glibc malloc arena grows
    /// 128 KiB at a time with an `mprotect` call each: thousands of calls for a 10,000-entry
    /// list (about 20% of the verification time). One arena, grown in 32 MiB steps, avoids that;
    /// untouched address space does not count in the resident memory.
    static func tuneAllocator() {
        #if canImport(Glibc)
        // `mallopt` is declared in <malloc.h>, which the Glibc module does not export.
        typealias MallocOption = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallocOption.self)
        let arenaMax: Int32 = -8 // M_ARENA_MAX
        let topPad: Int32 = -2 // M_TOP_PAD
        _ = mallopt(arenaMax, 1)
        _ = mallopt(topPad, 32 << 20)
        #endif
    }
}

enum AgentExit {
    static let valid = ExitCode(0)
    static let invalid = ExitCode(1)
    static let usageOrIO = ExitCode(2)
    static let unreachable = ExitCode(3)
    static let stale = ExitCode(4)
}
