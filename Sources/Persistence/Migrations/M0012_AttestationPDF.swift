import FluentKit
import SQLKit

/// The attestation's public verification code and its issued PDF (sealed).
struct M0012_AttestationPDF: AsyncMigration {
    func prepare(on database: any Database) async throws {
        for (name, type) in [("verification_code", DatabaseSchema.DataType.string), ("pdf_sealed", .data), ("pdf_wrapped_key", .data), ("pdf_key_id", .string), ("pdf_sha256", .string)] {
            try await database.schema(AttestationModel.schema).field(.string(name), type).update()
        }
        // Attestations issued before codes existed get one, so that their PDF can be issued too.
        for attestation in try await AttestationModel.query(on: database).filter(\.$verificationCode == nil).all() {
            attestation.verificationCode = AttestationCode.generate()
            try await attestation.save(on: database)
        }
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "attestation_code_idx").on(AttestationModel.schema).column("verification_code").unique().run()
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase { try await sql.drop(index: "attestation_code_idx").run() }
        for name in ["pdf_sha256", "pdf_key_id", "pdf_wrapped_key", "pdf_sealed", "verification_code"] {
            try await database.schema(AttestationModel.schema).deleteField(.string(name)).update()
        }
    }
}
