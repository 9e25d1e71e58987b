import EDCDomain
import Foundation
import Persistence
import Vapor

/// The registry of DRIMboxes: operators see theirs, ANS sees all and excludes.
enum RegistryController {
    struct ExclusionBody: Codable {
        var reason: ExclusionReason
        var detail: String?
        /// The DRIMbox version the reviewer saw: 409 if it changed since.
        var version: Int?
    }

    /// `GET /api/v1/drimboxes`
    static func list(_ req: Request) async throws -> PageResource<DRIMboxResource> {
        let query = try req.decodedQuery(ListQuery.self)
        if query.kind != nil {
            throw ValidationErrors([ValidationError(code: "query.kind", field: "kind", userMessage: "Les DRIMbox ne se filtrent pas par type de demande.", technicalDetail: "kind filter not supported on drimboxes")])
        }
        let page = try await RegistryQueries(database: req.db).drimboxes(
            for: try req.principal, after: try query.intCursor(), limit: try query.validatedLimit(),
            state: try query.parsed(DRIMboxState.self, query.state, field: "state"))
        return PageResource(items: try page.items.map(DRIMboxResource.init), nextCursor: page.nextCursor)
    }

    /// `GET /api/v1/drimboxes/{id}`: with FQDN pairs, history and attestations.
    static func show(_ req: Request) async throws -> DRIMboxResource {
        let queries = RegistryQueries(database: req.db)
        let principal = try req.principal
        let drimbox = try await queries.drimbox(try req.uuid("drimboxID"), for: principal)
        var resource = try DRIMboxResource(drimbox)
        resource.fqdnPairs = try await queries.pairs(of: drimbox).map(FQDNPairResource.init)
        resource.history = try await queries.history(of: drimbox, for: principal).map(TransitionResource.init)
        resource.attestations = try await queries.attestations(of: drimbox, for: principal).map(AttestationResource.init)
        // An exclusion from before the operator's tenure: the reason stays (it decides what a
        // re-integration needs), ANS's detail about the previous operator does not.
        if let start = try await queries.tenureStart(of: drimbox, for: principal), let excludedAt = drimbox.excludedAt, excludedAt < start {
            resource.exclusionDetail = nil
        }
        return resource
    }

    /// `POST /api/v1/drimboxes/{id}/exclusion` (ANS): removes the DRIMbox from the white list at once.
    static func exclude(_ req: Request) async throws -> DRIMboxResource {
        let principal = try req.requireANS()
        let body = try JSONInput.decode(ExclusionBody.self, from: req)
        return try DRIMboxResource(try await req.workflow.exclude(principal, drimboxID: try req.uuid("drimboxID"), reason: body.reason, detail: body.detail, expectedVersion: body.version))
    }
}
