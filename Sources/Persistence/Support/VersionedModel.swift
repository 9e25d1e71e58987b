import EDCDomain
import FluentKit
import Foundation

/// A row under optimistic locking: `version` goes up by one on every save.
public protocol VersionedModel: Model {
    var version: Int { get set }
    var updatedAt: Date { get set }
}

extension RequestModel: VersionedModel {}
extension DRIMboxModel: VersionedModel {}

extension WriteContext {
    /// Saves `model` if it is still at the version it was read at (and at `expected`, when the
    /// client named one); bumps the version. Fluent writes every changed field: nothing is listed
    /// by hand. Writers are serialised by `Store.write`, so reading the current version and then
    /// saving in this transaction cannot interleave with another writer.
    func saveVersioned<M: VersionedModel>(_ model: M, expected: Int?, what: String) async throws {
        let readVersion = model.version
        if let expected, expected != readVersion {
            throw WorkflowError.conflict("\(what) is at version \(readVersion), client expected \(expected)")
        }
        if model._$id.exists {
            guard let stored = try await M.find(model.requireID(), on: database), stored.version == readVersion else {
                throw WorkflowError.conflict("\(what) changed since version \(readVersion) was read")
            }
        }
        model.version = readVersion + 1
        model.updatedAt = now
        try await model.save(on: database)
    }
}
