import Foundation
import Testing
@testable import Whitelist

@Test func scratchWriteSigned() throws {
    let bytes = try Fixtures.signed()
    try Data(bytes).write(to: URL(fileURLWithPath: "/tmp/scratch-signed.xml"))
    try Fixtures.rsaPKI.write(to: URL(fileURLWithPath: "/tmp/scratch-pki"))
    let ec = try Fixtures.signed(pki: Fixtures.ecPKI)
    try Data(ec).write(to: URL(fileURLWithPath: "/tmp/scratch-signed-ec.xml"))
    try Fixtures.ecPKI.write(to: URL(fileURLWithPath: "/tmp/scratch-pki-ec"))
}
