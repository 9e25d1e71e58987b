import Attestations
import Foundation

/// `edc-attestation-bench [RENDERS=200] [PAIRS=4]`: renders the attestation PDF RENDERS times
/// (each with other facts, as each issue has), prints p50/p99/max and the PDF size.
@main
struct AttestationBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        let renders = arguments.count > 1 ? Int(arguments[1]) ?? 200 : 200
        let pairs = arguments.count > 2 ? Int(arguments[2]) ?? 4 : 4
        var times: [Double] = []
        var size = 0
        for index in 0..<renders {
            let facts = AttestationFacts(
                operatorName: "Société d'Imagerie Médicale Côte-d'Or, Nord \(index)", operatorSIREN: "732829320",
                clientSIRENs: ["383474814", "552100554", "732829320"], requestNumber: 10_000 + index, drimboxIdentifier: 2_000 + index,
                pairs: (1...pairs).map { .init(db: "db\($0).\(2_000 + index).mesimagesmedicales.fr", vi: "vi\($0).\(2_000 + index).mesimagesmedicales.fr") },
                issuedAt: Date(timeIntervalSince1970: 1_796_300_000 + Double(index)), verificationCode: "K7QD-9XWM-3HTB-PA2F-\(String(format: "%04d", index % 10_000))",
                verificationURL: "https://edc.example.fr/attestations/K7QD-9XWM-3HTB-PA2F-\(String(format: "%04d", index % 10_000))")
            let start = DispatchTime.now().uptimeNanoseconds
            let bytes = try AttestationPDF.render(facts)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            size = bytes.count
        }
        let warm = Array(times.dropFirst()).sorted()
        func percentile(_ p: Double) -> Double { warm[min(warm.count - 1, Int(Double(warm.count) * p))] }
        print(String(format: "attestation render: first %.1f ms (fonts loaded), then p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d renders; %d FQDN pairs; PDF %d bytes",
                     times[0], percentile(0.5), percentile(0.99), warm.last ?? 0, renders - 1, pairs, size))
    }
}
