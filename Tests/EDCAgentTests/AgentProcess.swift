import EDCTestSupport
import Foundation

/// Runs the real `edc-agent` binary, found next to the tests (or at `EDC_AGENT_PATH`).
enum AgentProcess {
    static func run(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(try BuiltProduct.url("edc-agent"), arguments)
    }
}
