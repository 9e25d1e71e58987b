import ArgumentParser
import EDCDomain
import Foundation
import Whitelist
#if canImport(Glibc)
import Glibc
#endif

/// `edc-agent csr --fqdn DB_FQDN --structure-id OU --key-out KEY --csr-out CSR`: generates, on the
/// DRIMbox, the private key and the PKCS#10 request to order the IGC-Santé certificate of a `db`
/// FQDN, with the subject the white list needs (`CN=<db FQDN>,OU=<structure id>[,O=…][,ST=…],C=FR`).
struct CsrCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr",
        abstract: "Generate a private key and a certificate signing request (CSR) for a DRIMbox's db FQDN.",
        discussion: """
            The subject follows the DN rule of the white list: CN is the db FQDN EDC assigned, OU the \
            national structure identifier (3 + SIRET, 2 + SIREN, 1 + FINESS, 0 + ADELI, 4 + RPPS), \
            optional O and ST ("Paris (75)"), C=FR. The request also asks for the FQDN as \
            SubjectAltName and for the serverAuth and clientAuth usages (the DRIMbox presents the same \
            certificate to its peers as server and as client). The key never leaves this machine: it is \
            written with mode 0600, and neither file may exist already. Paste the CSR (and later the \
            certificate) in EDC to check the DN before the integration request. Exit codes: 0 written, \
            2 invalid arguments or a file that exists or cannot be written.
            """
    )

    enum KeyType: String, ExpressibleByArgument, CaseIterable {
        case p256, rsa2048, rsa3072

        var kind: SigningKey.Kind {
            switch self {
            case .p256: .p256
            case .rsa2048: .rsa2048
            case .rsa3072: .rsa3072
            }
        }

        var label: String {
            switch self {
            case .p256: "ECDSA P-256"
            case .rsa2048: "RSA 2048"
            case .rsa3072: "RSA 3072"
            }
        }
    }

    @Option(name: .customLong("fqdn"), help: "The db FQDN assigned by EDC, e.g. db1.12.mesimagesmedicales.fr (the certificate's CN).")
    var fqdn: String

    @Option(name: .customLong("structure-id"), help: "The national structure identifier (the OU), e.g. 318751275100020 (3 + SIRET).")
    var structureID: String

    @Option(name: .customLong("organisation"), help: "The organisation (O), e.g. the operator's name. Optional.")
    var organisation: String?

    @Option(name: .customLong("department"), help: "The department (ST) as \"Name (NN)\", e.g. \"Paris (75)\". Optional.")
    var department: String?

    @Option(name: .customLong("key-out"), help: "Where to write the new private key (PKCS#8 PEM, mode 0600). Must not exist.")
    var keyOut: String

    @Option(name: .customLong("csr-out"), help: "Where to write the request (PEM). Must not exist.")
    var csrOut: String

    @Option(name: .customLong("key-type"), help: "p256, rsa2048 or rsa3072.")
    var keyType: KeyType = .rsa2048

    func validate() throws {
        _ = try subject()
        guard URL(fileURLWithPath: keyOut).standardizedFileURL != URL(fileURLWithPath: csrOut).standardizedFileURL else {
            throw ArgumentParser.ValidationError("--key-out and --csr-out must be different files.")
        }
    }

    /// The checked subject; an argument that breaks the DN rule is a usage error naming its option.
    func subject() throws -> (fqdn: FQDN, dn: EDCDomain.DistinguishedName) {
        func checked<T>(_ option: String, _ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch let error as EDCDomain.ValidationError {
                throw ArgumentParser.ValidationError("\(option): \(error.technicalDetail) [\(error.code)]")
            }
        }
        let name = try checked("--fqdn") { try FQDN(fqdn) }
        let structure = try checked("--structure-id") { try StructureID(structureID) }
        let options = ["CN": "--fqdn", "OU": "--structure-id", "O": "--organisation", "ST": "--department"]
        do {
            let dn = try DRIMboxCertificateRequest.subject(dbFQDN: name, structureID: structure, organisation: organisation, department: department)
            return (name, dn)
        } catch {
            let option = error.field.flatMap { options[$0] } ?? (error.code == "dn.st_format" ? "--department" : "subject")
            throw ArgumentParser.ValidationError("\(option): \(error.technicalDetail) [\(error.code)]")
        }
    }

    func run() throws {
        let (name, dn) = try subject()
        for path in [keyOut, csrOut] where Self.exists(path) {
            Self.fail("\(path) already exists; refusing to overwrite it (move it away or choose another path)")
        }
        let key: SigningKey
        let pem: String
        do {
            key = try SigningKey.generate(keyType.kind)
            pem = try DRIMboxCertificateRequest.pem(DRIMboxCertificateRequest.make(subject: dn, dbFQDN: name, key: key))
        } catch {
            Self.fail("cannot generate the key or the request: \(error)")
        }
        do {
            try Self.createExclusively(keyOut, Data(key.pemRepresentation.utf8), mode: 0o600)
        } catch {
            Self.fail("cannot write \(keyOut): \(error)")
        }
        do {
            try Self.createExclusively(csrOut, Data(pem.utf8), mode: 0o644)
        } catch {
            unlink(keyOut) // no key without its request
            Self.fail("cannot write \(csrOut): \(error)")
        }
        print("""
            Subject: \(dn.value)
            Private key: \(keyOut) (\(keyType.label), mode 0600). Keep it on this DRIMbox; never send it to anyone.
            Request: \(csrOut). Order the IGC-Santé server certificate (SSL_SERV) for \(name.value) with it; \
            paste it in EDC (certificate check) to see the DN to declare, and the certificate once issued.
            """)
    }

    /// True for anything at `path`, a dangling symbolic link included.
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    struct WriteFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates `path` with `mode`; fails if anything is there already (no symbolic link followed).
    static func createExclusively(_ path: String, _ data: Data, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw WriteFailure(description: errno == EEXIST ? "it already exists" : String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw WriteFailure(description: String(cString: strerror(errno))) }
        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(path)
            throw WriteFailure(description: failure)
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("ERROR: \(message)\n".utf8))
        Foundation.exit(AgentExit.usageOrIO.rawValue)
    }
}
