import CPangoCairo
import CQREncode
import EDCDomain
import Foundation

/// What an attestation of delegation states.
public struct AttestationFacts: Sendable, Equatable {
    public struct Pair: Sendable, Equatable {
        public var db: String
        public var vi: String?
        public init(db: String, vi: String?) { (self.db, self.vi) = (db, vi) }
    }

    public var operatorName: String
    public var operatorSIREN: String
    public var clientSIRENs: [String]
    public var requestNumber: Int
    public var drimboxIdentifier: Int
    public var pairs: [Pair]
    public var issuedAt: Date
    public var verificationCode: String
    /// The full URL of the public verification page, printed and encoded as a QR code.
    public var verificationURL: String

    public init(operatorName: String, operatorSIREN: String, clientSIRENs: [String], requestNumber: Int, drimboxIdentifier: Int,
                pairs: [Pair], issuedAt: Date, verificationCode: String, verificationURL: String) {
        (self.operatorName, self.operatorSIREN, self.clientSIRENs, self.requestNumber, self.drimboxIdentifier) = (operatorName, operatorSIREN, clientSIRENs, requestNumber, drimboxIdentifier)
        (self.pairs, self.issuedAt, self.verificationCode, self.verificationURL) = (pairs, issuedAt, verificationCode, verificationURL)
    }
}

/// Renders the attestation of delegation: two A4 pages in French, laid out by pango (DejaVu Sans,
/// embedded as subsets by cairo), the verification URL printed and as a QR code (libqrencode).
/// The PDF's dates are the issue date, so the same facts render to the same bytes with the same
/// cairo, pango and fonts — which is why an issued PDF is stored, never rendered again.
public enum AttestationPDF {
    public struct RenderError: Error, CustomStringConvertible {
        public let description: String
    }

    static let font = "DejaVu Sans"
    static let width = 595.28, height = 841.89, margin = 56.0

