import Foundation

/// Reads an e-mail as an independent parser does: python's `email` package with
/// `policy.default` (RFC 2047 words decoded, MIME bodies decoded).
public enum MailParser {
    /// Subject, From, To, Cc, Message-ID, Date, Content-Type, the plain and HTML bodies ("text",
    /// "html") and the number of defects python found ("defects").
    public static func fields(of bytes: Data) throws -> [String: String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edc-mail-\(UUID().uuidString).eml")
        try bytes.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = #"""
            import email, email.policy, json, sys
            m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
            out = {k: str(m[k]) for k in ["Subject", "From", "To", "Cc", "Message-ID", "Date", "Content-Type"]}
            out["text"] = m.get_body(("plain",)).get_content()
            out["html"] = m.get_body(("html",)).get_content()
            out["defects"] = str(len(m.defects) + sum(len(p.defects) for p in m.walk()))
            print(json.dumps(out))
            """#
        let result = try ProcessRunner.runTool("python3", ["-c", script, file.path])
        guard result.status == 0 else { throw TestFailure("python email: \(result.output)") }
        return try JSONDecoder().decode([String: String].self, from: Data(result.standardOutput.utf8))
    }
}
