import Foundation

/// Named points where a test can have the process killed (`EDC_FAULT_KILL_AT=<point>`), to prove
/// that a crash anywhere leaves consistent data. Does nothing unless that variable is set.
public enum FaultInjection {
    static let killPoint = ProcessInfo.processInfo.environment["EDC_FAULT_KILL_AT"]

    public static func point(_ name: String) {
        guard killPoint == name else { return }
        FileHandle.standardError.write(Data("fault injection: SIGKILL at \(name)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