    public static func render(_ facts: AttestationFacts) throws -> [UInt8] {
        let sink = Sink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        guard let surface = cairo_pdf_surface_create_for_stream({ closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, unmanaged.toOpaque(), width, height) else { throw RenderError(description: "cairo cannot create a PDF surface") }
        let date = Self.pdfDate(facts.issuedAt)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "Attestation de délégation — demande n° \(facts.requestNumber)")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, "Espace de Confiance DRIM-M")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "EDC")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date)
        guard let cairo = cairo_create(surface) else { throw RenderError(description: "cairo cannot draw") }

        var page = Page(cairo: cairo)
        // Page 1: the facts.
        page.text("ESPACE DE CONFIANCE DRIM-M", size: 9, bold: true, color: 0.35)
        page.gap(8)
        page.text("Attestation de délégation", size: 22, bold: true)
        page.gap(4)
        page.text("Demande n° \(facts.requestNumber) — DRIMbox n° \(facts.drimboxIdentifier) du registre national", size: 12)
        page.gap(18)
        page.text("L'Agence du numérique en santé (ANS), gestionnaire de l'Espace de Confiance DRIM-M, atteste que l'opérateur désigné ci-dessous est délégataire, pour les structures clientes listées, de l'exploitation de la DRIMbox n° \(facts.drimboxIdentifier) et des noms de domaine (FQDN) qui lui sont attribués. Cette attestation permet à l'opérateur de commander les certificats IGC-Santé correspondant à ces FQDN.", size: 10.5)
        page.gap(16)
        page.heading("Opérateur")
        page.row("Raison sociale", facts.operatorName)
        page.row("SIREN", facts.operatorSIREN)
        page.gap(10)
        page.heading("Structures clientes (SIREN)")
        page.text(facts.clientSIRENs.joined(separator: "   "), size: 10.5)
        page.gap(10)
        page.heading("Couples de FQDN attribués")
        for (index, pair) in facts.pairs.enumerated() {
            page.row("PACS \(index + 1) — db", pair.db)
            page.row("PACS \(index + 1) — vi", pair.vi ?? "—")
        }
        page.gap(10)
        page.heading("Émission")
        page.row("Date d'émission", Self.frenchDate(facts.issuedAt))
        page.row("Code de vérification", facts.verificationCode)
        page.row("Vérification en ligne", facts.verificationURL)
        cairo_show_page(cairo)

        // Page 2: how to verify it, with the QR code.
        page = Page(cairo: cairo)
        page.text("Vérifier cette attestation", size: 18, bold: true)
        page.gap(10)
        page.text("L'authenticité de cette attestation se vérifie sur la page publique de l'Espace de Confiance, sans compte : flashez le code ci-dessous ou saisissez l'adresse. La page confirme l'attestation et en rappelle les éléments (opérateur, SIREN, demande, DRIMbox, FQDN, date). Une attestation dont le code est inconnu, ou dont le contenu diffère de la page, n'est pas authentique.", size: 10.5)
        page.gap(16)
        try page.qrCode(facts.verificationURL, size: 170)
        page.gap(12)
        page.text(facts.verificationURL, size: 10)
        page.text("Code de vérification : \(facts.verificationCode)", size: 10, bold: true)
        page.gap(20)
        page.text("Cette attestation est émise une fois, à l'acceptation de la demande de déclaration, puis à chaque changement des couples de FQDN de la DRIMbox ; la plus récente fait foi. Elle ne vaut pas intégration de la DRIMbox à la liste blanche DRIM-M, qui suit la demande d'intégration.", size: 9.5, color: 0.3)
        cairo_show_page(cairo)

        cairo_destroy(cairo)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError(description: "cairo: \(String(cString: cairo_status_to_string(status)))") }
        return sink.bytes
    }

    final class Sink: @unchecked Sendable {
        // Written only by cairo's callback during `render`, on the rendering thread.
        var bytes: [UInt8] = []
    }

    /// A page being laid out top to bottom.
    struct Page {
        let cairo: OpaquePointer
        var y = AttestationPDF.margin

        init(cairo: OpaquePointer) { self.cairo = cairo }

        mutating func gap(_ points: Double) { y += points }

        /// Plain text (never markup: nothing in the facts is interpreted), wrapped to the page width.
        mutating func text(_ text: String, size: Double, bold: Bool = false, color: Double = 0, x: Double = AttestationPDF.margin, width: Double? = nil) {
            let layout = pango_cairo_create_layout(cairo)
            let description = pango_font_description_from_string("\(AttestationPDF.font) \(bold ? "Bold " : "")\(size)")
            pango_layout_set_font_description(layout, description)
            pango_font_description_free(description)
            pango_layout_set_width(layout, Int32((width ?? (AttestationPDF.width - x - AttestationPDF.margin)) * Double(PANGO_SCALE)))
            pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
            pango_layout_set_text(layout, text, -1)
            cairo_set_source_rgb(cairo, color, color, color)
            cairo_move_to(cairo, x, y)
            pango_cairo_show_layout(cairo, layout)
            var logical = PangoRectangle()
            pango_layout_get_extents(layout, nil, &logical)
            y += Double(logical.height) / Double(PANGO_SCALE) + 2
            g_object_unref(UnsafeMutableRawPointer(layout))
        }

        mutating func heading(_ title: String) {
            text(title.uppercased(), size: 9.5, bold: true, color: 0.25)
            cairo_set_source_rgb(cairo, 0.6, 0.6, 0.6)
            cairo_set_line_width(cairo, 0.5)
            cairo_move_to(cairo, AttestationPDF.margin, y)
            cairo_line_to(cairo, AttestationPDF.width - AttestationPDF.margin, y)
            cairo_stroke(cairo)
            y += 4
        }

        /// A label and its value on one line (the value wraps in its column).
        mutating func row(_ label: String, _ value: String) {
            let top = y
            text(label, size: 10, color: 0.35, width: 150)
            let afterLabel = y
            y = top
            text(value, size: 10.5, x: AttestationPDF.margin + 160)
            y = max(y, afterLabel)
        }

        /// The QR code of `content` (error correction M), `size` points wide, at the left margin.
        mutating func qrCode(_ content: String, size: Double) throws {
            guard let code = QRcode_encodeString(content, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
                throw RenderError(description: "libqrencode cannot encode \(content.count) characters")
            }
            defer { QRcode_free(code) }
            let modules = Int(code.pointee.width)
            let quiet = 4
            let cell = size / Double(modules + 2 * quiet)
            cairo_set_source_rgb(cairo, 1, 1, 1)
            cairo_rectangle(cairo, AttestationPDF.margin, y, size, size)
            cairo_fill(cairo)
            cairo_set_source_rgb(cairo, 0, 0, 0)
            for row in 0..<modules {
                for column in 0..<modules where code.pointee.data[row * modules + column] & 1 == 1 {
                    cairo_rectangle(cairo, AttestationPDF.margin + Double(column + quiet) * cell, y + Double(row + quiet) * cell, cell, cell)
                }
            }
            cairo_fill(cairo)
            y += size
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, as cairo's metadata takes it.
    static func pdfDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// "3 décembre 2026", Paris time: as the PDF and the verification page print it.
    public static func frenchDate(_ date: Date) -> String { DateText.paris(date) }
}
