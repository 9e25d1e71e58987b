import Testing
@testable import EDCDomain

/// Runs `body`, expects it to throw a `ValidationError` with `code`, and checks that the error
/// carries both texts: the French one for users and the English one for logs.
@discardableResult
func expectValidationError(
    _ code: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> ValidationError? {
    do {
        try body()
        Issue.record("expected a ValidationError \(code), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as ValidationError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(!error.userMessage.isEmpty, sourceLocation: sourceLocation)
        #expect(!error.technicalDetail.isEmpty, sourceLocation: sourceLocation)
        #expect(error.userMessage != error.technicalDetail, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a ValidationError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
