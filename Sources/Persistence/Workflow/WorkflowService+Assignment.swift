import EDCDomain
import FluentKit
import Foundation

/// Which ANS reviewer is to review a request. Bookkeeping for ANS only: the request's state,
/// version and update time do not change (an operator's pending edit does not conflict with it),
/// and no notification is sent.
extension WorkflowService {
    /// Assigns the request to the ANS user `reviewerID` (an enabled reviewer or administrator), or
    /// to no one (nil). ANS only; anyone else gets `NotFoundError`, as for a request they may not
    /// see. A closed request cannot be assigned. Audited `request.assigned` when it changes.
    public func assign(_ principal: Principal, requestID: UUID, to reviewerID: UUID?) async throws -> RequestModel {
        guard principal.role.isANS else { throw NotFoundError(entity: "request", id: requestID.uuidString) }
        return try await store.write { context in
            let db = context.database
            let request = try await loadVisible(requestID, principal: principal, on: db)
            let state = request.state
            if state.isFinal {
                throw WorkflowError.guardFailed(
                    "request.assign_closed", "Une demande à l'état « \(state.label) » est close : elle ne s'attribue plus.",
                    "request \(request.number) is \(state.rawValue)")
            }
            if let reviewerID {
                guard let reviewer = try await UserModel.find(reviewerID, on: db), reviewer.role.isANS, reviewer.disabledAt == nil else {
                    throw ValidationErrors([ValidationError(
                        code: "request.assignee", field: "reviewerID",
                        userMessage: "La demande ne peut être attribuée qu'à un agent de l'ANS dont le compte est actif.",
                        technicalDetail: "user \(reviewerID) is not an enabled ANS user")])
                }
            }
            let previous = request.assignedReviewerID
            guard previous != reviewerID else { return request }
            // Only this column: the version and update time stay as they are.
            try await RequestModel.query(on: db).filter(\.$id == requestID).set(\.$assignedReviewerID, to: reviewerID).update()
            request.assignedReviewerID = reviewerID
            try await context.audit(principal.auditActor, action: .requestAssigned, entity: .request, entityID: request.number.description, data: [
                "from": previous?.uuidString ?? "", "to": reviewerID?.uuidString ?? "",
            ])
            return request
        }
    }
}
