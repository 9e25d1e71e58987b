import Attestations
import EDCTestSupport
import Foundation
import Testing

/// The attestation PDF as poppler and zbar read it. The rendered pages are kept as PNG files under
/// `.build/test-artifacts/attestation/` so that a person can look at them.
@Suite("Attestation of delegation, as a PDF")
struct AttestationPDFTests {
    static let facts = AttestationFacts(
        operatorName: "Société d'Imagerie Médicale Côte-d'Or, Nord", operatorSIREN: "732829320",
        clientSIRENs: ["383474814", "552100554"], requestNumber: 1234, drimboxIdentifier: 57,
        pairs: [
            .init(db: "db1.57.mesimagesmedicales.fr", vi: "vi1.57.mesimagesmedicales.fr"),
            .init(db: "db2.57.mesimagesmedicales.fr", vi: "vi2.57.mesimagesmedicales.fr"),
        ],
        issuedAt: Date(timeIntervalSince1970: 1_796_300_000), verificationCode: "K7QD-9XWM-3HTB-PA2F-6ZNC",
        verificationURL: "https://edc.example.fr/attestations/K7QD-9XWM-3HTB-PA2F-6ZNC")

    static var artifacts: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-artifacts/attestation")
    }

    /// One file per test: the tests run in parallel.
    static func written(_ bytes: [UInt8], as name: String) throws -> URL {
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let file = artifacts.appendingPathComponent("\(name).pdf")
        try Data(bytes).write(to: file, options: .atomic)
        return file
    }

    @Test("pdftotext extracts the operator, the SIRENs, the request, the DRIMbox, every FQDN, the date and the verification URL, accents included")
    func text() throws {
        let file = try Self.written(try AttestationPDF.render(Self.facts), as: "text")
        let result = try ProcessRunner.runTool("pdftotext", ["-layout", file.path, "-"])
        #expect(result.status == 0, "\(result.output)")
        let text = result.standardOutput
        for expected in [
            "Attestation de délégation", "Société d'Imagerie Médicale Côte-d'Or, Nord", "732829320", "383474814", "552100554",
            "Demande n° 1234", "DRIMbox n° 57", "db1.57.mesimagesmedicales.fr", "vi2.57.mesimagesmedicales.fr",
            "Date d'émission", "Vérifier cette attestation", "K7QD-9XWM-3HTB-PA2F-6ZNC", "https://edc.example.fr/attestations/K7QD-9XWM-3HTB-PA2F-6ZNC",
        ] {
            #expect(text.replacingOccurrences(of: "’", with: "'").contains(expected), "missing \(expected)")
        }
        let info = try ProcessRunner.runTool("pdfinfo", [file.path])
        #expect(info.standardOutput.contains("Pages:           2"), "\(info.output)")
    }

    @Test("its fonts are DejaVu Sans subsets, embedded")
    func fonts() throws {
        let file = try Self.written(try AttestationPDF.render(Self.facts), as: "fonts")
        let result = try ProcessRunner.runTool("pdffonts", [file.path])
        let rows = result.standardOutput.split(separator: "\n").dropFirst(2)
        #expect(!rows.isEmpty)
        for row in rows {
            #expect(row.contains("DejaVuSans"), "\(row)")
            #expect(row.contains(" yes yes "), "embedded subset: \(row)")
        }
    }

    @Test("two renders are byte-identical; other facts give other bytes")
    func deterministic() throws {
        let first = try AttestationPDF.render(Self.facts)
        #expect(try AttestationPDF.render(Self.facts) == first)
        var other = Self.facts
        other.requestNumber = 1235
        #expect(try AttestationPDF.render(other) != first)
    }

    @Test("both pages render (kept as PNG artefacts) and the QR code decodes to the verification URL")
    func qrCode() throws {
        let file = try Self.written(try AttestationPDF.render(Self.facts), as: "attestation")
        let prefix = Self.artifacts.appendingPathComponent("page").path
        let render = try ProcessRunner.runTool("pdftoppm", ["-png", "-r", "110", file.path, prefix])
        #expect(render.status == 0, "\(render.output)")
        let pages = try FileManager.default.contentsOfDirectory(atPath: Self.artifacts.path).filter { $0.hasPrefix("page") && $0.hasSuffix(".png") }.sorted()
        #expect(pages == ["page-1.png", "page-2.png"])
        let decoded = try ProcessRunner.runTool("zbarimg", ["--quiet", "--raw", Self.artifacts.appendingPathComponent("page-2.png").path])
        #expect(decoded.status == 0, "\(decoded.output)")
        #expect(decoded.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == Self.facts.verificationURL)
    }
}
