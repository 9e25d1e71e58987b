import EDCTestSupport
import Foundation
import Testing

/// Runs an external program (xmlsec1, python3) and collects its exit status and output.
/// A missing tool makes the test fail, never skip: the test command installs these tools.
enum ExternalTool {
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> ProcessRunner.Result {
        let result = try ProcessRunner.runTool(executable, arguments, input: input)
        if result.status == 127 {
            Issue.record("\(executable) is not installed (apt-get install xmlsec1; pip install signxml)")
        }
        return result
    }
}
