import Foundation
import Testing
@testable import EDCDomain

@Suite("Identifiers as Codable strings")
struct IdentifiersCodableTests {
    private struct Envelope<Value: Codable & Equatable>: Codable, Equatable {
        var value: Value
    }

    private func roundTrip<Value: Codable & Equatable>(_ value: Value, json expected: String) throws {
        let data = try JSONEncoder().encode(Envelope(value: value))
        #expect(String(decoding: data, as: UTF8.self) == expected)
        #expect(try JSONDecoder().decode(Envelope<Value>.self, from: data).value == value)
    }

    @Test("encodes every identifier as its canonical string and decodes it back")
    func encodesAsSingleString() throws {
        try roundTrip(SIREN("732 829 320"), json: #"{"value":"732829320"}"#)
        try roundTrip(SIRET("73282932000074"), json: #"{"value":"73282932000074"}"#)
        try roundTrip(StructureID("318751275100020"), json: #"{"value":"318751275100020"}"#)
        try roundTrip(Hostname("PACS-01"), json: #"{"value":"pacs-01"}"#)
        try roundTrip(FQDN("db1.1.mesimagesmedicales.fr"), json: #"{"value":"db1.1.mesimagesmedicales.fr"}"#)
        try roundTrip(EmailAddress("support@editeur.fr"), json: #"{"value":"support@editeur.fr"}"#)
        try roundTrip(FrenchPhoneNumber("01 23 45 67 89"), json: #"{"value":"+33123456789"}"#)
        try roundTrip(DistinguishedName("CN=db1.fr,ST=Paris (75),C=FR"), json: #"{"value":"CN=db1.fr,ST=Paris (75),C=FR"}"#)
    }

    @Test("refuses to decode an invalid value, with the French message")
    func decodingValidates() throws {
        let data = Data(#"{"value":"732829321"}"#.utf8)
        do {
            _ = try JSONDecoder().decode(Envelope<SIREN>.self, from: data)
            Issue.record("decoding an invalid SIREN must fail")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.hasPrefix("Le SIREN"))
            #expect((context.underlyingError as? ValidationError)?.code == "siren.checksum")
        }
    }
}
