import Foundation

/// What an uploaded file must be, judged by its content (never by its name or announced type
/// alone): the structure of a PDF, PNG or JPEG file, not just its first bytes.
public enum DocumentContent {
    public static let mediaTypes = ["application/pdf", "image/png", "image/jpeg"]

    /// Why `bytes` is not a well-formed file of `mediaType` (English, for logs), or nil when it is.
    public static func problem(_ bytes: some Collection<UInt8>, mediaType: String) -> String? {
        let data = Array(bytes)
        switch mediaType {
        case "application/pdf": return pdfProblem(data)
        case "image/png": return pngProblem(data)
        case "image/jpeg": return jpegProblem(data)
        default: return "media type \(mediaType) is not accepted"
        }
    }

    /// A PDF: `%PDF-1.0` … `%PDF-2.0` header; the end holds `startxref <offset>` then `%%EOF`; the
    /// offset points at a cross-reference table (`xref`) or stream (`N G obj`); the trailer or the
    /// cross-reference stream names a `/Root` catalogue.
    static func pdfProblem(_ data: [UInt8]) -> String? {
        let header = String(decoding: data.prefix(8), as: UTF8.self)
        guard header.range(of: #"^%PDF-(1\.[0-7]|2\.0)$"#, options: .regularExpression) != nil else { return "no %PDF-1.x or %PDF-2.0 header" }
        let tail = String(decoding: data.suffix(1024), as: UTF8.self)
        guard let eof = tail.range(of: "%%EOF", options: .backwards) else { return "no %%EOF marker at the end" }
        guard let startxref = tail[..<eof.lowerBound].range(of: "startxref", options: .backwards) else { return "no startxref before %%EOF" }
        let offsetText = tail[startxref.upperBound..<eof.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        guard let offset = Int(offsetText), offset > 8, offset < data.count else { return "startxref offset \(offsetText.prefix(20)) is outside the file" }
        let atOffset = String(decoding: data[offset..<min(data.count, offset + 64)], as: UTF8.self)
        guard atOffset.hasPrefix("xref") || atOffset.range(of: #"^[0-9]+ [0-9]+ obj"#, options: .regularExpression) != nil else {
            return "startxref does not point at a cross-reference table or stream"
        }
        guard String(decoding: data[offset...], as: UTF8.self).contains("/Root") else { return "no /Root catalogue in the trailer" }
        return nil
    }

    /// A PNG: its 8-byte signature, an IHDR chunk first, an IEND chunk last.
    static func pngProblem(_ data: [UInt8]) -> String? {
        guard data.count >= 8 + 25 + 12, data.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return "no PNG signature" }
        guard data[12..<16].elementsEqual(Array("IHDR".utf8)) else { return "the first PNG chunk is not IHDR" }
        guard data.suffix(12).prefix(8).elementsEqual([0, 0, 0, 0] + Array("IEND".utf8)) else { return "the PNG does not end with IEND" }
        return nil
    }

    /// A JPEG: SOI marker first, EOI marker last.
    static func jpegProblem(_ data: [UInt8]) -> String? {
        guard data.count >= 4, data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) else { return "no JPEG start-of-image marker" }
        guard data.suffix(2).elementsEqual([0xFF, 0xD9]) else { return "the JPEG does not end with its end-of-image marker" }
        return nil
    }
}

/// A small, valid one-page PDF (for the demo data and the tests): header, catalogue, page tree,
/// page, content stream with `text`, cross-reference table with exact offsets, trailer. `padding`
/// bytes of comment make it exactly as large as needed.
public enum MinimalPDF {
    public static func bytes(text: String, padding: Int = 0) -> [UInt8] {
        let escaped = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "?" }.joined()
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
        let stream = "BT /F1 12 Tf 72 720 Td (\(escaped)) Tj ET"
        var output = "%PDF-1.7\n%" + String(repeating: "x", count: max(0, padding)) + "\n"
        var offsets: [Int] = []
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        for (index, object) in objects.enumerated() {
            offsets.append(output.utf8.count)
            output += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = output.utf8.count
        output += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { output += String(format: "%010d 00000 n \n", offset) }
        output += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(output.utf8)
    }

    /// Exactly `size` bytes (at least the size of the PDF without padding).
    public static func bytes(text: String, size: Int) -> [UInt8] {
        // The startxref offset grows with the padding, and may take a digit more: adjust.
        var padding = max(0, size - bytes(text: text).count)
        var result = bytes(text: text, padding: padding)
        for _ in 0..<3 where result.count != size {
            padding = max(0, padding + size - result.count)
            result = bytes(text: text, padding: padding)
        }
        return result
    }
}
