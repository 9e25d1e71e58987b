import Foundation
import Whitelist

/// `whitelist-fixture OUTPUT_DIRECTORY [ENTRIES] [ROUNDS]`
///
/// Writes a fresh test PKI and `list.xml`, a white list of ENTRIES entries (default 10,000)
/// signed with it, then prints the signing time (render + canonicalise + sign, PKI generation
/// excluded): the first run and the median of ROUNDS runs (default 5).
@main
struct WhitelistFixture {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: whitelist-fixture OUTPUT_DIRECTORY [ENTRIES] [ROUNDS]\n".utf8))
            exit(2)
        }
        let output = URL(fileURLWithPath: arguments[1])
        let count = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
        let rounds = max(1, arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5)

        let now = Date()
        let pki = try TestPKI.generate(keyKind: .rsa2048, notValidBefore: now.addingTimeInterval(-86_400))
        try pki.write(to: output)
        let document = WhitelistDocument(generatedAt: now, entries: (1...count).map(entry))
        let signer = WhitelistSigner(identity: pki.signingIdentity)

        var durations: [Double] = []
        var bytes: [UInt8] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            bytes = try signer.sign(document, signingTime: now)
            durations.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        try Data(bytes).write(to: output.appendingPathComponent("list.xml"))
        let sorted = durations.sorted()
        print(String(format: "sign_entries=%d sign_first_ms=%.1f sign_median_ms=%.1f sign_min_ms=%.1f size_bytes=%d",
                     count, durations[0], sorted[sorted.count / 2], sorted[0], bytes.count))
    }

    static func entry(_ number: Int) -> WhitelistEntry {
        WhitelistEntry(
            identifiant: String(number),
            db: "db\(number).bench.mesimagesmedicales.fr",
            vi: "vi\(number).bench.mesimagesmedicales.fr",
            denomination: "Opérateur de test \(number % 97)",
            certificateDN: "CN=db\(number).bench.mesimagesmedicales.fr,OU=318751275100020,O=OPERATEUR DE TEST \(number % 97),ST=Paris (75),C=FR",
            responsableContact: "responsable\(number % 97)@operateur.example, 01 23 45 67 89",
            supportContact: "support\(number % 97)@operateur.example",
            updatedAt: Date(timeIntervalSince1970: 1_780_000_000 + Double(number))
        )
    }
}
